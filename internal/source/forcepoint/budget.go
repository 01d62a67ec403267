package forcepoint

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// ledger spends a stream's daily request budget. The count lives in the
// state store and is written before each request is sent, so a crash can
// only over-count, never let a restarted gatelog overspend.
type ledger struct {
	store state.Store
	id    record.StreamID
	limit int // our own cap per UTC day (daily_request_budget)
	now   func() time.Time
}

// reserve accounts for one request, or says when the next may be sent.
func (l *ledger) reserve() (state.Budget, error) {
	b, err := l.store.Budget(l.id)
	if err != nil {
		return b, fmt.Errorf("read request budget: %w", err)
	}
	now := l.now()
	if now.Before(b.BlockedUntil) {
		return b, errclass.Throttled(fmt.Errorf("request budget: %s", b.Reason), b.BlockedUntil)
	}
	if today := now.UTC().Format(time.DateOnly); b.Day != today {
		b.Day, b.Used = today, 0
	}
	if b.Used >= l.limit {
		until := httpx.NextUTCMidnight(now)
		return b, errclass.Throttled(fmt.Errorf("daily_request_budget of %d requests spent for today", l.limit), until)
	}
	b.Used++
	if err := l.store.SetBudget(l.id, b); err != nil {
		return b, fmt.Errorf("save request budget: %w", err)
	}
	return b, nil
}

// observe records what the server said about its limit. It persists only
// when the answer blocks further requests; the rest rides along with the
// next reserve.
func (l *ledger) observe(b state.Budget, resp *http.Response) (state.Budget, error) {
	now := l.now()
	h := resp.Header
	if n, err := strconv.Atoi(h.Get("X-RateLimit-Limit")); err == nil {
		b.Limit = n
	}
	b.Remaining = -1
	if n, err := strconv.Atoi(h.Get("X-RateLimit-Remaining")); err == nil {
		b.Remaining = n
	}
	reset, hasReset := httpx.ParseReset(h.Get("X-RateLimit-Reset"), now)
	var until time.Time
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		until, b.Reason = throttleUntil(h, now, reset, hasReset), "the server answered 429 Too Many Requests"
	case b.Remaining == 0:
		until, b.Reason = reset, "the server reports no requests left until its reset"
		if !hasReset {
			until = httpx.NextUTCMidnight(now)
		}
	default:
		return b, nil
	}
	b.BlockedUntil = until
	if err := l.store.SetBudget(l.id, b); err != nil {
		return b, fmt.Errorf("save request budget: %w", err)
	}
	return b, nil
}

// throttleUntil picks the later of Retry-After and the limit reset: a 429 is
// never retried before either has passed.
func throttleUntil(h http.Header, now, reset time.Time, hasReset bool) time.Time {
	until, ok := httpx.RetryAfter(h, now)
	if hasReset && reset.After(until) {
		until, ok = reset, true
	}
	if !ok {
		until = httpx.NextUTCMidnight(now)
	}
	return until
}

// snapshot is the ledger as the status page and metrics show it.
func (l *ledger) snapshot() (source.Budget, error) {
	b, err := l.store.Budget(l.id)
	if err != nil {
		return source.Budget{}, fmt.Errorf("read request budget: %w", err)
	}
	now := l.now()
	if b.Day != now.UTC().Format(time.DateOnly) {
		b.Used, b.Remaining = 0, -1
	}
	out := source.Budget{Used: b.Used, Limit: l.limit, Reset: httpx.NextUTCMidnight(now)}
	out.Remaining = max(out.Limit-out.Used, 0)
	if b.Remaining >= 0 && b.Remaining < out.Remaining {
		out.Remaining = b.Remaining
	}
	if now.Before(b.BlockedUntil) {
		out.Remaining, out.Reset = 0, b.BlockedUntil
	}
	return out, nil
}
