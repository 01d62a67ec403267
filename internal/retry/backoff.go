package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff computes capped exponential delays with full jitter, so that many
// streams failing together do not retry in lockstep.
type Backoff struct {
	Base time.Duration // first delay ceiling (default 1s)
	Max  time.Duration // cap (default 5m)
}

// Delay returns the wait before retry number attempt (0-based).
func (b Backoff) Delay(attempt int) time.Duration {
	base, max := b.Base, b.Max
	if base <= 0 {
		base = time.Second
	}
	if max <= 0 {
		max = 5 * time.Minute
	}
	ceil := max
	if attempt < 30 {
		if d := base << attempt; d > 0 && d < max {
			ceil = d
		}
	}
	// Full jitter, but never less than half the ceiling: retries stay spread
	// out without collapsing to zero.
	return ceil/2 + rand.N(ceil/2+1)
}

// Sleep waits d or until ctx ends, whichever is first; it returns ctx's
// error when ctx ended.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
