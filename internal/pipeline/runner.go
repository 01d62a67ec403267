package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// runner drives one stream.
type runner struct {
	o         Options
	vendor    string
	st        source.Stream
	cp        state.Checkpoint
	delivered uint64
	leased    time.Time // when the lease was last renewed
	failures  int       // consecutive transient failures
	// pending is a fetched batch not yet committed. The stream's cursor has
	// moved past it, so it is redelivered until it commits, never refetched.
	pending *source.Batch
	// quarantined is set once pending's bad items are durably quarantined.
	quarantined bool
	// dirty is set when a delivery failed part-way: sinks are rolled back to
	// the committed positions before the batch is written again.
	dirty bool
	// stopped holds the sinks that failed permanently for this stream.
	stopped map[string]error
}

func newRunner(vendor string, st source.Stream, o Options) *runner {
	return &runner{o: o, vendor: vendor, st: st}
}

func (r *runner) run(ctx context.Context) Result {
	id := r.st.ID()
	res := Result{ID: id, Vendor: r.vendor, Status: Done}
	defer r.closeStream()
	ctx = record.ContextWithStream(ctx, id)
	ctx = retry.WithObserver(ctx, r.retried)
	if err := r.start(ctx); err != nil {
		return r.fail(res, err)
	}
	r.emit(Event{Kind: EventStarted, EventTime: r.cp.EventTime})
	defer r.o.Store.Release(id, r.o.Owner) //nolint:errcheck // a lease that is not released expires
	for ctx.Err() == nil {
		caughtUp, err := r.step(ctx)
		res.Records = r.delivered
		switch {
		case err == nil && caughtUp && r.o.Once:
			return res
		case err == nil && caughtUp:
			r.emit(Event{Kind: EventCaughtUp, EventTime: r.cp.EventTime})
			_ = retry.Sleep(ctx, r.st.PollInterval())
		case err == nil:
		case ctx.Err() != nil:
			return res
		case errclass.IsPermanent(err):
			return r.fail(res, err)
		default:
			if until, deferred := r.wait(ctx, err); deferred {
				res.Status, res.Err, res.Until = Deferred, err, until
				return res
			}
		}
	}
	return res
}

// start takes the lease and lines the stream and every sink up with the
// last committed checkpoint.
func (r *runner) start(ctx context.Context) error {
	id := r.st.ID()
	if err := r.renewLease(); err != nil {
		return err
	}
	cp, ok, err := r.o.Store.Checkpoint(id)
	if err != nil {
		return errclass.Permanent(fmt.Errorf("read checkpoint: %w", err))
	}
	r.cp = cp
	for _, s := range r.o.Sinks {
		if err := s.Recover(ctx, id, cp.Sinks[s.Name()]); err != nil {
			return errclass.Permanent(fmt.Errorf("sink %s: %w", s.Name(), err))
		}
	}
	if !ok {
		if err := r.commitBaseline(ctx); err != nil {
			return err
		}
	}
	return r.st.Resume(ctx, cp.Cursor)
}

// commitBaseline gives a new stream a checkpoint before its first batch:
// the sinks' positions over what is already there. Without it a crash in
// the first batch would leave records that the redelivery writes again.
func (r *runner) commitBaseline(ctx context.Context) error {
	positions, err := r.writeAll(ctx, nil)
	if err != nil {
		return err
	}
	return r.commit(&source.Batch{}, positions)
}

func (r *runner) renewLease() error {
	now := r.o.Now()
	if now.Sub(r.leased) < r.o.LeaseTTL/3 {
		return nil
	}
	if err := r.o.Store.Acquire(r.st.ID(), r.o.Owner, r.o.LeaseTTL); err != nil {
		return errclass.Permanent(err)
	}
	r.leased = now
	return nil
}

// closeStream ends the stream's background work; it runs on every exit.
func (r *runner) closeStream() {
	if err := r.st.Close(); err != nil {
		id := r.st.ID()
		r.o.Logger.Warn("close stream", "source", id.Source, "stream", id.Stream, "error", err.Error())
	}
}

// retried is told about each retry a stream makes inside a fetch.
func (r *runner) retried(a retry.Attempt) {
	id := r.st.ID()
	r.o.Logger.Debug("retrying a request", "source", id.Source, "stream", id.Stream, "reason", a.Reason,
		"attempt", a.N, "in", a.Wait.Round(time.Millisecond).String(), "error", a.Err.Error())
	r.emit(Event{Kind: EventRetry, Reason: a.Reason, Err: a.Err})
}

// step fetches one batch, unless one is pending, and delivers it. A batch
// stays pending until it is committed: a failure to quarantine its bad
// items or to deliver it is retried with the same batch, never dropped.
func (r *runner) step(ctx context.Context) (caughtUp bool, err error) {
	if r.pending == nil {
		b, err := r.st.Fetch(ctx)
		if err != nil {
			return false, err
		}
		r.pending, r.quarantined = b, false
	}
	if !r.quarantined {
		if err := r.o.Quarantine.Write(r.st.ID(), r.pending.Bad); err != nil {
			return false, errclass.WithReason(err, errclass.ReasonQuarantine)
		}
		r.quarantined = true
	}
	if err := r.rollback(ctx); err != nil {
		return false, errclass.WithReason(err, errclass.ReasonSink)
	}
	if err := r.deliver(ctx, r.pending); err != nil {
		r.dirty = true
		if !errclass.IsPermanent(err) {
			err = errclass.WithReason(err, errclass.ReasonSink)
		}
		return false, err
	}
	caughtUp, r.pending, r.failures = r.pending.CaughtUp, nil, 0
	// Renew only after the batch is settled: a lease error must not make a
	// committed batch look undelivered.
	return caughtUp, r.renewLease()
}

