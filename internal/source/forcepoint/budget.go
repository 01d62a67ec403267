package forcepoint

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// ledger spends a stream's daily request budget. The count lives in the
// state store (its state.Ledger) and is written before each request is
// sent, so a crash can only over-count, never let a restarted gatelog
// overspend.
type ledger struct {
	store state.Ledger
	id    record.StreamID
	limit int // our own cap per UTC day (daily_request_budget)
	now   func() time.Time
}

// reserve accounts for one request, or says when the next may be sent. The
// check and the count are one atomic update of the store, so instances
// sharing it (or a process that lost the stream mid-request) never spend
// one request twice.
//
// With a plan (pl not nil) it also keeps the stream's plan in the ledger,
// for `gatelog state show` and for the next run: no write of its own.
func (l *ledger) reserve(pl *planned) (state.Budget, error) {
	now := l.now()
	b, err := l.store.UpdateBudget(l.id, func(b *state.Budget) error {
		if now.Before(b.BlockedUntil) {
			reason := errclass.ReasonThrottle
			if b.Remaining == 0 {
				reason = errclass.ReasonDaily
			}
			return errclass.Throttled(errclass.WithReason(fmt.Errorf("request budget: %s", b.Reason), reason), b.BlockedUntil)
		}
		if today := now.UTC().Format(time.DateOnly); b.Day != today {
			b.Day, b.Used = today, 0
		}
		if b.Used >= l.limit {
			until := httpx.NextUTCMidnight(now)
			err := fmt.Errorf("daily_request_budget of %d requests spent for today", l.limit)
			return errclass.Throttled(errclass.WithReason(err, errclass.ReasonBudget), until)
		}
		b.Used++
		if pl != nil {
			b.Behind, b.CatchUpAt, b.PaceEvery = pl.behind, pl.catchUpAt, pl.every
			if pl.pageSize > 0 {
				b.PageSize = pl.pageSize
			}
		}
		return nil
	})
	var th *errclass.ThrottledError
	if err != nil && !errors.As(err, &th) {
		return b, fmt.Errorf("save request budget: %w", err)
	}
	return b, err
}

// planned is what a stream keeps of its plan with its budget (see
// state.Budget).
type planned struct {
	behind    int64
	catchUpAt time.Time
	every     time.Duration
	pageSize  int // 0: not known; the stored one stays
}

// own is the stream's own allowance (daily_request_budget) after a
// reserve that returned b.
func (l *ledger) own(b state.Budget, now time.Time) window {
	return window{left: max(l.limit-b.Used, 0), reset: httpx.NextUTCMidnight(now), limit: l.limit, period: 24 * time.Hour}
}

// observe records what a 200 answer said about the limit. It persists
// only when the answer blocks further requests; the rest rides along with
// the next reserve.
func (l *ledger) observe(b state.Budget, rl httpx.RateLimit) error {
	b.Limit, b.Remaining = rl.Limit, rl.Remaining
	if !rl.Spent() {
		return nil
	}
	until := rl.Reset
	if until.IsZero() {
		until = httpx.NextUTCMidnight(l.now())
	}
	return l.block(b, until, "the server reports no requests left until its reset")
}

// throttled records a 429: a spent budget (Remaining 0) blocks the type
// until the reset, a short throttle only for its Retry-After. Both are
// kept in the store, so a restart waits too.
func (l *ledger) throttled(b state.Budget, v httpx.Verdict, msg string) error {
	b.Limit, b.Remaining = v.Limit.Limit, v.Limit.Remaining
	if v.Reason == errclass.ReasonDaily {
		b.Remaining = 0
	}
	return l.block(b, v.Until, "the server answered 429: "+msg)
}

func (l *ledger) block(b state.Budget, until time.Time, reason string) error {
	_, err := l.store.UpdateBudget(l.id, func(cur *state.Budget) error { // the count as stored: never lowered
		cur.Limit, cur.Remaining = b.Limit, b.Remaining
		cur.BlockedUntil, cur.Reason = until, reason
		return nil
	})
	if err != nil {
		return fmt.Errorf("save request budget: %w", err)
	}
	return nil
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
	if now.Before(b.BlockedUntil) && b.Remaining == 0 { // spent; a short throttle spends nothing
		out.Remaining, out.Reset = 0, b.BlockedUntil
	}
	// The plan as of the latest request; a running stream shows its own,
	// newer one instead.
	out.Plan = source.Plan{Behind: b.Behind, CatchUpAt: b.CatchUpAt, Every: b.PaceEvery}
	return out, nil
}
