package bolt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/testutil"
)

func newClock() *testutil.Clock {
	return testutil.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
}

func tempPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data", "state.db")
}

// openT opens path and closes the store when the test ends.
func openT(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func reopen(t *testing.T, s *Store, opts Options) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openT(t, s.path, opts)
}

func mustCheckpoint(t *testing.T, s *Store, id record.StreamID) state.Checkpoint {
	t.Helper()
	c, ok, err := s.Checkpoint(id)
	if err != nil || !ok {
		t.Fatalf("Checkpoint(%s) = ok %v, err %v; want a checkpoint", id, ok, err)
	}
	return c
}

func TestCheckpointRoundTripSurvivesReopen(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	id := record.StreamID{Source: "acme-fp", Stream: "admin"}
	if _, ok, err := s.Checkpoint(id); ok || err != nil {
		t.Fatalf("Checkpoint on empty store = ok %v, err %v; want none", ok, err)
	}
	want := state.Checkpoint{
		Cursor:    []byte("tok-42\x00\xff"),
		Sinks:     map[string][]byte{"file": []byte("off=1234"), "hec": {0, 1, 2}},
		EventTime: time.Date(2025, 2, 28, 23, 59, 59, 123456789, time.UTC),
		Records:   42,
		Updated:   time.Date(2025, 3, 1, 0, 0, 1, 0, time.UTC),
	}
	if err := s.Commit(id, want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, mustCheckpoint(t, s, id)); diff != "" {
		t.Errorf("before reopen (-want +got):\n%s", diff)
	}
	s = reopen(t, s, Options{})
	if diff := cmp.Diff(want, mustCheckpoint(t, s, id)); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
}

