package symantec

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/state"
)

// pacer spaces the requests of one customer. Broadcom throttles per
// customer, across all keys and clients (KB 232689), and says how long to
// wait only when it refuses a request, so the pacer learns the interval
// from each 429 and keeps it between all later requests of the source.
//
// With a ledger the pace lives in the state store (the customer's throttle
// row: its Interval, Last and BlockedUntil), changed by one atomic update
// per request: every stream of the customer, in this process or in another
// instance sharing the store, books its slots from the same row, and a
// restart keeps a Retry-After. Without one (ad-hoc commands) it is in
// memory.
type pacer struct {
	now func() time.Time

	ledger state.Ledger
	row    record.StreamID

	mu  sync.Mutex
	mem pace // the pace when there is no ledger
}

// pace is what the pacer keeps.
type pace struct {
	interval time.Duration // the least spacing the server has asked for
	until    time.Time     // nothing before this (a Retry-After)
	last     time.Time     // when the latest request was let through
}

// margin widens a learned interval: the server measures it on its own
// clock, from when each request arrived.
const margin = 10

// throttleReason is kept with a saved Retry-After, for `state show`.
const throttleReason = "Broadcom answered 429 (per customer, across all keys)"

// slot is when a request was let through, and the one before it.
type slot struct{ prev, at time.Time }

// update changes the pace atomically, in the store or in memory.
func (p *pacer) update(fn func(*pace)) error {
	if p.ledger == nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		fn(&p.mem)
		return nil
	}
	_, err := p.ledger.UpdateBudget(p.row, func(b *state.Budget) error {
		ps := pace{interval: b.Interval, until: b.BlockedUntil, last: b.Last}
		fn(&ps)
		if ps.until.After(b.BlockedUntil) {
			b.BlockedUntil, b.Reason = ps.until, throttleReason
		}
		b.Interval, b.Last = ps.interval, ps.last
		return nil
	})
	if err != nil {
		return fmt.Errorf("pace requests through the state store: %w", err)
	}
	return nil
}

// wait blocks until the next request may go and returns its slot, for
// throttled. Before a Retry-After has passed it does not wait but says
// until when: the caller (the pipeline) waits, where it can be seen.
func (p *pacer) wait(ctx context.Context) (slot, error) {
	now := p.now()
	var (
		s       slot
		blocked time.Time
	)
	err := p.update(func(ps *pace) {
		if now.Before(ps.until) {
			blocked = ps.until
			return
		}
		s.prev, s.at = book(ps, now)
	})
	if err != nil {
		return slot{}, err
	}
	if !blocked.IsZero() {
		err := errors.New("Broadcom asked gatelog to wait (429 Retry-After)")
		return slot{}, errclass.Throttled(errclass.WithReason(err, errclass.ReasonPaced), blocked)
	}
	return s, retry.Sleep(ctx, s.at.Sub(now))
}

// reserve books the next slot at or after now.
func (p *pacer) reserve(now time.Time) (prev, at time.Time, err error) {
	err = p.update(func(ps *pace) { prev, at = book(ps, now) })
	return prev, at, err
}

// book takes the next slot at or after now: an interval after the last
// one, and not before a Retry-After.
func book(ps *pace, now time.Time) (prev, at time.Time) {
	at = now
	if !ps.last.IsZero() && ps.last.Add(ps.interval).After(at) {
		at = ps.last.Add(ps.interval)
	}
	if ps.until.After(at) {
		at = ps.until
	}
	prev, ps.last = ps.last, at
	return prev, at
}

// throttled takes in a 429 to the request of slot s that asked for a wait
// until `until`: nothing goes before it, and the interval is learned. A
// server that enforces an interval I answers a request sent e after the one
// it last served with Retry-After I-e, so I = e + Retry-After; when e is
// longer than the Retry-After the 429 was not about spacing (a burst, a
// brief overload) and only the Retry-After is kept as the interval. The
// refused request itself does not count as served.
func (p *pacer) throttled(s slot, until time.Time) error {
	return p.update(func(ps *pace) {
		if until.After(ps.until) {
			ps.until = until
		}
		if ps.last.Equal(s.at) {
			ps.last = time.Time{}
		}
		learned := until.Sub(s.at)
		if e := s.at.Sub(s.prev); !s.prev.IsZero() && e < learned {
			learned += e
		}
		if d := learned * (100 + margin) / 100; d > ps.interval {
			ps.interval = d
		}
	})
}
