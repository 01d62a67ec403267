package bolt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/statetest"
)

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		return openT(t, tempPath(t), Options{})
	})
}

var (
	seenStream = record.StreamID{Source: "acme-wss", Stream: "accesslog"}
	seenHour0  = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
)

func wantSeen(t *testing.T, s *Store, keys []state.SeenID, want bool) {
	t.Helper()
	got, err := s.Seen(seenStream, keys)
	if err != nil {
		t.Fatalf("Seen: %v", err)
	}
	for i, g := range got {
		if g != want {
			t.Fatalf("Seen(%v %q) = %v, want %v", keys[i].Time, keys[i].ID, g, want)
		}
	}
}

func TestSeenKeyLayout(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 59, 59, 0, time.FixedZone("X", -7*3600))
	hour, ok := seenHour(at)
	if want := uint64(at.Unix() / 3600); !ok || hour != want {
		t.Fatalf("seenHour = %d, %v; want %d", hour, ok, want)
	}
	if got, want := string(appendSeenKey(nil, hour, "id")), "\x00\x00\x00\x00\x00\x07\x60\xf1id"; hour != 0x760f1 || got != want {
		t.Errorf("key = %q (hour %#x), want %q", got, hour, want)
	}
	if _, ok := seenHour(time.Unix(-1, 0)); ok {
		t.Error("seenHour accepted a time before 1970")
	}
}

func TestSeenSurvivesReopen(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	marks := statetest.SeenBatch(seenHour0, 1000, "x")
	if err := s.Commit(seenStream, state.Checkpoint{Records: 1000, Seen: marks}); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, Options{})
	wantSeen(t, s, marks, true)
	wantSeen(t, s, statetest.SeenBatch(seenHour0, 1000, "y"), false)
	s = reopen(t, s, Options{ReadOnly: true})
	wantSeen(t, s, marks, true)
	entries, err := s.List()
	if err != nil || len(entries) != 1 || entries[0].SeenMarks != 1000 {
		t.Fatalf("List = %+v, %v; want one entry with 1000 marks", entries, err)
	}
	err = s.Commit(seenStream, state.Checkpoint{Records: 1001, Seen: marks[:1]})
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("Commit with marks on a read-only store = %v; want ErrReadOnly", err)
	}
}

// A mark bbolt itself refuses (its key is over bbolt.MaxKeySize) fails the
// transaction after the checkpoint and an earlier mark were already put in
// it: bbolt's rollback must drop both.
func TestCommitRollsBackWhenBboltRefusesAMark(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	first := state.Checkpoint{Cursor: []byte("1"), Records: 1, Seen: []state.SeenID{{Time: seenHour0, ID: "kept"}}}
	if err := s.Commit(seenStream, first); err != nil {
		t.Fatal(err)
	}
	good := state.SeenID{Time: seenHour0, ID: "a-fine-id"}
	huge := state.SeenID{Time: seenHour0, ID: "z" + strings.Repeat("x", bbolt.MaxKeySize)} // sorts after good
	err := s.Commit(seenStream, state.Checkpoint{Cursor: []byte("2"), Records: 2, Seen: []state.SeenID{huge, good},
		PruneSeenBefore: seenHour0.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "key too large") {
		t.Fatalf("Commit of an oversized mark = %v; want bbolt's key too large", err)
	}
	s = reopen(t, s, Options{})
	if c := mustCheckpoint(t, s, seenStream); c.Records != 1 || string(c.Cursor) != "1" {
		t.Errorf("checkpoint after the failed commit = %+v; want the first", c)
	}
	wantSeen(t, s, []state.SeenID{good}, false)
	wantSeen(t, s, first.Seen, true)
}

// writeV1File writes a state file as gatelog wrote it before seen marks:
// schema 1, without the seen bucket.
func writeV1File(t *testing.T, path string, id record.StreamID, c state.Checkpoint) {
	t.Helper()
	s := openT(t, path, Options{})
	if err := s.Commit(id, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketSeen) }); err != nil {
		t.Fatal(err)
	}
}

func TestFileWithoutSeenBucket(t *testing.T) {
	path := tempPath(t)
	writeV1File(t, path, seenStream, state.Checkpoint{Cursor: []byte("old"), Records: 7})
	marks := []state.SeenID{{Time: seenHour0, ID: "1"}}

	ro := openT(t, path, Options{ReadOnly: true})
	wantSeen(t, ro, marks, false)
	if c := mustCheckpoint(t, ro, seenStream); c.Records != 7 {
		t.Errorf("Records = %d, want 7", c.Records)
	}
	if entries, err := ro.List(); err != nil || len(entries) != 1 || entries[0].SeenMarks != 0 {
		t.Errorf("List = %+v, %v", entries, err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	rw := openT(t, path, Options{}) // creates the bucket
	if err := rw.Reset(record.StreamID{Source: "x", Stream: "y"}); err != nil {
		t.Fatal(err)
	}
	if err := rw.Commit(seenStream, state.Checkpoint{Records: 8, Seen: marks}); err != nil {
		t.Fatal(err)
	}
	rw = reopen(t, rw, Options{ReadOnly: true})
	wantSeen(t, rw, marks, true)
}

// Pruning deletes with a cursor in a transaction whose puts have turned the
// leaves into nodes; a cursor that skipped a key after each delete would
// leave every other old mark behind. Many pages' worth, to cross leaves.
func TestPruneAfterPutsInOneTransactionLeavesNoOldMark(t *testing.T) {
	s := openT(t, tempPath(t), Options{})
	old := statetest.SeenBatch(seenHour0, 50_000, "old")
	if err := s.Commit(seenStream, state.Checkpoint{Records: 1, Seen: old}); err != nil {
		t.Fatal(err)
	}
	// Re-put the old hour's marks (so its leaves are nodes), then prune it.
	keep := statetest.SeenBatch(seenHour0.Add(time.Hour), 100, "new")
	start := time.Now()
	err := s.Commit(seenStream, state.Checkpoint{Records: 2, Seen: append(append([]state.SeenID{}, old...), keep...),
		PruneSeenBefore: seenHour0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("put and pruned %d marks in %v", len(old), time.Since(start))
	wantSeen(t, s, old, false)
	wantSeen(t, s, keep, true)
	if entries, err := s.List(); err != nil || entries[0].SeenMarks != len(keep) {
		t.Fatalf("List = %+v, %v; want %d marks", entries, err, len(keep))
	}
}
