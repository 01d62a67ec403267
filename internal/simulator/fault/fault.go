// Package fault wraps an http.Handler and injects the failures a vendor API
// shows in production: 503s, connections reset or cut part-way through a
// body, slow answers and answers that never come in time, and, through the
// vendor simulators themselves (Take), short 429 throttles, 423 blocks,
// aborted sync archives and expired tokens.
//
// Which request gets which fault depends only on the seed and the request's
// sequence number, so a failing test run can be replayed with the same seed.
package fault

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// Defaults used when the Config leaves a duration at zero.
const (
	DefaultSlowDelay    = 2 * time.Second
	DefaultTimeoutDelay = 10 * time.Second
	DefaultRetryAfter   = time.Second
)

// Config says how often and how a request fails.
type Config struct {
	Rate      float64       // fraction of requests that fail, 0..1
	Seed      int64         // same seed, same fault sequence
	Kinds     []Kind        // kinds to choose from; empty means all
	SlowDelay time.Duration // delay of a Slow fault; 0 means DefaultSlowDelay
	// TimeoutDelay is how long a Timeout fault holds the answer back; it
	// must exceed the client's request timeout. 0 means DefaultTimeoutDelay.
	TimeoutDelay time.Duration
	RetryAfter   time.Duration // Retry-After of a 429; 0 means DefaultRetryAfter
}

// Injector is the fault-injecting middleware returned by Wrap.
type Injector struct {
	next http.Handler
	cfg  Config
	skip func(*http.Request) bool
	// sleep is swappable so tests can observe a Slow delay without timing it.
	sleep func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	n      uint64
	counts map[Kind]int
}

// Wrap returns h with faults injected into a fraction cfg.Rate of the
// requests. Requests for which skip returns true (skip may be nil) pass
// through untouched and do not advance the fault sequence.
func Wrap(h http.Handler, cfg Config, skip func(*http.Request) bool) *Injector {
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = AllKinds()
	}
	if cfg.SlowDelay <= 0 {
		cfg.SlowDelay = DefaultSlowDelay
	}
	if cfg.TimeoutDelay <= 0 {
		cfg.TimeoutDelay = DefaultTimeoutDelay
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	return &Injector{next: h, cfg: cfg, skip: skip, sleep: sleepCtx, counts: map[Kind]int{}}
}

// RetryAfter is the Retry-After a vendor handler sends with a Throttle429.
func (f *Injector) RetryAfter() time.Duration { return f.cfg.RetryAfter }

// Counts returns how many faults of each kind were injected so far: for
// vendor kinds, how many the handler produced (Take).
func (f *Injector) Counts() map[Kind]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[Kind]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// ServeHTTP decides whether this request fails and how.
func (f *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.skip != nil && f.skip(r) {
		f.next.ServeHTTP(w, r)
		return
	}
	k, ok := f.next1()
	switch {
	case !ok:
		f.next.ServeHTTP(w, r)
	case k.vendor():
		o := &offer{kind: k, inj: f}
		f.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), offerKey{}, o)))
	default:
		f.count(k)
		f.inject(k, w, r)
	}
}

// next1 takes the next sequence number and picks its fault, if any.
func (f *Injector) next1() (Kind, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := choose(f.cfg, f.n)
	f.n++
	return k, ok
}

func (f *Injector) count(k Kind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[k]++
}

// offer is a vendor fault waiting for the handler to produce it.
type offer struct {
	kind  Kind
	inj   *Injector
	taken bool
}

type offerKey struct{}

// Take is how a vendor handler learns that this request should fail as k:
// it returns true once per request when the Injector chose k for it, and
// counts the fault as injected. The handler then writes the vendor's own
// answer for k (Injector.RetryAfter gives a 429's Retry-After, via From).
func Take(r *http.Request, k Kind) bool {
	o, _ := r.Context().Value(offerKey{}).(*offer)
	if o == nil || o.taken || o.kind != k {
		return false
	}
	o.taken = true
	o.inj.count(k)
	return true
}

// From returns the Injector that offered this request a vendor fault, or
// nil; handlers read its Config through it (RetryAfter).
func From(r *http.Request) *Injector {
	if o, _ := r.Context().Value(offerKey{}).(*offer); o != nil {
		return o.inj
	}
	return nil
}

// choose hashes (seed, n) rather than drawing from a shared random stream, so
// the decision for request n does not depend on how earlier ones were spent.
func choose(cfg Config, n uint64) (Kind, bool) {
	h := simrand.Mix(uint64(cfg.Seed) ^ simrand.Mix(n+0x9e3779b97f4a7c15))
	u := float64(h>>11) / (1 << 53) // uniform in [0,1)
	if u >= cfg.Rate {
		return 0, false
	}
	return cfg.Kinds[simrand.Mix(h)%uint64(len(cfg.Kinds))], true
}

func (f *Injector) inject(k Kind, w http.ResponseWriter, r *http.Request) {
	switch k {
	case Status503:
		writeStatus(w, http.StatusServiceUnavailable, `{"status":"Temporarily unavailable"}`)
	case Slow:
		if f.sleep(r.Context(), f.cfg.SlowDelay) == nil {
			f.next.ServeHTTP(w, r)
		}
	case Timeout:
		if f.sleep(r.Context(), f.cfg.TimeoutDelay) == nil {
			f.next.ServeHTTP(w, r)
		}
	case Reset, Truncate:
		breakResponse(w, r, f.next, k == Reset)
	}
}

func writeStatus(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// RetryAfterSeconds is d as a Retry-After value: whole seconds, rounded
// up so a client waiting it never comes back early, at least 1.
func RetryAfterSeconds(d time.Duration) string { return strconv.Itoa(ceilSeconds(d)) }

func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
