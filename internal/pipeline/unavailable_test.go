package pipeline

import (
	"errors"
	"strconv"
	"sync"
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
	res := Run(t.Context(), []source.Source{newSource(st)}, Options{Store: store, Sinks: []sink.Sink{mem}, Once: true,
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
