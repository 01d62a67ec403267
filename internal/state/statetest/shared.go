package statetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// What several instances sharing one store rely on: atomic budget updates,
// the heartbeat table, and reading every lease at once.

// Concurrent UpdateBudgets lose no count, and a failing fn stores nothing.
func testUpdateBudget(t *testing.T, s state.Store) {
	at := time.Date(2026, 12, 6, 11, 0, 0, 123456789, time.UTC)
	b, err := s.UpdateBudget(streamA, func(b *state.Budget) error {
		if b.Remaining != -1 || b.Used != 0 || b.Day != "" {
			t.Errorf("UpdateBudget of a stream with no ledger starts from %+v; want zero with Remaining -1", *b)
		}
		b.Day, b.Used, b.Remaining, b.Interval, b.Last = "2026-12-06", 1, 299, 1500*time.Millisecond, at
		b.Behind, b.CatchUpAt, b.PaceEvery, b.PageSize = 123456, at.Add(3*time.Hour), 288*time.Second, 1000
		return nil
	})
	must(t, err)
	got, err := s.Budget(streamA)
	must(t, err)
	if !cmp.Equal(got, b) || !got.Last.Equal(at) || got.Interval != 1500*time.Millisecond {
		t.Fatalf("Budget after UpdateBudget = %+v; want what it returned, %+v", got, b)
	}
	if got.Behind != 123456 || !got.CatchUpAt.Equal(at.Add(3*time.Hour)) || got.PaceEvery != 288*time.Second || got.PageSize != 1000 {
		t.Fatalf("Budget after UpdateBudget lost the plan: %+v", got)
	}
	entries, err := s.List()
	must(t, err)
	for _, e := range entries {
		if e.ID == streamA && (e.Budget == nil || !cmp.Equal(*e.Budget, b)) {
			t.Fatalf("List shows %s's budget as %+v; want %+v", streamA, e.Budget, b)
		}
	}
	// Unknown (-1) is a value of its own, and zero clears the plan.
	b, err = s.UpdateBudget(streamA, func(b *state.Budget) error {
		b.Behind, b.CatchUpAt, b.PaceEvery, b.PageSize = -1, time.Time{}, 0, 0
		return nil
	})
	must(t, err)
	if got, _ := s.Budget(streamA); !cmp.Equal(got, b) || got.Behind != -1 || !got.CatchUpAt.IsZero() {
		t.Fatalf("Budget after clearing the plan = %+v; want %+v", got, b)
	}
	const workers, each = 4, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := s.UpdateBudget(streamA, func(b *state.Budget) error { b.Used++; return nil }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got, _ := s.Budget(streamA); got.Used != 1+workers*each {
		t.Errorf("after %d concurrent increments Used = %d; want %d (an update was lost)", workers*each, got.Used, 1+workers*each)
	}
	boom := errors.New("no")
	if _, err := s.UpdateBudget(streamA, func(b *state.Budget) error { b.Used = 0; return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateBudget with a failing fn = %v; want its error", err)
	}
	if got, _ := s.Budget(streamA); got.Used != 1+workers*each {
		t.Errorf("a failed UpdateBudget stored Used %d", got.Used)
	}
	if _, err := s.UpdateBudget(streamB, func(*state.Budget) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateBudget with a failing fn on a new stream = %v", err)
	}
	if got, _ := s.Budget(streamB); got.Remaining != -1 || got.Used != 0 {
		t.Errorf("a failed UpdateBudget on a new stream left %+v", got)
	}
}

func owners(in []state.Instance) []string {
	var out []string
	for _, i := range in {
		out = append(out, i.Owner)
	}
	return out
}

// Heartbeats list the live instances, sorted; a lapsed or departed one
// is gone.
func testHeartbeat(t *testing.T, s state.Store) {
	in, err := s.Heartbeat("host-b/2", time.Hour)
	must(t, err)
	if !cmp.Equal(owners(in), []string{"host-b/2"}) || !in[0].Expires.After(in[0].Started) {
		t.Fatalf("first heartbeat = %+v; want host-b/2 alone, expiring after it started", in)
	}
	started := in[0].Started
	_, err = s.Heartbeat("host-a/1", time.Hour)
	must(t, err)
	_, err = s.Heartbeat("host-c/3", time.Millisecond)
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	in, err = s.Heartbeat("host-b/2", time.Hour)
	must(t, err)
	if !cmp.Equal(owners(in), []string{"host-a/1", "host-b/2"}) {
		t.Errorf("heartbeat = %v; want host-a/1 and host-b/2 (host-c/3 lapsed)", owners(in))
	}
	if !in[1].Started.Equal(started) {
		t.Errorf("a renewed heartbeat moved Started from %s to %s", started, in[1].Started)
	}
	must(t, s.Leave("host-a/1"))
	in, err = s.Heartbeat("host-b/2", time.Hour)
	must(t, err)
	if !cmp.Equal(owners(in), []string{"host-b/2"}) {
		t.Errorf("after host-a/1 left: %v; want host-b/2 alone", owners(in))
	}
	if _, err := s.Heartbeat("", time.Hour); err == nil {
		t.Error("a heartbeat without an owner was accepted")
	}
}

// Leases lists held leases (live or lapsed) and not released ones.
func testLeases(t *testing.T, s state.Store) {
	ids := []record.StreamID{streamA, streamB, {Source: "acme-fp", Stream: "web"}}
	gA := mustAcquire(t, s, ids[0], "host-1", time.Hour).Generation
	mustAcquire(t, s, ids[1], "host-2", time.Millisecond)
	mustAcquire(t, s, ids[2], "host-1", time.Hour)
	must(t, s.Release(ids[2], "host-1"))
	time.Sleep(5 * time.Millisecond)
	got, err := s.Leases()
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("Leases = %+v; want the two held ones", got)
	}
	if l := got[ids[0]]; l.Owner != "host-1" || !l.Live || l.Generation != gA {
		t.Errorf("Leases[%s] = %+v; want host-1's live lease of generation %d", ids[0], l, gA)
	}
	if l := got[ids[1]]; l.Owner != "host-2" || l.Live {
		t.Errorf("Leases[%s] = %+v; want host-2's lapsed lease", ids[1], l)
	}
	entries, err := s.List()
	must(t, err)
	for _, e := range entries {
		if e.ID == ids[0] && e.LeaseGeneration != gA {
			t.Errorf("List: %s LeaseGeneration %d; want %d", e.ID, e.LeaseGeneration, gA)
		}
	}
}
