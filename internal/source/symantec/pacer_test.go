package symantec

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
)

// The pacer learns the server's interval from a 429 and keeps it: the
// refused request's Retry-After counts from the request before it.
func TestPacerLearnsTheIntervalFromA429(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	p := &pacer{now: func() time.Time { return t0 }}
	if _, at := p.reserve(t0); !at.Equal(t0) {
		t.Fatalf("first request waits until %v", at)
	}
	// 0.4 s later the next one is refused: Retry-After 2 (the server's
	// interval is 2.4 s, counted from the first request).
	prev, at := p.reserve(t0.Add(400 * time.Millisecond))
	if !prev.Equal(t0) || !at.Equal(t0.Add(400*time.Millisecond)) {
		t.Fatalf("second slot %v after %v", at, prev)
	}
	until := at.Add(2 * time.Second)
	p.throttled(slot{prev, at}, until)
	// Nothing before the Retry-After...
	_, at = p.reserve(at.Add(100 * time.Millisecond))
	if !at.Equal(until) {
		t.Fatalf("after the 429 the next request goes at %v, want %v", at, until)
	}
	// ... and from then on at least the interval the server enforces
	// (2.4 s, with the margin), however soon the caller asks.
	want := time.Duration(float64(2400*time.Millisecond) * 1.1)
	for range 5 {
		prev, next := p.reserve(at)
		if next.Sub(prev) != want {
			t.Fatalf("spacing %v, want %v", next.Sub(prev), want)
		}
		at = next
	}
}

// A Retry-After outlives the process: restore holds requests until it.
func TestPacerRestoresARetryAfter(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	p := &pacer{now: func() time.Time { return t0 }}
	p.restore(t0.Add(time.Minute))
	if _, at := p.reserve(t0); !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("restored pacer lets a request go at %v", at)
	}
}

// A 429 long after the request before it is not about spacing: only its
// Retry-After is learned, not the idle time.
func TestPacerDoesNotLearnIdleTime(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	p := &pacer{now: func() time.Time { return t0 }}
	p.reserve(t0)
	later := t0.Add(5 * time.Minute)
	prev, at := p.reserve(later)
	p.throttled(slot{prev, at}, at.Add(time.Second))
	_, next := p.reserve(at)
	_, after := p.reserve(at)
	if got, want := after.Sub(next), 1100*time.Millisecond; got != want {
		t.Fatalf("learned spacing %v, want %v (the Retry-After with its margin)", got, want)
	}
}

// Before a Retry-After has passed, wait does not sleep but reports the
// throttle, so the pipeline waits where it shows (and --max-wait applies).
func TestPacerReportsAPendingRetryAfter(t *testing.T) {
	now := time.Now()
	p := &pacer{now: func() time.Time { return now }}
	p.restore(now.Add(time.Hour))
	_, err := p.wait(t.Context())
	if until, ok := errclass.ThrottledUntil(err); !ok || !until.Equal(now.Add(time.Hour)) || errclass.Reason(err) != errclass.ReasonPaced {
		t.Fatalf("wait = %v, want throttled until the Retry-After", err)
	}
}
