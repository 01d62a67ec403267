package forcepoint

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
)

// budget counts requests per (identity, type) per window. The vendor docs
// give 300 requests per day per log type; every authenticated request counts,
// whatever its outcome, because the vendor's own collector goes out of its
// way not to send requests that would fail "to avoid counting against API
// count quota".
type budget struct {
	limit  int
	window time.Duration

	mu   sync.Mutex
	used map[budgetKey]*budgetUse
}

type budgetKey struct{ ident, typ string }

type budgetUse struct {
	win int64 // index of the window the count belongs to
	n   int
}

// quota is the state of one key after counting a request.
type quota struct {
	limit, remaining int
	reset            time.Time
	over             bool
}

func newBudget(limit int, window time.Duration) *budget {
	return &budget{limit: limit, window: window, used: map[budgetKey]*budgetUse{}}
}

// take counts one request at now.
func (b *budget) take(ident, typ string, now time.Time) quota {
	if b.limit <= 0 {
		return quota{}
	}
	win, reset := b.windowOf(now)
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.used[budgetKey{ident, typ}]
	if u == nil || u.win != win {
		u = &budgetUse{win: win}
		b.used[budgetKey{ident, typ}] = u
	}
	u.n++
	return quota{limit: b.limit, remaining: max(0, b.limit-u.n), reset: reset, over: u.n > b.limit}
}

// windowOf aligns windows to multiples of the window length since the Unix
// epoch; with 24h these are exactly UTC calendar days.
func (b *budget) windowOf(now time.Time) (int64, time.Time) {
	w := int64(b.window)
	ns := now.UnixNano()
	win := ns / w
	if ns < 0 && ns%w != 0 {
		win-- // floor for times before 1970
	}
	return win, time.Unix(0, (win+1)*w).UTC()
}

func (s *Server) setQuotaHeaders(h http.Header, q quota) {
	if q.limit == 0 {
		return
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(q.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(q.remaining))
	if s.cfg.ResetFormat == "datetime" {
		h.Set("X-RateLimit-Reset", q.reset.Format(layoutResetTime))
	} else {
		h.Set("X-RateLimit-Reset", strconv.FormatInt(q.reset.Unix(), 10))
	}
}

// writeOverLimit sends the vendor's 429 text. It says "per day" even when
// tests shorten the window, as the vendor's text is fixed. The docs give
// no Retry-After for it: the reset is in the text and X-RateLimit-Reset.
func (s *Server) writeOverLimit(w http.ResponseWriter, q quota, typ string) int {
	msg := fmt.Sprintf("You have exceeded your allowance of %d requests per day for %s logs. Limit will reset at %s",
		q.limit, typ, q.reset.Format(layoutResetTime))
	return writeStatus(w, http.StatusTooManyRequests, msg)
}

// throttleMessage is the text of a short 429. The vendor documents only
// the daily 429; this one is ours, and differs so that neither can be
// mistaken for the other.
const throttleMessage = "Too many requests, slow down"

// writeThrottled sends a short 429 with the injector's Retry-After.
func writeThrottled(w http.ResponseWriter, r *http.Request) int {
	w.Header().Set("Retry-After", fault.RetryAfterSeconds(fault.From(r).RetryAfter()))
	return writeStatus(w, http.StatusTooManyRequests, throttleMessage)
}