// rollback returns every sink to the committed checkpoint after a failed
// delivery, so that the retried batch is not stored twice.
func (r *runner) rollback(ctx context.Context) error {
	if !r.dirty {
		return nil
	}
	for _, s := range r.o.Sinks {
		if r.stopped[s.Name()] != nil {
			continue
		}
		if err := s.Recover(ctx, r.st.ID(), r.cp.Sinks[s.Name()]); err != nil {
			return fmt.Errorf("sink %s: roll back to the checkpoint: %w", s.Name(), err)
		}
	}
	r.dirty = false
	return nil
}

// wait sleeps after a transient or throttled failure. With Once, a throttle
// longer than MaxWait defers the stream instead.
func (r *runner) wait(ctx context.Context, err error) (time.Time, bool) {
	id := r.st.ID()
	reason := errclass.Reason(err)
	if until, ok := errclass.ThrottledUntil(err); ok {
		if r.o.Once && until.Sub(r.o.Now()) > r.o.MaxWait {
			r.o.Logger.Warn("stream deferred: throttled beyond --max-wait", "source", id.Source, "stream", id.Stream,
				"until", until.UTC().Format(time.RFC3339), "reason", reason, "error", err.Error())
			return until, true
		}
		r.o.Logger.Info("throttled: waiting", "source", id.Source, "stream", id.Stream,
			"until", until.UTC().Format(time.RFC3339), "reason", reason, "error", err.Error())
		r.emit(Event{Kind: EventWaiting, Until: until, Reason: reason, Err: err})
		_ = retry.Sleep(ctx, until.Sub(r.o.Now()))
		return until, false
	}
	d := r.o.Backoff.Delay(r.failures)
	r.failures++
	r.o.Logger.Warn("retrying after an error", "source", id.Source, "stream", id.Stream, "reason", reason,
		"attempt", r.failures, "in", d.Round(time.Millisecond).String(), "error", err.Error())
	r.emit(Event{Kind: EventRetrying, Reason: reason, Err: err})
	_ = retry.Sleep(ctx, d)
	return time.Time{}, false
}

func (r *runner) fail(res Result, err error) Result {
	res.Status, res.Err = Failed, err
	r.o.Logger.Error(fmt.Sprintf("%s %s: %v", r.vendor, res.ID, err), "source", res.ID.Source, "stream", res.ID.Stream,
		"reason", errclass.Reason(err), "error", err.Error())
	r.emit(Event{Kind: EventFailed, Err: err})
	return res
}

// deliver quarantines the batch's bad input, writes its records to every
// sink, then commits the cursor with the sinks' positions. Nothing is
// committed unless every sink accepted the batch.
func (r *runner) deliver(ctx context.Context, b *source.Batch) error {
	positions, err := r.writeAll(ctx, b.Records)
	if err != nil {
		return err
	}
	if err := r.commit(b, positions); err != nil {
		return err
	}
	r.delivered += uint64(len(b.Records))
	r.o.Logger.Debug("batch delivered", "source", r.st.ID().Source, "stream", r.st.ID().Stream, "records", len(b.Records), "quarantined", len(b.Bad),
		"requests", b.Requests, "bytes", b.Bytes, "newest_event", r.cp.EventTime.UTC().Format(time.RFC3339))
	r.emit(Event{Kind: EventDelivered, Records: len(b.Records), Bad: len(b.Bad),
		Requests: b.Requests, Bytes: b.Bytes, EventTime: r.cp.EventTime})
	return nil
}

func (r *runner) commit(b *source.Batch, positions map[string][]byte) error {
	if len(b.Records) == 0 && bytes.Equal(b.Cursor, r.cp.Cursor) && samePositions(positions, r.cp.Sinks) && !r.cp.Updated.IsZero() {
		return nil // nothing moved: spare the fsync
	}
	cp := state.Checkpoint{Cursor: b.Cursor, Sinks: positions, EventTime: r.cp.EventTime,
		Records: r.cp.Records + uint64(len(b.Records)), Updated: r.o.Now().UTC()}
	for _, rec := range b.Records {
		if rec.Time.After(cp.EventTime) {
			cp.EventTime = rec.Time
		}
	}
	if b.MarkSeen {
		cp.Seen = make([]state.SeenID, len(b.Records))
		for i, rec := range b.Records {
			cp.Seen[i] = state.SeenID{Time: rec.Time, ID: rec.ID}
		}
		cp.PruneSeenBefore = b.PruneSeenBefore
	}
	if err := r.o.Store.Commit(r.st.ID(), cp); err != nil {
		return errclass.Permanent(fmt.Errorf("commit checkpoint: %w", err))
	}
	r.cp = cp
	return nil
}

// emit tells the observer about the stream, with its request budget. With
// no observer it reads nothing: the budget lives in the state store.
func (r *runner) emit(e Event) {
	if r.o.Observe == nil {
		return
	}
	e.ID = r.st.ID()
	if b, ok := r.st.(source.Budgeted); ok && e.Sink == "" {
		if budget, err := b.Budget(); err == nil {
			e.Budget = &budget
		}
	}
	r.o.Observe(e)
}

func (r *runner) stoppedNames() []string {
	var names []string
	for _, s := range r.o.Sinks {
		if r.stopped[s.Name()] != nil {
			names = append(names, s.Name())
		}
	}
	return names
}

func samePositions(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
