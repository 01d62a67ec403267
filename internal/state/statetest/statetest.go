// Package statetest is a conformance suite for state.Store implementations:
// each implementation's tests call Run, so that the in-memory store used by
// tests and the bolt store used in production cannot drift apart.
//
// It covers what every implementation promises through the interface
// alone, fencing by lease generation included (fence.go). Durability
// across reopen, crash safety, read-only opens and clocks are the
// implementations' own tests.
package statetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// Run runs the suite. open must return a new, empty store and close it
// when the test ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) state.Store) {
	for _, tc := range []struct {
		name string
		f    func(*testing.T, state.Store)
	}{
		{"CheckpointRoundTrip", testCheckpointRoundTrip},
		{"CommitReplacesWholeCheckpoint", testCommitReplacesWholeCheckpoint},
		{"Budget", testBudget},
		{"Lease", testLease},
		{"LeaseExpires", testLeaseExpires},
		{"Reset", testReset},
		{"List", testList},
		{"StreamsAreSeparate", testStreamsAreSeparate},
		{"SeenEmpty", testSeenEmpty},
		{"SeenMatchesIDWithinUTCHour", testSeenMatchesIDWithinUTCHour},
		{"SeenAccumulatesAcrossCommits", testSeenAccumulatesAcrossCommits},
		{"SeenCountsEachMarkOnce", testSeenCountsEachMarkOnce},
		{"SeenPruneByHour", testSeenPruneByHour},
		{"SeenPruneInTheCommitThatAdds", testSeenPruneInTheCommitThatAdds},
		{"SeenFailedCommitWritesNothing", testSeenFailedCommitWritesNothing},
		{"SeenLargeBatch", testSeenLargeBatch},
		{"SeenConcurrent", testSeenConcurrent},
		{"FenceGeneration", testFenceGeneration},
		{"FenceGenerationAfterExpiry", testFenceGenerationAfterExpiry},
		{"FenceStaleCommit", testFenceStaleCommit},
		{"FenceExpiredCommit", testFenceExpiredCommit},
		{"FenceReleaseByNonOwner", testFenceReleaseByNonOwner},
		{"FenceReset", testFenceReset},
		{"FenceConcurrentTakeover", testFenceConcurrentTakeover},
		{"UpdateBudget", testUpdateBudget},
		{"Heartbeat", testHeartbeat},
		{"Leases", testLeases},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

var (
	streamA = record.StreamID{Source: "acme-wss", Stream: "accesslog"}
	streamB = record.StreamID{Source: "acme-fp", Stream: "admin"}
	// hour0 is the start of a UTC hour; the seen tests file marks around it.
	hour0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustCheckpoint(t *testing.T, s state.Store, id record.StreamID) state.Checkpoint {
	t.Helper()
	c, ok, err := s.Checkpoint(id)
	if err != nil || !ok {
		t.Fatalf("Checkpoint(%s) = ok %v, err %v; want a checkpoint", id, ok, err)
	}
	return c
}

// cp is a checkpoint whose every field says n (Updated set, since only some
// stores stamp a zero one).
func cp(n uint64) state.Checkpoint {
	v := []byte(fmt.Sprint(n))
	return state.Checkpoint{
		Cursor: v, Sinks: map[string][]byte{"file": v}, Records: n,
		EventTime: hour0.Add(time.Duration(n) * time.Second),
		Updated:   hour0.Add(time.Duration(n) * time.Minute),
	}
}

func mark(at time.Time, id string) state.SeenID { return state.SeenID{Time: at, ID: id} }

// wantSeen checks Seen(keys) against want, key by key.
func wantSeen(t *testing.T, s state.Store, id record.StreamID, keys []state.SeenID, want bool) {
	t.Helper()
	got, err := s.Seen(id, keys)
	if err != nil {
		t.Fatalf("Seen(%s): %v", id, err)
	}
	if len(got) != len(keys) {
		t.Fatalf("Seen(%s) answered %d keys for %d", id, len(got), len(keys))
	}
	bad := 0
	for i, g := range got {
		if g != want {
			if bad++; bad <= 5 {
				t.Errorf("Seen(%s, {%s %q}) = %v, want %v", id, keys[i].Time.Format(time.RFC3339Nano), keys[i].ID, g, want)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... and %d more keys wrong", bad-5)
	}
}

// seenMarks is the stream's SeenMarks in List (0 when it is not listed).
func seenMarks(t *testing.T, s state.Store, id record.StreamID) int {
	t.Helper()
	entries, err := s.List()
	must(t, err)
	for _, e := range entries {
		if e.ID == id {
			return e.SeenMarks
		}
	}
	return 0
}

func testCheckpointRoundTrip(t *testing.T, s state.Store) {
	if _, ok, err := s.Checkpoint(streamA); ok || err != nil {
		t.Fatalf("Checkpoint on empty store = ok %v, err %v; want none", ok, err)
	}
	want := state.Checkpoint{
		Cursor:    []byte("tok-42\x00\xff"),
		Sinks:     map[string][]byte{"file": []byte("off=1234"), "hec": {0, 1, 2}},
		EventTime: time.Date(2025, 2, 28, 23, 59, 59, 123456789, time.UTC),
		Records:   42,
		Updated:   time.Date(2025, 3, 1, 0, 0, 1, 0, time.UTC),
	}
	in := want
	in.Seen = []state.SeenID{mark(hour0, "x")}
	in.PruneSeenBefore = hour0.Add(-time.Hour)
	must(t, s.Commit(streamA, in))
	// Seen and PruneSeenBefore act on the marks; they are not stored.
	if diff := cmp.Diff(want, mustCheckpoint(t, s, streamA)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A commit replaces the whole checkpoint: a sink absent from the new one
// must not linger from the old one.
func testCommitReplacesWholeCheckpoint(t *testing.T, s state.Store) {
	first := cp(1)
	first.Sinks["hec"] = []byte("1")
	second := cp(2)
	must(t, s.Commit(streamA, first))
	must(t, s.Commit(streamA, second))
	if diff := cmp.Diff(second, mustCheckpoint(t, s, streamA)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func testBudget(t *testing.T, s state.Store) {
	got, err := s.Budget(streamA)
	must(t, err)
	if diff := cmp.Diff(state.Budget{Remaining: -1}, got); diff != "" {
		t.Errorf("budget of unknown stream (-want +got):\n%s", diff)
	}
	want := state.Budget{
		Day: "2025-03-01", Used: 17, Limit: 100, Remaining: 83,
		BlockedUntil: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), Reason: "429 Retry-After",
	}
	must(t, s.SetBudget(streamA, want))
	got, err = s.Budget(streamA)
	must(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, ok, err := s.Checkpoint(streamA); ok || err != nil {
		t.Errorf("SetBudget made a checkpoint (ok %v, err %v)", ok, err)
	}
}

func testLease(t *testing.T, s state.Store) {
	acquire := func(owner string, wantLeased bool) {
		t.Helper()
		_, err := s.Acquire(streamA, owner, time.Hour)
		if got := errors.Is(err, state.ErrLeased); got != wantLeased || (err != nil && !got) {
			t.Fatalf("Acquire(%s) = %v; want leased=%v", owner, err, wantLeased)
		}
	}
	acquire("a", false)
	acquire("a", false) // renew
	acquire("b", true)
	if _, err := s.Acquire(streamB, "b", time.Hour); err != nil {
		t.Fatalf("lease of another stream: %v", err)
	}
	must(t, s.Release(streamA, "b")) // not b's: changes nothing
	acquire("b", true)
	must(t, s.Release(streamA, "a"))
	acquire("b", false)
	acquire("a", true)
}

func testLeaseExpires(t *testing.T, s state.Store) {
	mustAcquire(t, s, streamA, "a", time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if _, err := s.Acquire(streamA, "b", time.Hour); err != nil {
		t.Fatalf("Acquire after the lease expired: %v", err)
	}
}

func testReset(t *testing.T, s state.Store) {
	budget := state.Budget{Day: "2025-03-01", Used: 5, Remaining: 95}
	marks := []state.SeenID{mark(hour0, "1"), mark(hour0.Add(time.Hour), "2")}
	c := cp(9)
	c.Seen = marks
	must(t, s.Commit(streamA, c))
	must(t, s.SetBudget(streamA, budget))
	mustAcquire(t, s, streamA, "old", time.Hour)
	must(t, s.Commit(streamB, c)) // another stream keeps everything
	must(t, s.Reset(streamA))

	if _, ok, err := s.Checkpoint(streamA); ok || err != nil {
		t.Errorf("Checkpoint after Reset = ok %v, err %v; want none", ok, err)
	}
	if got, err := s.Budget(streamA); err != nil || got != budget {
		t.Errorf("Budget after Reset = %+v, %v; want %+v", got, err, budget)
	}
	if _, err := s.Acquire(streamA, "new", time.Hour); err != nil {
		t.Errorf("Acquire after Reset: %v; want the old lease gone", err)
	}
	wantSeen(t, s, streamA, marks, false)
	if n := seenMarks(t, s, streamA); n != 0 {
		t.Errorf("SeenMarks after Reset = %d, want 0", n)
	}
	wantSeen(t, s, streamB, marks, true)
	must(t, s.Reset(streamA)) // nothing left to reset: not an error

	// The stream starts afresh: new marks are kept again.
	c = cp(1)
	c.Seen = marks[:1]
	must(t, s.Commit(streamA, c))
	wantSeen(t, s, streamA, marks[:1], true)
	wantSeen(t, s, streamA, marks[1:], false)
}

func testList(t *testing.T, s state.Store) {
	if got, err := s.List(); err != nil || len(got) != 0 {
		t.Fatalf("List of empty store = %v, %v", got, err)
	}
	c := cp(3)
	withMarks := c
	withMarks.Seen = []state.SeenID{mark(hour0, "1"), mark(hour0, "2"), mark(hour0.Add(time.Hour), "1")}
	budget := state.Budget{Day: "2025-03-01", Remaining: 7}
	ids := map[string]record.StreamID{
		"b/x": {Source: "b", Stream: "x"}, "a/z": {Source: "a", Stream: "z"},
		"a/y": {Source: "a", Stream: "y"}, "a/b/c": {Source: "a/b", Stream: "c"},
	}
	must(t, s.Commit(ids["b/x"], c))
	must(t, s.SetBudget(ids["a/z"], budget))
	mustAcquire(t, s, ids["a/y"], "host-1", time.Hour)
	must(t, s.Commit(ids["a/b/c"], withMarks))
	must(t, s.SetBudget(ids["a/b/c"], budget))

	got, err := s.List()
	must(t, err)
	if len(got) != 4 || got[0].ID != ids["a/y"] || got[0].LeaseOwner != "host-1" || got[0].LeaseUntil.IsZero() {
		t.Fatalf("List = %+v; want a/y with its lease first", got)
	}
	got[0].LeaseUntil = time.Time{} // set by the store's clock
	want := []state.Entry{
		{ID: ids["a/y"], LeaseOwner: "host-1", LeaseGeneration: 1},
		{ID: ids["a/z"], Budget: &budget},
		{ID: ids["a/b/c"], Checkpoint: &c, Budget: &budget, SeenMarks: 3},
		{ID: ids["b/x"], Checkpoint: &c},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

// Names that contain "/" must not collide, in checkpoints or in marks.
func testStreamsAreSeparate(t *testing.T, s state.Store) {
	left := record.StreamID{Source: "a/b", Stream: "c"}
	right := record.StreamID{Source: "a", Stream: "b/c"}
	l, r := cp(1), cp(2)
	l.Seen = []state.SeenID{mark(hour0, "left")}
	r.Seen = []state.SeenID{mark(hour0, "right")}
	must(t, s.Commit(left, l))
	must(t, s.Commit(right, r))
	if got := mustCheckpoint(t, s, left).Records; got != 1 {
		t.Errorf("%#v Records = %d, want 1", left, got)
	}
	if got := mustCheckpoint(t, s, right).Records; got != 2 {
		t.Errorf("%#v Records = %d, want 2", right, got)
	}
	wantSeen(t, s, left, l.Seen, true)
	wantSeen(t, s, left, r.Seen, false)
	wantSeen(t, s, right, r.Seen, true)
	wantSeen(t, s, right, l.Seen, false)
	wantSeen(t, s, streamA, append(l.Seen, r.Seen...), false)
}

func testSeenEmpty(t *testing.T, s state.Store) {
	got, err := s.Seen(streamA, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Seen(nil) = %v, %v; want no answers", got, err)
	}
	wantSeen(t, s, streamA, []state.SeenID{mark(hour0, "1"), mark(time.Time{}, "")}, false)
	must(t, s.Commit(streamA, cp(1))) // a checkpoint without marks
	wantSeen(t, s, streamA, []state.SeenID{mark(hour0, "1")}, false)
}

func testSeenMatchesIDWithinUTCHour(t *testing.T, s state.Store) {
	// 10:15 UTC, stated in a zone half an hour off UTC: its UTC hour is
	// 10:00-11:00, though its local hour is 15:00-16:00 (15:45 local).
	ist := time.FixedZone("IST", 5*3600+30*60)
	at := hour0.Add(15 * time.Minute).In(ist)
	ids := []string{"abc", "", "ab", "abcd", "\x00\xff binary", "0123456789abcdef0123456789abcdef"}
	var marks []state.SeenID
	for _, id := range ids[:len(ids)-1] {
		marks = append(marks, mark(at, id))
	}
	c := cp(1)
	c.Seen = marks
	must(t, s.Commit(streamA, c))

	var same, other []state.SeenID
	for _, id := range ids[:len(ids)-1] {
		same = append(same,
			mark(hour0, id), // start of the hour
			mark(hour0.Add(time.Hour-time.Nanosecond), id), // its last instant
			mark(hour0.Add(time.Hour-time.Nanosecond).In(ist), id),
			mark(at, id))
		other = append(other,
			mark(hour0.Add(-time.Nanosecond), id), // the hour before
			mark(hour0.Add(time.Hour), id),        // the hour after
			mark(hour0.Add(24*time.Hour), id),     // the next day
		)
	}
	// The UTC hour 10:00-11:00 is 15:30-16:30 in IST. Filing by the local
	// hour (15:00-16:00) would get the 16:10 key and the 15:20 key wrong.
	same = append(same,
		mark(time.Date(2025, 3, 1, 15, 59, 0, 0, ist), "abc"), // 10:29 UTC
		mark(time.Date(2025, 3, 1, 16, 10, 0, 0, ist), "abc"), // 10:40 UTC
	)
	other = append(other,
		mark(time.Date(2025, 3, 1, 15, 20, 0, 0, ist), "abc"), // 09:50 UTC
		mark(time.Date(2025, 3, 1, 16, 30, 0, 0, ist), "abc"), // 11:00 UTC
		mark(at, ids[len(ids)-1]),                             // never marked
		mark(at, "ABC"), mark(at, "abc "), mark(at, "bc"),
		mark(time.Time{}, "abc"), // before 1970: never seen
	)
	wantSeen(t, s, streamA, same, true)
	wantSeen(t, s, streamA, other, false)

	// Answers keep the order of the keys.
	got, err := s.Seen(streamA, []state.SeenID{mark(at, "nope"), mark(at, "abc"), mark(at, "nope2"), mark(at, "ab")})
	must(t, err)
	if diff := cmp.Diff([]bool{false, true, false, true}, got); diff != "" {
		t.Errorf("Seen order (-want +got):\n%s", diff)
	}
}

func testSeenAccumulatesAcrossCommits(t *testing.T, s state.Store) {
	first := []state.SeenID{mark(hour0, "1"), mark(hour0, "2")}
	second := []state.SeenID{mark(hour0, "3"), mark(hour0.Add(time.Hour), "1")}
	c := cp(1)
	c.Seen = first
	must(t, s.Commit(streamA, c))
	c = cp(2)
	c.Seen = second
	must(t, s.Commit(streamA, c))
	must(t, s.Commit(streamA, cp(3))) // no marks, no pruning: keeps them all
	wantSeen(t, s, streamA, append(first, second...), true)
	if n := seenMarks(t, s, streamA); n != 4 {
		t.Errorf("SeenMarks = %d, want 4", n)
	}
}

func testSeenCountsEachMarkOnce(t *testing.T, s state.Store) {
	c := cp(1)
	c.Seen = []state.SeenID{
		mark(hour0, "1"), mark(hour0.Add(time.Minute), "1"), // same hour and id
		mark(hour0.Add(time.Hour), "1"), // another hour
		mark(hour0, "2"),
	}
	must(t, s.Commit(streamA, c))
	c = cp(2)
	c.Seen = []state.SeenID{mark(hour0.Add(59*time.Minute), "2")}
	must(t, s.Commit(streamA, c))
	if n := seenMarks(t, s, streamA); n != 3 {
		t.Errorf("SeenMarks = %d, want 3", n)
	}
}

func testSeenPruneByHour(t *testing.T, s state.Store) {
	byHour := make([][]state.SeenID, 4) // marks of hour0 + i hours
	var all []state.SeenID
	for h := range byHour {
		start := hour0.Add(time.Duration(h) * time.Hour)
		for i, off := range []time.Duration{0, 30 * time.Minute, time.Hour - time.Nanosecond} {
			byHour[h] = append(byHour[h], mark(start.Add(off), fmt.Sprintf("h%d-%d", h, i)))
		}
		all = append(all, byHour[h]...)
	}
	c := cp(1)
	c.Seen = all
	must(t, s.Commit(streamA, c))

	prune := func(n uint64, before time.Time) {
		t.Helper()
		c := cp(n)
		c.PruneSeenBefore = before
		must(t, s.Commit(streamA, c))
	}
	prune(2, time.Time{}) // zero: keep all
	prune(3, time.Unix(-3600, 0))
	prune(4, hour0.Add(-time.Nanosecond))
	wantSeen(t, s, streamA, all, true)

	// A cutoff inside hour 1 drops hour 0 only: hour 1's early marks are
	// older than the cutoff but share its hour.
	prune(5, hour0.Add(time.Hour+45*time.Minute))
	wantSeen(t, s, streamA, byHour[0], false)
	wantSeen(t, s, streamA, all[len(byHour[0]):], true)
	if n := seenMarks(t, s, streamA); n != 9 {
		t.Errorf("SeenMarks after pruning hour 0 = %d, want 9", n)
	}
	// A cutoff at the start of hour 3 drops hours 1 and 2.
	prune(6, hour0.Add(3*time.Hour))
	wantSeen(t, s, streamA, all[:9], false)
	wantSeen(t, s, streamA, byHour[3], true)
	// Pruning another stream leaves this one alone.
	other := cp(1)
	other.PruneSeenBefore = hour0.Add(100 * time.Hour)
	must(t, s.Commit(streamB, other))
	wantSeen(t, s, streamA, byHour[3], true)
	// Pruning everything.
	prune(7, hour0.Add(100*time.Hour))
	wantSeen(t, s, streamA, all, false)
	if n := seenMarks(t, s, streamA); n != 0 {
		t.Errorf("SeenMarks after pruning all = %d, want 0", n)
	}
}

// Marks are added, then pruned, in one commit: marks of the batch older than
// the cutoff go at once. Enough marks to span many pages of a B-tree, put
// in the same transaction that deletes them.
func testSeenPruneInTheCommitThatAdds(t *testing.T, s state.Store) {
	const perHour = 3000
	byHour := make([][]state.SeenID, 4)
	for h := range byHour {
		for i := range perHour {
			at := hour0.Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Second)
			byHour[h] = append(byHour[h], mark(at, fmt.Sprintf("%08x-%d", i*2654435761%(1<<32), h)))
		}
	}
	c := cp(1)
	c.Seen = append(append([]state.SeenID{}, byHour[0]...), byHour[1]...)
	must(t, s.Commit(streamA, c))
	// Now: add to hours 0 to 3, prune hours 0 and 1, in one commit.
	c = cp(2)
	c.Seen = append(append(append([]state.SeenID{}, byHour[3]...), byHour[2]...), byHour[1][:10]...)
	c.Seen = append(c.Seen, mark(hour0.Add(time.Minute), "late-in-hour-0"))
	c.PruneSeenBefore = hour0.Add(2 * time.Hour)
	must(t, s.Commit(streamA, c))
	wantSeen(t, s, streamA, append(byHour[0], byHour[1]...), false)
	wantSeen(t, s, streamA, []state.SeenID{mark(hour0.Add(time.Minute), "late-in-hour-0")}, false)
	wantSeen(t, s, streamA, append(byHour[2], byHour[3]...), true)
	if n := seenMarks(t, s, streamA); n != 2*perHour {
		t.Errorf("SeenMarks = %d, want %d", n, 2*perHour)
	}
}

// A commit that cannot store one of its marks stores nothing: not the
// checkpoint, not the other marks, and prunes nothing.
func testSeenFailedCommitWritesNothing(t *testing.T, s state.Store) {
	before := cp(1)
	before.Seen = []state.SeenID{mark(hour0, "kept")}
	must(t, s.Commit(streamA, before))
	bad := cp(2)
	bad.Seen = []state.SeenID{mark(hour0, "a"), mark(time.Time{}, "zero-time"), mark(hour0, "z")}
	bad.PruneSeenBefore = hour0.Add(time.Hour)
	if err := s.Commit(streamA, bad); err == nil {
		t.Fatal("Commit of a mark before 1970 succeeded; want an error")
	}
	got := mustCheckpoint(t, s, streamA)
	before.Seen = nil
	if diff := cmp.Diff(before, got); diff != "" {
		t.Errorf("checkpoint after a failed commit (-want +got):\n%s", diff)
	}
	wantSeen(t, s, streamA, []state.SeenID{mark(hour0, "a"), mark(hour0, "z"), mark(time.Time{}, "zero-time")}, false)
	wantSeen(t, s, streamA, []state.SeenID{mark(hour0, "kept")}, true)
	if n := seenMarks(t, s, streamA); n != 1 {
		t.Errorf("SeenMarks = %d, want 1", n)
	}
}

// SeenBatch returns n distinct marks spread over one hour from start, with
// ids shaped like a vendor's (hex digits of a hash).
func SeenBatch(start time.Time, n int, salt string) []state.SeenID {
	marks := make([]state.SeenID, n)
	for i := range marks {
		h := uint64(i+1) * 0x9e3779b97f4a7c15
		marks[i] = state.SeenID{
			Time: start.Add(time.Duration(i) * time.Hour / time.Duration(n)),
			ID:   fmt.Sprintf("%016x%s%06d", h, salt, i),
		}
	}
	return marks
}

func testSeenLargeBatch(t *testing.T, s state.Store) {
	const n = 10_000
	marks := SeenBatch(hour0, n, "a")
	c := cp(1)
	c.Seen = slices.Clone(marks)
	must(t, s.Commit(streamA, c))
	if !slices.Equal(c.Seen, marks) {
		t.Error("Commit changed the caller's Seen slice")
	}
	wantSeen(t, s, streamA, marks, true)
	wantSeen(t, s, streamA, SeenBatch(hour0, n, "b"), false)
	if got := seenMarks(t, s, streamA); got != n {
		t.Errorf("SeenMarks = %d, want %d", got, n)
	}
}

// Commits with marks and Seen queries from many goroutines: the race
// detector checks the store's bookkeeping, the final reads that nothing was
// lost or leaked between streams.
func testSeenConcurrent(t *testing.T, s state.Store) {
	const streams, commits, perCommit = 6, 10, 50
	var wg sync.WaitGroup
	for i := range streams {
		id := record.StreamID{Source: "src", Stream: fmt.Sprint(i)}
		wg.Go(func() {
			for n := range commits {
				c := cp(uint64(n + 1))
				c.Seen = SeenBatch(hour0.Add(time.Duration(n)*time.Hour), perCommit, id.Stream)
				c.PruneSeenBefore = hour0.Add(time.Duration(n-2) * time.Hour)
				if err := s.Commit(id, c); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Seen(id, c.Seen); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	entries, err := s.List()
	must(t, err)
	if len(entries) != streams {
		t.Fatalf("List has %d entries, want %d", len(entries), streams)
	}
	for i, e := range entries {
		if e.Checkpoint == nil || e.Checkpoint.Records != commits || e.SeenMarks != 3*perCommit {
			t.Errorf("%s: checkpoint %+v, %d marks; want Records %d, %d marks", e.ID, e.Checkpoint, e.SeenMarks, commits, 3*perCommit)
		}
		last := SeenBatch(hour0.Add((commits-1)*time.Hour), perCommit, e.ID.Stream)
		wantSeen(t, s, e.ID, last, true)
		other := SeenBatch(hour0.Add((commits-1)*time.Hour), perCommit, fmt.Sprint((i+1)%streams))
		wantSeen(t, s, e.ID, other, false)
	}
}
