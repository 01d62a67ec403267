package kafka

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/gatelog/gatelog/internal/record"
)

// flight is one batch handed to franz-go: done closes once franz-go has
// settled every record, acknowledged or failed, and results holds how.
type flight struct {
	done    chan struct{}
	results kgo.ProduceResults
}

// produce hands recs to franz-go and returns at once. ProduceSync, in a
// goroutine of its own, drains the partitions it filled without waiting
// for the linger (10ms), which a batch of a sync caller would only lose.
func (s *Sink) produce(w *write, recs []*kgo.Record) *flight {
	f := &flight{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.results = s.cl.ProduceSync(w.ctx, recs...)
	}()
	return f
}

// await waits for f or for the Write's context. A flight left behind is
// remembered for its stream: see settlePrevious.
func (s *Sink) await(w *write, id record.StreamID, f *flight, n int) error {
	select {
	case <-f.done:
	case <-w.ctx.Done():
		s.mu.Lock()
		s.abandoned[id] = f.done
		s.mu.Unlock()
		return s.cancelled(w, fmt.Sprintf("write %s: %d records not acknowledged", id, n))
	}
	failed := 0
	var first *kgo.ProduceResult
	for i := range f.results {
		if f.results[i].Err != nil {
			if failed == 0 {
				first = &f.results[i]
			}
			failed++
		}
	}
	if failed == 0 {
		return nil
	}
	what := fmt.Sprintf("write %s: %d of %d records not acknowledged", id, failed, n)
	if w.ctx.Err() != nil {
		return s.cancelled(w, what)
	}
	return s.classify(what, first.Record.Topic, first.Err)
}

// settlePrevious waits until franz-go settled the batch a cancelled Write
// of this stream left behind. franz-go fails a partition's buffered records
// together (so that none lands after a failed one); the retried batch must
// not be buffered behind a batch that is about to fail, or it fails too.
func (s *Sink) settlePrevious(w *write, id record.StreamID) error {
	s.mu.Lock()
	done := s.abandoned[id]
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
	case <-w.ctx.Done():
		return s.cancelled(w, fmt.Sprintf("write %s: the records of an earlier, abandoned Write are still unresolved", id))
	}
	s.mu.Lock()
	if s.abandoned[id] == done {
		delete(s.abandoned, id)
	}
	s.mu.Unlock()
	return nil
}
