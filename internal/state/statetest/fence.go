package statetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// Fencing: every tenure of a stream's lease has a generation, and a Commit
// that carries one lands only while that generation's lease is current and
// live. These cases use real time (leases of a millisecond): the stores
// judge expiry by their own clock.

func mustAcquire(t *testing.T, s state.Store, id record.StreamID, owner string, ttl time.Duration) state.Lease {
	t.Helper()
	l, err := s.Acquire(id, owner, ttl)
	if err != nil {
		t.Fatalf("Acquire(%s, %s): %v", id, owner, err)
	}
	if l.Owner != owner || l.Generation == 0 || !l.Live || l.Expires.IsZero() {
		t.Fatalf("Acquire(%s, %s) = %+v; want a live lease of owner %s with a generation and an expiry", id, owner, l, owner)
	}
	return l
}

func mustLease(t *testing.T, s state.Store, id record.StreamID) state.Lease {
	t.Helper()
	l, err := s.Lease(id)
	if err != nil {
		t.Fatalf("Lease(%s): %v", id, err)
	}
	return l
}

// wantLease checks the stream's lease as read now (Expires is not compared).
func wantLease(t *testing.T, s state.Store, id record.StreamID, owner string, generation uint64, live bool) {
	t.Helper()
	l := mustLease(t, s, id)
	if l.Owner != owner || l.Generation != generation || l.Live != live || (owner == "") != l.Expires.IsZero() {
		t.Errorf("Lease(%s) = %+v; want owner %q generation %d live %v (an expiry when held)", id, l, owner, generation, live)
	}
}

func wantFenced(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, state.ErrFenced) {
		t.Errorf("%s = %v; want ErrFenced", what, err)
	}
}

// withGen is c carrying generation g.
func withGen(c state.Checkpoint, g uint64) state.Checkpoint {
	c.Generation = g
	return c
}

// Generations grow with each new owner, each new tenure of the same owner
// (after a release), and stay on renewal; streams count their own.
func testFenceGeneration(t *testing.T, s state.Store) {
	if l := mustLease(t, s, streamA); l != (state.Lease{}) {
		t.Errorf("Lease of a stream never leased = %+v; want the zero lease", l)
	}
	a := mustAcquire(t, s, streamA, "a", time.Hour)
	if got := mustLease(t, s, streamA); got.Owner != "a" || got.Generation != a.Generation || !got.Live || !got.Expires.Equal(a.Expires) {
		t.Errorf("Lease = %+v; want what Acquire returned, %+v", got, a)
	}
	renewed := mustAcquire(t, s, streamA, "a", time.Hour)
	if renewed.Generation != a.Generation || renewed.Expires.Before(a.Expires) {
		t.Errorf("renewal = %+v; want generation %d kept and the expiry not earlier than %v", renewed, a.Generation, a.Expires)
	}
	if l, err := s.Acquire(streamA, "b", time.Hour); !errors.Is(err, state.ErrLeased) || l != (state.Lease{}) {
		t.Fatalf("Acquire by another owner = %+v, %v; want ErrLeased and no lease", l, err)
	}
	wantLease(t, s, streamA, "a", a.Generation, true)
	if err := mustLease(t, s, streamA).Check(a.Generation); err != nil {
		t.Errorf("Check of the live generation: %v", err)
	}

	must(t, s.Release(streamA, "a"))
	wantLease(t, s, streamA, "", a.Generation, false) // released: the generation stays
	wantFenced(t, mustLease(t, s, streamA).Check(a.Generation), "Check of a released generation")
	if entries, err := s.List(); err != nil || len(entries) != 0 {
		t.Errorf("List with only a released lease = %+v, %v; want nothing listed", entries, err)
	}

	b := mustAcquire(t, s, streamA, "b", time.Hour)
	if b.Generation <= a.Generation {
		t.Errorf("new owner's generation %d, want more than %d", b.Generation, a.Generation)
	}
	if again := mustAcquire(t, s, streamA, "b", time.Hour); again.Generation != b.Generation {
		t.Errorf("renewal by b: generation %d, want %d", again.Generation, b.Generation)
	}
	must(t, s.Release(streamA, "b"))
	b2 := mustAcquire(t, s, streamA, "b", time.Hour) // a new tenure of the same owner
	if b2.Generation <= b.Generation {
		t.Errorf("after releasing, b's next tenure has generation %d, want more than %d", b2.Generation, b.Generation)
	}
	wantFenced(t, mustLease(t, s, streamA).Check(a.Generation), "Check of an old generation")
	if err := mustLease(t, s, streamA).Check(0); err != nil {
		t.Errorf("Check(0) (no fencing) = %v", err)
	}

	// Another stream has its own generations, and leaves this one alone.
	other := mustAcquire(t, s, streamB, "b", time.Hour)
	must(t, s.Release(streamB, "b"))
	if again := mustAcquire(t, s, streamB, "a", time.Hour); again.Generation <= other.Generation {
		t.Errorf("%s: generation %d after %d", streamB, again.Generation, other.Generation)
	}
	wantLease(t, s, streamA, "b", b2.Generation, true)
}

