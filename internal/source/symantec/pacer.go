package symantec

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/retry"
)

// pacer spaces the requests of one customer. Broadcom throttles per
// customer, across all keys and clients (KB 232689), and says how long to
// wait only when it refuses a request, so the pacer learns the interval
// from each 429 and keeps it between all later requests of the source.
type pacer struct {
	now func() time.Time

	mu       sync.Mutex
	interval time.Duration // the least spacing the server has asked for
	until    time.Time     // nothing before this (a Retry-After)
	last     time.Time     // when the latest request was let through
}

// margin widens a learned interval: the server measures it on its own
// clock, from when each request arrived.
const margin = 10

// slot is when a request was let through, and the one before it.
type slot struct{ prev, at time.Time }

// wait blocks until the next request may go and returns its slot, for
// throttled. Before a Retry-After has passed it does not wait but says
// until when: the caller (the pipeline) waits, where it can be seen.
func (p *pacer) wait(ctx context.Context) (slot, error) {
	now := p.now()
	if until := p.retryAfter(); now.Before(until) {
		err := errors.New("Broadcom asked gatelog to wait (429 Retry-After)")
		return slot{}, errclass.Throttled(errclass.WithReason(err, errclass.ReasonPaced), until)
	}
	prev, at := p.reserve(now)
	return slot{prev, at}, retry.Sleep(ctx, at.Sub(now))
}

func (p *pacer) retryAfter() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.until
}

// reserve books the next slot at or after now.
func (p *pacer) reserve(now time.Time) (prev, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at = now
	if !p.last.IsZero() && p.last.Add(p.interval).After(at) {
		at = p.last.Add(p.interval)
	}
	if p.until.After(at) {
		at = p.until
	}
	prev, p.last = p.last, at
	return prev, at
}

// throttled takes in a 429 to the request of slot s that asked for a wait
// until `until`: nothing goes before it, and the interval is learned. A
// server that enforces an interval I answers a request sent e after the one
// it last served with Retry-After I-e, so I = e + Retry-After; when e is
// longer than the Retry-After the 429 was not about spacing (a burst, a
// brief overload) and only the Retry-After is kept as the interval. The
// refused request itself does not count as served.
func (p *pacer) throttled(s slot, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.until) {
		p.until = until
	}
	if p.last.Equal(s.at) {
		p.last = time.Time{}
	}
	learned := until.Sub(s.at)
	if e := s.at.Sub(s.prev); !s.prev.IsZero() && e < learned {
		learned += e
	}
	if d := learned * (100 + margin) / 100; d > p.interval {
		p.interval = d
	}
}

// restore carries a Retry-After over a restart.
func (p *pacer) restore(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.until) {
		p.until = until
	}
}
