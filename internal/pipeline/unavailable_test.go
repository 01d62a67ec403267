package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// flakyCommits is a store whose commits number `lost` fail before reaching
// it, and number `landed` reach it but are not acknowledged: both answer
// ErrUnavailable, as a database behind a broken connection does.
type flakyCommits struct {
	state.Store
	mu           sync.Mutex
	n            int
	lost, landed map[int]bool
}

func (f *flakyCommits) Commit(id record.StreamID, c state.Checkpoint) error {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	unavailable := errors.New("dial tcp 10.0.0.7:5432: connect: connection refused")
	switch {
	case f.lost[n]:
		return errors.Join(state.ErrUnavailable, unavailable)
	case f.landed[n]:
		if err := f.Store.Commit(id, c); err != nil {
			return err
		}
		return errors.Join(state.ErrUnavailable, unavailable)
	}
	return f.Store.Commit(id, c)
}

// A commit the store could not confirm is retried like a failed delivery
// (sinks rolled back, the batch written and committed again), never a
// reason to stop the stream: every record once, in order.
func TestUnavailableCommitsAreRetried(t *testing.T) {
	store := &flakyCommits{Store: memstate.New(), lost: map[int]bool{3: true, 4: true}, landed: map[int]bool{6: true}}
	mem := sinktest.NewMemory("mem")
	st := &scripted{id: leaseStream, batches: 10}
	res := Run(t.Context(), []source.Source{newSource(st)}, Options{Store: store, Sinks: []sink.Sink{mem}, Once: true, CommitBytes: 1,
		Backoff: retry.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
	if len(res) != 1 || res[0].Status != Done {
		t.Fatalf("result %+v; want Done", res)
	}
	recs := mem.Records(leaseStream)
	if len(recs) != 100 {
		t.Fatalf("%d records; want 100", len(recs))
	}
	for i, r := range recs {
		if r.ID != "r"+strconv.Itoa(i) {
			t.Fatalf("record %d is %s; want each once, in order", i, r.ID)
		}
	}
	if cp, _, _ := store.Checkpoint(leaseStream); cp.Records != 100 {
		t.Errorf("checkpoint Records %d; want 100", cp.Records)
	}
}

// Commits gather batches: with three batches to a commit, a commit the
// store never took rewinds the stream to the checkpoint and reads them
// again, and one it took without saying so stands (the batches are not
// written again). Every record once, in order, either way. A stream that
// marks records seen (and drops what the store marks) commits each batch.
func TestGatheredCommitsSurviveUnavailableStores(t *testing.T) {
	for _, marks := range []bool{false, true} {
		for name, c := range map[string]*flakyCommits{
			"lost":   {lost: map[int]bool{2: true, 4: true}},
			"landed": {landed: map[int]bool{2: true, 3: true}},
		} {
			t.Run(fmt.Sprintf("%s/marks=%v", name, marks), func(t *testing.T) {
				c.Store = memstate.New()
				mem := &countingMemory{Memory: sinktest.NewMemory("mem")}
				var st source.Stream = &scripted{id: leaseStream, batches: 30}
				if marks {
					st = &replaying{scripted: &scripted{id: leaseStream, batches: 30}, seen: c.Store}
				}
				// Each batch holds 10 records of about 8 bytes: 3 batches to a commit.
				res := Run(t.Context(), []source.Source{&fakeSource{streams: []source.Stream{st}}}, Options{Store: c, Sinks: []sink.Sink{mem}, Once: true,
					CommitBytes: 200, CommitEvery: time.Hour, Backoff: retry.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
				if len(res) != 1 || res[0].Status != Done || res[0].Records != 300 {
					t.Fatalf("result %+v; want Done with 300 records", res)
				}
				recs := mem.Records(leaseStream)
				for i, r := range recs {
					if r.ID != "r"+strconv.Itoa(i) {
						t.Fatalf("record %d is %s; want each once, in order", i, r.ID)
					}
				}
				if len(recs) != 300 {
					t.Fatalf("%d records; want 300", len(recs))
				}
				switch {
				case !marks && c.n > 16:
					t.Errorf("%d commits for 30 batches; want about one per three", c.n)
				case marks && c.n < 31:
					t.Errorf("%d commits for 30 batches that mark records seen; want one each", c.n)
				}
				if name == "landed" && mem.written.Load() != 300 {
					t.Errorf("%d records written for 300: a commit that landed was delivered again", mem.written.Load())
				}
			})
		}
	}
}

// countingMemory counts the records written to it, rewrites included.
type countingMemory struct {
	*sinktest.Memory
	written atomic.Int64
}

func (c *countingMemory) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	pos, err := c.Memory.Write(ctx, id, recs)
	if err == nil {
		c.written.Add(int64(len(recs)))
	}
	return pos, err
}

// replaying marks its records seen and drops those the store says were
// delivered, as a source that re-reads a range does (Symantec archives).
type replaying struct {
	*scripted
	seen state.SeenMarks
}

func (r *replaying) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := r.scripted.Fetch(ctx)
	if err != nil {
		return b, err
	}
	b.MarkSeen = true
	keys := make([]state.SeenID, len(b.Records))
	for i, rec := range b.Records {
		keys[i] = state.SeenID{Time: rec.Time, ID: rec.ID}
	}
	seen, err := r.seen.Seen(r.id, keys)
	if err != nil {
		return nil, err
	}
	kept := b.Records[:0]
	for i, rec := range b.Records {
		if !seen[i] {
			kept = append(kept, rec)
		}
	}
	b.Records = kept
	return b, nil
}
