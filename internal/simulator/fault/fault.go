// Package fault wraps an http.Handler and injects the failures a vendor API
// shows in production: 503s, 429s with Retry-After, connections reset or cut
// part-way through a body, and slow answers.
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
	DefaultSlowDelay  = 2 * time.Second
	DefaultRetryAfter = time.Second
)

// Config says how often and how a request fails.
type Config struct {
	Rate       float64       // fraction of requests that fail, 0..1
	Seed       int64         // same seed, same fault sequence
	Kinds      []Kind        // kinds to choose from; empty means all
	SlowDelay  time.Duration // delay of a Slow fault; 0 means DefaultSlowDelay
	RetryAfter time.Duration // Retry-After of a 429; 0 means DefaultRetryAfter
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
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	return &Injector{next: h, cfg: cfg, skip: skip, sleep: sleepCtx, counts: map[Kind]int{}}
}

// Counts returns how many faults of each kind were injected so far.
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
	if !ok {
		f.next.ServeHTTP(w, r)
		return
	}
	f.inject(k, w, r)
}

// next1 takes the next sequence number and records the fault chosen for it.
func (f *Injector) next1() (Kind, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := choose(f.cfg, f.n)
	f.n++
	if ok {
		f.counts[k]++
	}
	return k, ok
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
	case Throttle429:
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(f.cfg.RetryAfter)))
		writeStatus(w, http.StatusTooManyRequests, `{"status":"Too many requests"}`)
	case Slow:
		if f.sleep(r.Context(), f.cfg.SlowDelay) == nil {
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

// ceilSeconds rounds up so a client waiting Retry-After never comes back early.
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