// A lease that expires ends its tenure: whoever takes it next, its old
// owner included, starts a new generation.
func testFenceGenerationAfterExpiry(t *testing.T, s state.Store) {
	g1 := mustAcquire(t, s, streamA, "a", time.Millisecond).Generation
	time.Sleep(5 * time.Millisecond)
	wantLease(t, s, streamA, "a", g1, false)
	wantFenced(t, mustLease(t, s, streamA).Check(g1), "Check of an expired lease")

	g2 := mustAcquire(t, s, streamA, "a", time.Millisecond).Generation
	if g2 <= g1 {
		t.Errorf("the same owner after its lease expired: generation %d, want more than %d", g2, g1)
	}
	time.Sleep(5 * time.Millisecond)
	g3 := mustAcquire(t, s, streamA, "b", time.Hour).Generation
	if g3 <= g2 {
		t.Errorf("a new owner after the lease expired: generation %d, want more than %d", g3, g2)
	}
	wantLease(t, s, streamA, "b", g3, true)
}

// seenState is what a fenced commit must leave as it was.
type seenState struct {
	cp    state.Checkpoint
	ok    bool
	marks int
}

func snapshot(t *testing.T, s state.Store, id record.StreamID) seenState {
	t.Helper()
	c, ok, err := s.Checkpoint(id)
	must(t, err)
	return seenState{cp: c, ok: ok, marks: seenMarks(t, s, id)}
}

func wantUnchanged(t *testing.T, s state.Store, id record.StreamID, before seenState, what string) {
	t.Helper()
	if diff := cmp.Diff(before, snapshot(t, s, id), cmp.AllowUnexported(seenState{})); diff != "" {
		t.Errorf("%s changed the stream's state (-before +after):\n%s", what, diff)
	}
}

// A commit with a generation that is not the current one fails with
// ErrFenced and changes nothing: not the checkpoint, not the marks, no
// pruning. The current generation commits; 0 commits unfenced.
func testFenceStaleCommit(t *testing.T, s state.Store) {
	old := []state.SeenID{mark(hour0, "old-1"), mark(hour0.Add(time.Hour), "old-2")}
	g1 := mustAcquire(t, s, streamA, "a", time.Hour).Generation
	first := cp(1)
	first.Seen = old
	must(t, s.Commit(streamA, withGen(first, g1)))
	if got := mustCheckpoint(t, s, streamA); got.Generation != 0 {
		t.Errorf("Checkpoint returned Generation %d; it is not stored", got.Generation)
	}

	must(t, s.Release(streamA, "a"))
	g2 := mustAcquire(t, s, streamA, "b", time.Hour).Generation
	before := snapshot(t, s, streamA)
	fresh := []state.SeenID{mark(hour0.Add(2*time.Hour), "new-1"), mark(hour0, "new-0")}
	stale := cp(2)
	stale.Seen = fresh
	stale.PruneSeenBefore = hour0.Add(2 * time.Hour) // would drop both old marks
	for _, g := range []uint64{g1, g2 + 1, g2 + 1000} {
		wantFenced(t, s.Commit(streamA, withGen(stale, g)), fmt.Sprintf("Commit with generation %d (current %d)", g, g2))
		wantUnchanged(t, s, streamA, before, fmt.Sprintf("a fenced commit (generation %d)", g))
	}
	wantSeen(t, s, streamA, old, true)
	wantSeen(t, s, streamA, fresh, false)
	wantLease(t, s, streamA, "b", g2, true) // a fenced commit leaves the lease alone too

	// The holder's generation commits, and 0 is not fenced.
	must(t, s.Commit(streamA, withGen(stale, g2)))
	stale.Seen, stale.PruneSeenBefore = nil, time.Time{}
	if diff := cmp.Diff(stale, mustCheckpoint(t, s, streamA)); diff != "" {
		t.Errorf("checkpoint after the holder's commit (-want +got):\n%s", diff)
	}
	wantSeen(t, s, streamA, old, false)
	wantSeen(t, s, streamA, fresh[:1], true)
	must(t, s.Commit(streamA, cp(3)))
	if got := mustCheckpoint(t, s, streamA).Records; got != 3 {
		t.Errorf("unfenced commit: Records %d, want 3", got)
	}

	// A stream never leased fences every generation.
	wantFenced(t, s.Commit(streamB, withGen(cp(1), 1)), "Commit with a generation to a stream never leased")
	if _, ok, err := s.Checkpoint(streamB); ok || err != nil {
		t.Errorf("a fenced commit made a checkpoint (ok %v, err %v)", ok, err)
	}
}

