package symantec

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

func mustReserve(t *testing.T, p *pacer, now time.Time) (prev, at time.Time) {
	t.Helper()
	prev, at, err := p.reserve(now)
	if err != nil {
		t.Fatal(err)
	}
	return prev, at
}

func mustThrottle(t *testing.T, p *pacer, s slot, until time.Time) {
	t.Helper()
	if err := p.throttled(s, until); err != nil {
		t.Fatal(err)
	}
}

var throttleRow = record.StreamID{Source: "acme", Stream: StreamAccessLog}

// sharedPacer is one instance's pacer on a store other instances share.
func sharedPacer(store state.Ledger, now time.Time) *pacer {
	return &pacer{now: func() time.Time { return now }, ledger: store, row: throttleRow}
}

// The pacer learns the server's interval from a 429 and keeps it: the
// refused request's Retry-After counts from the request before it.
func TestPacerLearnsTheIntervalFromA429(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for name, p := range map[string]*pacer{
		"memory": {now: func() time.Time { return t0 }},
		"store":  sharedPacer(memstate.New(), t0),
	} {
		t.Run(name, func(t *testing.T) {
			if _, at := mustReserve(t, p, t0); !at.Equal(t0) {
				t.Fatalf("first request waits until %v", at)
			}
			// 0.4 s later the next one is refused: Retry-After 2 (the server's
			// interval is 2.4 s, counted from the first request).
			prev, at := mustReserve(t, p, t0.Add(400*time.Millisecond))
			if !prev.Equal(t0) || !at.Equal(t0.Add(400*time.Millisecond)) {
				t.Fatalf("second slot %v after %v", at, prev)
			}
			until := at.Add(2 * time.Second)
			mustThrottle(t, p, slot{prev, at}, until)
			// Nothing before the Retry-After...
			_, at = mustReserve(t, p, at.Add(100*time.Millisecond))
			if !at.Equal(until) {
				t.Fatalf("after the 429 the next request goes at %v, want %v", at, until)
			}
			// ... and from then on at least the interval the server enforces
			// (2.4 s, with the margin), however soon the caller asks.
			want := time.Duration(float64(2400*time.Millisecond) * 1.1)
			for range 5 {
				prev, next := mustReserve(t, p, at)
				if next.Sub(prev) != want {
					t.Fatalf("spacing %v, want %v", next.Sub(prev), want)
				}
				at = next
			}
		})
	}
}

// Two instances on one store pace as one client: what one learns from a
// 429 spaces the other's requests too, and their slots never crowd.
func TestPacerIsSharedThroughTheStore(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	store := memstate.New()
	a, b := sharedPacer(store, t0), sharedPacer(store, t0)
	prev, at := mustReserve(t, a, t0)
	mustThrottle(t, a, slot{prev, at}, t0.Add(3*time.Second)) // learned: 3.3 s
	var slots []time.Time
	for i := range 6 {
		p := []*pacer{a, b}[i%2]
		_, at := mustReserve(t, p, t0)
		slots = append(slots, at)
	}
	if !slots[0].Equal(t0.Add(3 * time.Second)) {
		t.Errorf("the other instance's first slot is %v; want the Retry-After %v", slots[0], t0.Add(3*time.Second))
	}
	for i := 1; i < len(slots); i++ {
		if d := slots[i].Sub(slots[i-1]); d != 3300*time.Millisecond {
			t.Errorf("slot %d is %v after the one before (another instance's); want the learned 3.3s", i, d)
		}
	}
	bud, err := store.Budget(throttleRow)
	if err != nil || bud.Interval != 3300*time.Millisecond || !bud.BlockedUntil.Equal(t0.Add(3*time.Second)) || bud.Reason == "" {
		t.Errorf("the store holds %+v, %v; want the learned interval and the Retry-After with its reason", bud, err)
	}
}

// A Retry-After outlives the process: a new pacer on the same store holds
// requests until it.
func TestPacerKeepsARetryAfterAcrossARestart(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	store := memstate.New()
	p := sharedPacer(store, t0)
	prev, at := mustReserve(t, p, t0)
	mustThrottle(t, p, slot{prev, at}, t0.Add(time.Minute))
	if _, at := mustReserve(t, sharedPacer(store, t0), t0); !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a restarted pacer lets a request go at %v", at)
	}
}

// A 429 long after the request before it is not about spacing: only its
// Retry-After is learned, not the idle time.
func TestPacerDoesNotLearnIdleTime(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	p := &pacer{now: func() time.Time { return t0 }}
	mustReserve(t, p, t0)
	later := t0.Add(5 * time.Minute)
	prev, at := mustReserve(t, p, later)
	mustThrottle(t, p, slot{prev, at}, at.Add(time.Second))
	_, next := mustReserve(t, p, at)
	_, after := mustReserve(t, p, at)
	if got, want := after.Sub(next), 1100*time.Millisecond; got != want {
		t.Fatalf("learned spacing %v, want %v (the Retry-After with its margin)", got, want)
	}
}

// Before a Retry-After has passed, wait does not sleep but reports the
// throttle, so the pipeline waits where it shows (and --max-wait applies).
func TestPacerReportsAPendingRetryAfter(t *testing.T) {
	now := time.Now()
	p := &pacer{now: func() time.Time { return now }, mem: pace{until: now.Add(time.Hour)}}
	_, err := p.wait(t.Context())
	if until, ok := errclass.ThrottledUntil(err); !ok || !until.Equal(now.Add(time.Hour)) || errclass.Reason(err) != errclass.ReasonPaced {
		t.Fatalf("wait = %v, want throttled until the Retry-After", err)
	}
}
