package httpx

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
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

// RetryAfter reads a Retry-After header (seconds or an HTTP date).
func RetryAfter(h http.Header, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return now.Add(time.Duration(secs) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// ParseReset reads an X-RateLimit-Reset value. Vendors disagree on its
// form, so accept Unix seconds, a delta in seconds (small numbers), RFC 3339
// and "2006-01-02 15:04:05+00:00".
func ParseReset(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		if n < 1e9 { // a delta: no epoch timestamp is this small
			return now.Add(time.Duration(n * float64(time.Second))), true
		}
		return time.Unix(int64(n), 0), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", http.TimeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// NextUTCMidnight is when a per-UTC-day budget resets.
func NextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
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