// An expired lease fences its generation even when nobody took the stream
// over; its owner's next Acquire is a new tenure, and the old generation
// stays fenced.
func testFenceExpiredCommit(t *testing.T, s state.Store) {
	must(t, s.Commit(streamA, cp(1)))
	g1 := mustAcquire(t, s, streamA, "a", time.Millisecond).Generation
	time.Sleep(5 * time.Millisecond)
	before := snapshot(t, s, streamA)
	late := cp(2)
	late.Seen = []state.SeenID{mark(hour0, "late")}
	wantFenced(t, s.Commit(streamA, withGen(late, g1)), "Commit after the lease expired")
	wantUnchanged(t, s, streamA, before, "a commit after the lease expired")

	g2 := mustAcquire(t, s, streamA, "a", time.Hour).Generation
	if g2 <= g1 {
		t.Fatalf("re-acquired after expiry: generation %d, want more than %d", g2, g1)
	}
	wantFenced(t, s.Commit(streamA, withGen(late, g1)), "Commit with the expired tenure's generation")
	wantUnchanged(t, s, streamA, before, "a commit of the expired tenure")
	must(t, s.Commit(streamA, withGen(late, g2)))
	wantSeen(t, s, streamA, late.Seen, true)
}

// Release by anyone but the holder changes nothing: the holder still holds
// the lease, with its generation, and still commits. The holder's Release
// fences its generation.
func testFenceReleaseByNonOwner(t *testing.T, s state.Store) {
	g := mustAcquire(t, s, streamA, "a", time.Hour).Generation
	must(t, s.Release(streamA, "b"))
	must(t, s.Release(streamA, ""))
	wantLease(t, s, streamA, "a", g, true)
	must(t, s.Commit(streamA, withGen(cp(1), g)))

	must(t, s.Release(streamA, "a"))
	wantLease(t, s, streamA, "", g, false)
	wantFenced(t, s.Commit(streamA, withGen(cp(2), g)), "Commit after the holder released its lease")
	if got := mustCheckpoint(t, s, streamA).Records; got != 1 {
		t.Errorf("Records %d after a fenced commit, want 1", got)
	}
	must(t, s.Release(streamA, "a")) // again: nothing to do, not an error
}

// Reset drops the lease but never lowers its generation: the old holder's
// commits are fenced, and the next tenure (even the same owner's) is newer.
func testFenceReset(t *testing.T, s state.Store) {
	g1 := mustAcquire(t, s, streamA, "a", time.Hour).Generation
	must(t, s.Commit(streamA, withGen(cp(1), g1)))
	must(t, s.Reset(streamA))
	l := mustLease(t, s, streamA)
	if l.Owner != "" || l.Live || l.Generation < g1 {
		t.Errorf("Lease after Reset = %+v; want no holder and generation at least %d", l, g1)
	}
	wantFenced(t, s.Commit(streamA, withGen(cp(2), g1)), "Commit of the generation Reset dropped")
	if _, ok, err := s.Checkpoint(streamA); ok || err != nil {
		t.Errorf("Checkpoint after Reset and a fenced commit: ok %v, err %v; want none", ok, err)
	}
	if entries, err := s.List(); err != nil || len(entries) != 0 {
		t.Errorf("List after Reset = %+v, %v; want nothing listed", entries, err)
	}
	g2 := mustAcquire(t, s, streamA, "a", time.Hour).Generation
	if g2 <= l.Generation || g2 <= g1 {
		t.Errorf("after Reset: generation %d, want more than %d", g2, max(g1, l.Generation))
	}
	must(t, s.Reset(streamA))
	must(t, s.Reset(streamA)) // no lease held: still monotonic
	if g3 := mustAcquire(t, s, streamA, "b", time.Hour).Generation; g3 <= g2 {
		t.Errorf("after a second Reset: generation %d, want more than %d", g3, g2)
	}
}

// Owners racing to take an expired lease: one wins, with one new
// generation; the old holder's commits, racing too, are all fenced.
func testFenceConcurrentTakeover(t *testing.T, s state.Store) {
	g1 := mustAcquire(t, s, streamA, "old", time.Millisecond).Generation
	time.Sleep(5 * time.Millisecond)
	const racers = 6
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []state.Lease
		errs []error
	)
	for i := range racers {
		wg.Go(func() {
			l, err := s.Acquire(streamA, fmt.Sprintf("owner-%d", i), time.Hour)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, l)
			case !errors.Is(err, state.ErrLeased):
				errs = append(errs, err)
			}
		})
		wg.Go(func() {
			if err := s.Commit(streamA, withGen(cp(uint64(i+1)), g1)); !errors.Is(err, state.ErrFenced) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("stale commit %d: %v, want ErrFenced", i, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if len(won) != 1 || won[0].Generation != g1+1 {
		t.Fatalf("winners %+v; want exactly one, with generation %d", won, g1+1)
	}
	wantLease(t, s, streamA, won[0].Owner, g1+1, true)
	if _, ok, err := s.Checkpoint(streamA); ok || err != nil {
		t.Errorf("a stale commit landed: ok %v, err %v", ok, err)
	}
}