// A commit replaces the whole checkpoint: a sink absent from the new one
// must not linger from the old one.
func TestCommitReplacesWholeCheckpoint(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	id := record.StreamID{Source: "s", Stream: "t"}
	first := state.Checkpoint{Cursor: []byte("1"), Sinks: map[string][]byte{"file": []byte("1"), "hec": []byte("1")}, Records: 1}
	second := state.Checkpoint{Cursor: []byte("2"), Sinks: map[string][]byte{"file": []byte("2")}, Records: 2, Updated: time.Unix(2, 0).UTC()}
	for _, c := range []state.Checkpoint{first, second} {
		if err := s.Commit(id, c); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(second, mustCheckpoint(t, s, id)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCommitStampsZeroUpdated(t *testing.T) {
	clock := newClock()
	s := openT(t, tempPath(t), Options{Now: clock.Now})
	id := record.StreamID{Source: "s", Stream: "t"}
	if err := s.Commit(id, state.Checkpoint{Records: 1}); err != nil {
		t.Fatal(err)
	}
	if got := mustCheckpoint(t, s, id).Updated; !got.Equal(clock.Now()) {
		t.Errorf("Updated = %v, want the store clock %v", got, clock.Now())
	}
}

func TestBudgetRoundTripSurvivesReopen(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	id := record.StreamID{Source: "acme-fp", Stream: "access"}
	got, err := s.Budget(id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(state.Budget{Remaining: -1}, got); diff != "" {
		t.Errorf("budget of unknown stream (-want +got):\n%s", diff)
	}
	want := state.Budget{
		Day: "2025-03-01", Used: 17, Limit: 100, Remaining: 83,
		BlockedUntil: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), Reason: "429 Retry-After",
	}
	if err := s.SetBudget(id, want); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, Options{})
	got, err = s.Budget(id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
}

func TestResetKeepsBudgetDropsCheckpointAndLease(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	id := record.StreamID{Source: "acme-fp", Stream: "admin"}
	budget := state.Budget{Day: "2025-03-01", Used: 5, Remaining: 95}
	if err := s.Commit(id, state.Checkpoint{Cursor: []byte("c"), Records: 9}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBudget(id, budget); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(id, "old", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(id); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Checkpoint(id); ok || err != nil {
		t.Errorf("Checkpoint after Reset = ok %v, err %v; want none", ok, err)
	}
	if got, err := s.Budget(id); err != nil || got != budget {
		t.Errorf("Budget after Reset = %+v, %v; want %+v", got, err, budget)
	}
	if _, err := s.Acquire(id, "new", time.Hour); err != nil {
		t.Errorf("Acquire after Reset: %v; want the old lease gone", err)
	}
}

func TestLease(t *testing.T) {
	clock := newClock()
	s := openT(t, tempPath(t), Options{Now: clock.Now})
	id := record.StreamID{Source: "acme-wss", Stream: "accesslog"}
	acquire := func(owner string, wantLeased bool) {
		t.Helper()
		_, err := s.Acquire(id, owner, time.Hour)
		if got := errors.Is(err, state.ErrLeased); got != wantLeased || (err != nil && !got) {
			t.Fatalf("Acquire(%s) at %v = %v; want leased=%v", owner, clock.Now(), err, wantLeased)
		}
	}
	acquire("a", false)
	_, err := s.Acquire(id, "b", time.Hour)
	if !errors.Is(err, state.ErrLeased) || !strings.Contains(err.Error(), `"a"`) || !strings.Contains(err.Error(), "2025-03-01T13:00:00Z") {
		t.Fatalf("second owner: %v; want ErrLeased naming owner a and expiry 13:00", err)
	}
	clock.Advance(50 * time.Minute)
	acquire("a", false) // renew: now valid until 13:50
	clock.Advance(30 * time.Minute)
	acquire("b", true) // 13:20: past the first expiry, within the renewal
	clock.Advance(30 * time.Minute)
	acquire("b", false) // 13:50 exactly: expired, b takes over
	if err := s.Release(id, "a"); err != nil {
		t.Fatal(err)
	}
	acquire("a", true) // a's Release of b's lease changed nothing
	if err := s.Release(id, "b"); err != nil {
		t.Fatal(err)
	}
	acquire("a", false)
}

func TestAcquireRejectsBadArguments(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	id := record.StreamID{Source: "s", Stream: "t"}
	for _, tc := range []struct {
		owner string
		ttl   time.Duration
	}{{"", time.Hour}, {"a", 0}, {"a", -time.Second}} {
		if _, err := s.Acquire(id, tc.owner, tc.ttl); err == nil {
			t.Errorf("Acquire(%q, %v) = nil; want an error", tc.owner, tc.ttl)
		}
	}
}

func TestList(t *testing.T) {
	clock := newClock()
	s := openT(t, tempPath(t), Options{Now: clock.Now})
	cp := state.Checkpoint{Cursor: []byte("x"), Records: 3, Updated: clock.Now()}
	budget := state.Budget{Day: "2025-03-01", Remaining: 7}
	ids := map[string]record.StreamID{
		"b/x": {Source: "b", Stream: "x"}, "a/z": {Source: "a", Stream: "z"},
		"a/y": {Source: "a", Stream: "y"}, "a/b/c": {Source: "a/b", Stream: "c"},
	}
	for _, err := range []error{
		s.Commit(ids["b/x"], cp),
		s.SetBudget(ids["a/z"], budget),
		second(s.Acquire(ids["a/y"], "host-1", time.Minute)),
		s.Commit(ids["a/b/c"], cp),
		s.SetBudget(ids["a/b/c"], budget),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []state.Entry{
		{ID: ids["a/y"], LeaseOwner: "host-1", LeaseUntil: clock.Now().Add(time.Minute), LeaseGeneration: 1},
		{ID: ids["a/z"], Budget: &budget},
		{ID: ids["a/b/c"], Checkpoint: &cp, Budget: &budget},
		{ID: ids["b/x"], Checkpoint: &cp},
	}
	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

func TestSlashInNamesDoesNotCollide(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	left := record.StreamID{Source: "a/b", Stream: "c"}
	right := record.StreamID{Source: "a", Stream: "b/c"}
	if err := s.Commit(left, state.Checkpoint{Records: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(right, state.Checkpoint{Records: 2}); err != nil {
		t.Fatal(err)
	}
	if got := mustCheckpoint(t, s, left).Records; got != 1 {
		t.Errorf("%#v Records = %d, want 1", left, got)
	}
	if got := mustCheckpoint(t, s, right).Records; got != 2 {
		t.Errorf("%#v Records = %d, want 2", right, got)
	}
	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var listed []record.StreamID
	for _, e := range entries {
		listed = append(listed, e.ID)
	}
	if diff := cmp.Diff([]record.StreamID{right, left}, listed); diff != "" {
		t.Errorf("List ids (-want +got):\n%s", diff)
	}
}

func TestStreamKeyRoundTrip(t *testing.T) {
	for _, id := range []record.StreamID{
		{}, {Source: "a", Stream: ""}, {Source: "", Stream: "b"},
		{Source: "a/b", Stream: "c"}, {Source: "a", Stream: "b/c"},
		{Source: "1:x/", Stream: ":/"}, {Source: "ünï", Stream: "\x00"},
	} {
		got, err := parseStreamKey(streamKey(id))
		if err != nil || got != id {
			t.Errorf("parseStreamKey(streamKey(%#v)) = %#v, %v", id, got, err)
		}
	}
	for _, k := range []string{"", "a/b", "x:a/b", "-1:a/b", "5:a/b", "1:ab", "1:a"} {
		if id, err := parseStreamKey([]byte(k)); err == nil {
			t.Errorf("parseStreamKey(%q) = %#v; want an error", k, id)
		}
	}
}

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	path := tempPath(t)
	openT(t, path, Options{})
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700 | os.ModeDir, path: 0o600} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != want {
			t.Errorf("%s mode = %v, want %v", p, info.Mode(), want)
		}
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	for i := range 3 {
		if err := s.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
}

// bbolt locks with flock, which conflicts between two open files even in
// one process, so a second Open stands in for a second gatelog.
func TestOpenLockedStore(t *testing.T) {
	path := tempPath(t)
	openT(t, path, Options{})
	for _, ro := range []bool{false, true} {
		_, err := Open(path, Options{Timeout: 100 * time.Millisecond, ReadOnly: ro})
		if !errors.Is(err, state.ErrLocked) {
			t.Fatalf("second Open(ReadOnly=%v) = %v; want ErrLocked", ro, err)
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, `"state:"`) {
			t.Errorf("error %q should name the file and say how to use another one", msg)
		}
	}
}

func TestCorruptFile(t *testing.T) {
	noise := make([]byte, 64<<10)
	_, _ = rand.Read(noise)
	for name, content := range map[string][]byte{
		"random": noise,
		"short":  []byte("this is not a database\n"),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				_, err := Open(path, Options{Timeout: 100 * time.Millisecond, ReadOnly: ro})
				if err == nil || errors.Is(err, state.ErrLocked) {
					t.Fatalf("Open(ReadOnly=%v) = %v; want a corruption error", ro, err)
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "move it aside") {
					t.Errorf("error %q should name the file and suggest moving it aside", msg)
				}
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
				t.Errorf("file changed by Open (err %v)", err)
			}
		})
	}
}

// writeSchema overwrites the stored schema version behind the store's back.
func writeSchema(t *testing.T, path, version string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(version))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := tempPath(t)
	if err := openT(t, path, Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	writeSchema(t, path, "2")
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open of a schema 2 store = %v; want a 'newer' error naming the file", err)
	}
}

func TestOpenRefusesForeignBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket([]byte("someone-else"))
		return err
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	_, err = Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a gatelog state store") {
		t.Fatalf("Open of a foreign bbolt file = %v; want 'not a gatelog state store'", err)
	}
}

func TestReadOnly(t *testing.T) {
	path := tempPath(t)
	id := record.StreamID{Source: "s", Stream: "t"}
	rw := openT(t, path, Options{})
	if err := rw.Commit(id, state.Checkpoint{Records: 5}); err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	ro := openT(t, path, Options{ReadOnly: true})
	openT(t, path, Options{ReadOnly: true}) // readers share the lock
	if got := mustCheckpoint(t, ro, id).Records; got != 5 {
		t.Errorf("Records = %d, want 5", got)
	}
	writes := map[string]func() error{
		"Commit":    func() error { return ro.Commit(id, state.Checkpoint{}) },
		"SetBudget": func() error { return ro.SetBudget(id, state.Budget{}) },
		"Acquire":   func() error { return second(ro.Acquire(id, "a", time.Hour)) },
		"Release":   func() error { return ro.Release(id, "a") },
		"Reset":     func() error { return ro.Reset(id) },
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on read-only store = %v; want ErrReadOnly", name, err)
		}
	}
}

func TestReadOnlyMissingFile(t *testing.T) {
	path := tempPath(t)
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("read-only Open of a missing file = %v; want ErrNotExist naming it", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open created %s (stat err %v)", filepath.Dir(path), err)
	}
}

// Every commit is its own fsynced transaction; -race checks the store's
// own bookkeeping, the final read checks that no commit was lost.
func TestConcurrentCommits(t *testing.T) {
	const streams, commits = 8, 20
	s := openT(t, tempPath(t), Options{})
	var wg sync.WaitGroup
	for i := range streams {
		id := record.StreamID{Source: "src", Stream: string(rune('a' + i))}
		wg.Go(func() {
			for n := uint64(1); n <= commits; n++ {
				if err := s.Commit(id, state.Checkpoint{Records: n}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != streams {
		t.Fatalf("List has %d entries, want %d", len(entries), streams)
	}
	for _, e := range entries {
		if e.Checkpoint == nil || e.Checkpoint.Records != commits {
			t.Errorf("%s checkpoint = %+v, want Records %d", e.ID, e.Checkpoint, commits)
		}
	}
}

// Acquire is a check-and-set: of many owners racing for one stream,
// exactly one may win.
func TestConcurrentAcquireHasOneWinner(t *testing.T) {
	const owners = 8
	s := openT(t, tempPath(t), Options{Now: newClock().Now})
	id := record.StreamID{Source: "src", Stream: "one"}
	errs := make([]error, owners)
	var wg sync.WaitGroup
	for i := range owners {
		wg.Go(func() { _, errs[i] = s.Acquire(id, string(rune('a'+i)), time.Hour) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, state.ErrLeased):
			t.Errorf("owner %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d owners acquired the lease, want 1", won)
	}
}

// A lease left by a process that died (it never released it) does not keep
// the next process out: holding the file lock proves the owner is gone.
func TestLeaseOfADeadProcessIsDroppedOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openT(t, path, Options{})
	dead, err := s.Acquire(leaseID, "dead/1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // no Release: as after kill -9
	s = openT(t, path, Options{})
	if l, err := s.Lease(leaseID); err != nil || l.Owner != "" || l.Live || l.Generation != dead.Generation {
		t.Fatalf("Lease after reopening = %+v, %v; want no holder, generation %d kept", l, err, dead.Generation)
	}
	if entries, err := s.List(); err != nil || len(entries) != 0 {
		t.Errorf("List after reopening = %+v, %v; want the dead lease not listed", entries, err)
	}
	alive, err := s.Acquire(leaseID, "alive/2", time.Hour)
	if err != nil {
		t.Fatalf("a dead process's lease kept the stream: %v", err)
	}
	if alive.Generation <= dead.Generation {
		t.Errorf("generation %d after reopening, want more than the dead process's %d", alive.Generation, dead.Generation)
	}
	// The dead process's generation is fenced.
	err = s.Commit(leaseID, state.Checkpoint{Records: 1, Generation: dead.Generation})
	if !errors.Is(err, state.ErrFenced) {
		t.Errorf("Commit with the dead process's generation = %v; want ErrFenced", err)
	}
	// While open, the live lease still keeps others out.
	if _, err := s.Acquire(leaseID, "other/3", time.Hour); !errors.Is(err, state.ErrLeased) {
		t.Fatalf("err = %v, want ErrLeased", err)
	}
}

// second is the error of a call that returns a value and an error.
func second[T any](_ T, err error) error { return err }

// Generations and fencing by the store's clock (a fake one here): expiry
// is the instant Until, renewal keeps the generation, and a commit at the
// instant the lease expires is fenced.
func TestLeaseGenerationByTheStoreClock(t *testing.T) {
	clock := newClock()
	s := openT(t, tempPath(t), Options{Now: clock.Now})
	a, err := s.Acquire(leaseID, "a", time.Hour)
	if err != nil || a.Generation != 1 || !a.Expires.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("Acquire = %+v, %v; want generation 1 until an hour from now", a, err)
	}
	clock.Advance(59 * time.Minute)
	if err := s.Commit(leaseID, state.Checkpoint{Records: 1, Generation: 1}); err != nil {
		t.Fatalf("Commit a minute before expiry: %v", err)
	}
	if l, _ := s.Acquire(leaseID, "a", time.Hour); l.Generation != 1 {
		t.Errorf("renewal: generation %d, want 1", l.Generation)
	}
	clock.Advance(time.Hour)
	if l, err := s.Lease(leaseID); err != nil || l.Live || l.Owner != "a" {
		t.Errorf("Lease at expiry = %+v, %v; want a's lease, not live", l, err)
	}
	if err := s.Commit(leaseID, state.Checkpoint{Records: 2, Generation: 1}); !errors.Is(err, state.ErrFenced) {
		t.Errorf("Commit at the instant of expiry = %v; want ErrFenced", err)
	}
	if l, _ := s.Acquire(leaseID, "a", time.Hour); l.Generation != 2 {
		t.Errorf("re-acquired after expiry: generation %d, want 2", l.Generation)
	}
	if cp := mustCheckpoint(t, s, leaseID); cp.Records != 1 {
		t.Errorf("Records = %d, want 1", cp.Records)
	}
}

// A read-only store reads leases; a lease written before generations (no
// generation field) reads as generation 0, and its next tenure is 1.
func TestLeaseReadOnlyAndOldFormat(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path, Options{})
	if _, err := s.Acquire(leaseID, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro := openT(t, path, Options{ReadOnly: true})
	if l, err := ro.Lease(leaseID); err != nil || l.Generation != 1 || l.Owner != "a" {
		t.Errorf("read-only Lease = %+v, %v; want a's, generation 1", l, err)
	}
	ro.Close()

	s = openT(t, path, Options{})
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLeases).Put(streamKey(leaseID), []byte(`{"owner":"old/1","until":"2999-01-01T00:00:00Z"}`))
	}); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Lease(leaseID); err != nil || l.Generation != 0 || l.Owner != "old/1" || !l.Live {
		t.Errorf("Lease of an old-format lease = %+v, %v", l, err)
	}
	if _, err := s.Acquire(leaseID, "b", time.Hour); !errors.Is(err, state.ErrLeased) {
		t.Errorf("Acquire over a live old-format lease = %v; want ErrLeased", err)
	}
	if l, err := s.Acquire(leaseID, "old/1", time.Hour); err != nil || l.Generation != 1 {
		t.Errorf("renewal of an old-format lease = %+v, %v; want generation 1 (0 means no fencing)", l, err)
	}
}

var leaseID = record.StreamID{Source: "acme", Stream: "admin"}
