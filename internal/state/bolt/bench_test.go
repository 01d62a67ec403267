package bolt

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/statetest"
)

// BenchmarkCommitSeen commits one batch of 10,000 marks per iteration, each
// batch a new hour, pruning marks older than three hours in the same commit
// (so from the fourth iteration on, each commit also deletes 10,000), as a
// stream re-reading by the hour would.
func BenchmarkCommitSeen(b *testing.B) {
	const batch = 10_000
	s, err := Open(b.TempDir()+"/state.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	id := record.StreamID{Source: "acme-wss", Stream: "accesslog"}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	marks := statetest.SeenBatch(start, batch, "")
	n := 0
	for b.Loop() {
		// The same ids, moved to this iteration's hour: new marks.
		hour := start.Add(time.Duration(n) * time.Hour)
		for i := range marks {
			marks[i].Time = hour.Add(time.Duration(i) * time.Hour / batch)
		}
		c := state.Checkpoint{Cursor: []byte("c"), Records: uint64(n+1) * batch, Seen: marks,
			PruneSeenBefore: hour.Add(-3 * time.Hour)}
		if err := s.Commit(id, c); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "marks/s")
}

// BenchmarkSeen asks about 10,000 keys (half of them marked) per iteration
// in a store holding 100,000 marks.
func BenchmarkSeen(b *testing.B) {
	const batch = 10_000
	s, err := Open(b.TempDir()+"/state.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	id := record.StreamID{Source: "acme-wss", Stream: "accesslog"}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for h := range 10 {
		marks := statetest.SeenBatch(start.Add(time.Duration(h)*time.Hour), batch, "")
		if err := s.Commit(id, state.Checkpoint{Records: uint64(h), Seen: marks}); err != nil {
			b.Fatal(err)
		}
	}
	keys := append(statetest.SeenBatch(start.Add(5*time.Hour), batch/2, ""), statetest.SeenBatch(start.Add(5*time.Hour), batch/2, "x")...)
	for b.Loop() {
		if _, err := s.Seen(id, keys); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "keys/s")
}
