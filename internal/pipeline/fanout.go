package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/state"
)

// queues bounds how many streams write to one sink at a time: a slow sink
// makes its streams wait (backpressure) instead of piling up batches.
type queues map[string]chan struct{}

func newQueues(sinks []sink.Sink, size int) queues {
	q := make(queues, len(sinks))
	for _, s := range sinks {
		q[s.Name()] = make(chan struct{}, size)
	}
	return q
}

type writeResult struct {
	pos []byte
	err error
}

// writeAll writes recs to every sink of the stream's route at once and
// returns the positions to commit. A sink that fails permanently stops
// only its route: the stream goes on with the other sinks. A retryable
// failure of any sink fails the batch, which is then delivered again.
func (r *runner) writeAll(ctx context.Context, recs []record.Record) (map[string][]byte, error) {
	results := make([]writeResult, len(r.o.Sinks))
	views := r.views(recs)
	var wg sync.WaitGroup
	for i, s := range r.o.Sinks {
		if r.stopped[s.Name()] != nil {
			continue
		}
		batch, ok := views[r.o.Schemas[s.Name()]]
		if !ok {
			batch = recs
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.writeOne(ctx, s, batch)
		}()
	}
	wg.Wait()
	return r.settle(results)
}

// writeOne writes to one sink through its queue, retrying a retryable
// failure with the sink's own policy: the sink alone is rolled back to the
// checkpoint and written again, so a flaky sink does not make the others
// take the batch twice.
func (r *runner) writeOne(ctx context.Context, s sink.Sink, recs []record.Record) (res writeResult) {
	if len(recs) > 0 { // a baseline write is no batch
		r.sinkEvent(s, EventSinkQueued, 0, nil)
		defer func() { r.sinkEvent(s, EventSinkWritten, len(recs), res.err) }()
	}
	q := r.o.queues[s.Name()]
	select {
	case q <- struct{}{}:
	case <-ctx.Done():
		return writeResult{err: ctx.Err()}
	}
	defer func() { <-q }()
	policy := r.o.SinkRetry[s.Name()]
	for attempt := 0; ; attempt++ {
		if err := r.lease.check(); err != nil { // nothing is written past the renew deadline
			return writeResult{err: err}
		}
		pos, err := s.Write(ctx, r.st.ID(), recs)
		if err == nil || errclass.IsPermanent(err) || attempt+1 >= policy.Attempts || ctx.Err() != nil || errors.Is(err, state.ErrFenced) {
			return writeResult{pos: pos, err: err}
		}
		r.sinkEvent(s, EventSinkRetrying, 0, err)
		id := r.st.ID()
		r.o.Logger.Warn("sink write failed; retrying", "source", id.Source, "stream", id.Stream, "sink", s.Name(),
			"reason", errclass.Reason(err), "attempt", attempt+1, "error", err.Error())
		if werr := retry.Sleep(ctx, policy.Backoff.Delay(attempt)); werr != nil {
			return writeResult{err: err}
		}
		if err := r.lease.check(); err != nil {
			return writeResult{err: err}
		}
		if rerr := s.Recover(ctx, r.st.ID(), r.positions[s.Name()]); rerr != nil { // to before this batch
			return writeResult{err: fmt.Errorf("roll back to before the batch: %w", rerr)}
		}
	}
}

// sinkEvent reports a write to one sink; a failed write reports no records.
func (r *runner) sinkEvent(s sink.Sink, kind EventKind, records int, err error) {
	if err != nil {
		records = 0
	}
	r.emit(Event{Kind: kind, Sink: s.Name(), Records: records, Err: err})
}

// SinkRetry is one sink's retry policy for a failed write, before the
// stream delivers the whole batch again.
type SinkRetry struct {
	Attempts int // writes per batch, the first included (1: no retry)
	Backoff  retry.Backoff
}

// settle sorts the sinks' answers into positions, stopped routes and a
// retry.
func (r *runner) settle(results []writeResult) (map[string][]byte, error) {
	positions := make(map[string][]byte, len(r.o.Sinks))
	var retry, fenced error
	for i, s := range r.o.Sinks {
		name, res := s.Name(), results[i]
		switch {
		case r.stopped[name] != nil:
			positions[name] = r.positions[name] // where it stopped
		case errors.Is(res.err, state.ErrFenced): // the lease is lost: no sink is stopped for it
			fenced = errors.Join(fenced, fmt.Errorf("sink %s: %w", name, res.err))
		case res.err == nil:
			positions[name] = res.pos
		case errclass.IsPermanent(res.err):
			r.stopRoute(name, res.err)
			positions[name] = r.positions[name]
		default:
			retry = errors.Join(retry, fmt.Errorf("sink %s: %w", name, res.err))
		}
	}
	if fenced != nil {
		return nil, fenced
	}
	if retry != nil {
		return nil, retry
	}
	if len(r.stopped) == len(r.o.Sinks) {
		return nil, errclass.Permanentf("every sink of this stream failed (see the lines above)")
	}
	return positions, nil
}

// stopRoute takes a sink out of this stream's route for the rest of the
// run, saying what the sink misses.
func (r *runner) stopRoute(name string, err error) {
	if r.stopped == nil {
		r.stopped = map[string]error{}
	}
	r.stopped[name] = err
	since := "the stream's start"
	if !r.cp.EventTime.IsZero() {
		since = r.cp.EventTime.UTC().Format(time.RFC3339)
	}
	msg := fmt.Sprintf("%s %s: sink %s stopped for this stream: %v; the other sinks go on, and %s misses the records after %s until it is fixed and they are delivered again (gatelog state reset, or a backfill)",
		r.vendor, r.st.ID(), name, err, name, since)
	id := r.st.ID()
	r.o.Logger.Error(msg, "source", id.Source, "stream", id.Stream, "sink", name,
		"reason", errclass.Reason(err), "error", err.Error())
	r.emit(Event{Kind: EventFailed, Err: errors.New(msg)})
}
