package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
)

// inFlight counts the batches fetched and not yet written, across streams:
// a batch enters when its stream's Fetch returns it and leaves when the
// sink's Write of it returns.
type inFlight struct {
	mu       sync.Mutex
	now, max int
}

func (f *inFlight) add(d int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now += d
	f.max = max(f.max, f.now)
}

// countedStream is a scripted stream whose batches enter inFlight.
type countedStream struct {
	*scripted
	f *inFlight
}

func (s countedStream) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.scripted.Fetch(ctx)
	if err == nil {
		s.f.add(1)
	}
	return b, err
}

// countedSink lets a batch leave inFlight once written, after a pause that
// gives the other streams time to pile up.
type countedSink struct {
	*sinktest.Memory
	f *inFlight
}

func (s countedSink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	time.Sleep(2 * time.Millisecond)
	pos, err := s.Memory.Write(ctx, id, recs)
	if len(recs) > 0 {
		s.f.add(-1)
	}
	return pos, err
}

// With MaxBatches, no more streams than that hold a batch at once, and
// every stream still delivers everything.
func TestMaxBatchesBoundsBatchesInFlight(t *testing.T) {
	f := &inFlight{}
	mem := sinktest.NewMemory("mem")
	src := &fakeSource{}
	for i := range 12 {
		st := &scripted{id: record.StreamID{Source: "src", Stream: fmt.Sprint("s", i)}, batches: 8}
		src.streams = append(src.streams, countedStream{st, f})
	}
	o := Options{Store: newEnv(t).store, Sinks: []sink.Sink{countedSink{mem, f}}, Once: true, MaxBatches: 3}
	for _, r := range Run(t.Context(), []source.Source{src}, o) {
		if r.Status != Done || r.Records != 80 {
			t.Errorf("%s: %s, %d records, want done with 80 (%v)", r.ID, r.Status, r.Records, r.Err)
		}
	}
	if f.max > 3 {
		t.Errorf("%d batches in flight at once, want at most MaxBatches = 3", f.max)
	}
	t.Logf("at most %d batches in flight", f.max)
}

// alwaysFailing fails every Write of one stream.
type alwaysFailing struct {
	*sinktest.Memory
	stream string
}

func (s alwaysFailing) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if id.Stream == s.stream && len(recs) > 0 {
		return nil, errors.New("connection reset by peer")
	}
	return s.Memory.Write(ctx, id, recs)
}

// A stream whose deliveries keep failing gives its turn back while it
// waits to retry: with a single turn the other stream still runs to the
// end.
func TestFailingStreamGivesItsTurnBack(t *testing.T) {
	stuck := &scripted{id: record.StreamID{Source: "src", Stream: "stuck"}, batches: 3}
	good := &scripted{id: record.StreamID{Source: "src", Stream: "good"}, batches: 20}
	e := newEnv(t)
	o := e.opts
	o.Sinks, o.MaxBatches, o.MaxWait = []sink.Sink{alwaysFailing{sinktest.NewMemory("mem"), "stuck"}}, 1, 2*time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a turn never given back ends here
	defer cancel()
	res := Run(ctx, []source.Source{newSource(stuck, good)}, o)
	for _, r := range res {
		switch r.ID.Stream {
		case "good":
			if r.Status != Done || r.Records != 200 {
				t.Errorf("good: %s, %d records, want done with 200 (%v)", r.Status, r.Records, r.Err)
			}
		case "stuck":
			if r.Status != Failed {
				t.Errorf("stuck: %s, want failed after MaxWait without progress", r.Status)
			}
		}
	}
}
