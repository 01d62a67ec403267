package forcepoint

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// The status page and metrics see the ledger as it stands: today's count
// against daily_request_budget, less when the server says so, nothing
// while blocked, and a fresh day after midnight.
func TestBudgetSnapshot(t *testing.T) {
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	id := record.StreamID{Source: "acme", Stream: "admin"}
	for name, tc := range map[string]struct {
		stored state.Budget
		want   source.Budget
	}{
		"own cap":          {state.Budget{Day: "2026-11-22", Used: 10, Remaining: -1}, source.Budget{Used: 10, Limit: 300, Remaining: 290, Reset: midnight}},
		"server says less": {state.Budget{Day: "2026-11-22", Used: 10, Remaining: 4}, source.Budget{Used: 10, Limit: 300, Remaining: 4, Reset: midnight}},
		"spent":            {state.Budget{Day: "2026-11-22", Used: 300, Remaining: -1}, source.Budget{Used: 300, Limit: 300, Remaining: 0, Reset: midnight}},
		"spent, said a 429": {state.Budget{Day: "2026-11-22", Used: 12, Remaining: 0, BlockedUntil: now.Add(90 * time.Minute)},
			source.Budget{Used: 12, Limit: 300, Remaining: 0, Reset: now.Add(90 * time.Minute)}},
		// A short throttle spends nothing: the budget stands as it was.
		"throttled briefly": {state.Budget{Day: "2026-11-22", Used: 12, Remaining: 280, BlockedUntil: now.Add(2 * time.Second)},
			source.Budget{Used: 12, Limit: 300, Remaining: 280, Reset: midnight}},
		"yesterday's count": {state.Budget{Day: "2026-11-21", Used: 300, Remaining: 0}, source.Budget{Used: 0, Limit: 300, Remaining: 300, Reset: midnight}},
	} {
		t.Run(name, func(t *testing.T) {
			store := memstate.New()
			if err := store.SetBudget(id, tc.stored); err != nil {
				t.Fatal(err)
			}
			l := ledger{store: store, id: id, limit: 300, now: func() time.Time { return now }}
			got, err := l.snapshot()
			if err != nil || got != tc.want {
				t.Fatalf("snapshot = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// The plan rides along with the count: each reserve keeps the stream's
// latest plan in the ledger (no write of its own), a stream without one
// yet leaves the stored plan and page size alone, and the snapshot shows
// the stored plan.
func TestReserveKeepsThePlan(t *testing.T) {
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	id := record.StreamID{Source: "acme", Stream: "access"}
	store := memstate.New()
	l := ledger{store: store, id: id, limit: 300, now: func() time.Time { return now }}
	catchUp := now.Add(5 * time.Hour)
	if _, err := l.reserve(&planned{behind: 48000, catchUpAt: catchUp, every: 288 * time.Second, pageSize: 1000}); err != nil {
		t.Fatal(err)
	}
	b, err := l.reserve(nil) // a restarted stream: no plan yet
	if err != nil {
		t.Fatal(err)
	}
	if b.Used != 2 || b.Behind != 48000 || !b.CatchUpAt.Equal(catchUp) || b.PaceEvery != 288*time.Second || b.PageSize != 1000 {
		t.Fatalf("ledger %+v; want 2 used and the plan kept", b)
	}
	if _, err := l.reserve(&planned{every: 4 * time.Minute}); err != nil { // caught up; the page size is not sure
		t.Fatal(err)
	}
	b, _ = store.Budget(id)
	if b.Behind != 0 || !b.CatchUpAt.IsZero() || b.PaceEvery != 4*time.Minute || b.PageSize != 1000 {
		t.Errorf("ledger %+v; want caught up, every 4m, the page size kept", b)
	}
	snap, err := l.snapshot()
	if err != nil || snap.Plan != (source.Plan{Every: 4 * time.Minute}) {
		t.Errorf("snapshot %+v, %v; want the stored plan", snap, err)
	}
}
