package postgres

import (
	"strconv"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
	"github.com/gatelog/gatelog/internal/state/statetest"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// The PostgreSQL store beside the embedded bolt one, in the same run:
//
//	go test -run '^$' -bench . ./internal/state/postgres

// stores opens each store under test, empty.
var stores = []struct {
	name string
	open func(b *testing.B) state.Store
}{
	{"bolt", func(b *testing.B) state.Store {
		s, err := bolt.Open(b.TempDir()+"/state.db", bolt.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"postgres", func(b *testing.B) state.Store { return openT(b, pgtest.Start(b), Options{}) }},
}

var benchStart = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkCommit commits a checkpoint with the seen marks of a batch of
// 100 records per iteration, each batch a minute later than the last,
// pruning marks older than three hours in the same commit.
func BenchmarkCommit(b *testing.B) {
	const batch = 100
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			n := 0
			for b.Loop() {
				at := benchStart.Add(time.Duration(n) * time.Minute)
				c := state.Checkpoint{Cursor: []byte(strconv.Itoa(n)), Records: uint64(n+1) * batch,
					Sinks: map[string][]byte{"file": []byte(strconv.Itoa(n))}, EventTime: at, Updated: at,
					Seen: statetest.SeenBatch(at, batch, strconv.Itoa(n)), PruneSeenBefore: at.Add(-3 * time.Hour)}
				if err := s.Commit(streamA, c); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "commits/s")
		})
	}
}

// BenchmarkSeen asks about 1,000 keys (half of them marked) per iteration
// in a store holding 100,000 marks over ten hours.
func BenchmarkSeen(b *testing.B) {
	const perHour, keys = 10_000, 1_000
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			for h := range 10 {
				marks := statetest.SeenBatch(benchStart.Add(time.Duration(h)*time.Hour), perHour, "")
				if err := s.Commit(streamA, state.Checkpoint{Records: uint64(h), Seen: marks}); err != nil {
					b.Fatal(err)
				}
			}
			// Half of them: every 20th mark of hour 5; half unknown ids.
			var ask []state.SeenID
			for i, m := range statetest.SeenBatch(benchStart.Add(5*time.Hour), perHour, "") {
				if i%(2*perHour/keys) == 0 {
					ask = append(ask, m)
				}
			}
			ask = append(ask, statetest.SeenBatch(benchStart.Add(5*time.Hour), keys/2, "x")...)
			got, err := s.Seen(streamA, ask)
			if err != nil || !got[0] || got[len(got)-1] || len(ask) != keys {
				b.Fatalf("Seen: %d keys, %v", len(ask), err)
			}
			for b.Loop() {
				if _, err := s.Seen(streamA, ask); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*keys)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
