package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
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
	// lease keeps the stream's lease (see lease.go); its generation fences
	// every commit.
	lease    *leaseKeeper
	failures int // consecutive transient failures
	// progressed is when the stream last made progress: started, or a
	// batch delivered and committed. With Once, a stream that goes MaxWait
	// without progress is given up.
	progressed time.Time
	// pending is a fetched batch not yet committed. The stream's cursor has
	// moved past it, so it is redelivered until it commits, never refetched.
	pending *source.Batch
	// quarantined is set once pending's bad items are durably quarantined.
	quarantined bool
	// dirty is set when a delivery failed part-way: sinks are rolled back to
	// the committed positions before the batch is written again.
	dirty bool
	// unc is what the sinks took since the last commit, positions where
	// each sink stands after it (see commit.go), and unsure a commit the
	// store did not confirm.
	unc       written
	positions map[string][]byte
	unsure    *state.Checkpoint
	eachFor   int // batches to commit one by one after a failure
	// stopped holds the sinks that failed permanently for this stream.
	stopped map[string]error
	// slot is set while the runner holds one of Options.MaxBatches turns.
	slot bool
	// yield, when set (a daemon's scheduler), is cancelled to ask the
	// runner to hand its stream back: it stops at the next batch boundary,
	// or at once while it waits.
	yield context.Context
}

func newRunner(vendor string, st source.Stream, o Options) *runner {
	return &runner{o: o, vendor: vendor, st: st}
}

// run drives the stream under its lease. ctx is the run's; every fetch,
// sink call and wait of the stream runs under work, ctx cancelled too when
// the lease is lost.
func (r *runner) run(ctx context.Context) Result {
	id := r.st.ID()
	res := Result{ID: id, Vendor: r.vendor, Status: Done}
	defer r.closeStream()
	ctx = record.ContextWithStream(ctx, id)
	ctx = retry.WithObserver(ctx, r.retried)
	lease, work, err := keepLease(ctx, r.o, id)
	if err != nil {
		if ctx.Err() != nil {
			return r.halted(res)
		}
		if r.yield != nil { // a scheduler's claim: it tries again later, if the stream is still free
			if !errors.Is(err, state.ErrLeased) {
				r.o.Logger.Warn("could not claim a stream; trying again later", "source", id.Source, "stream", id.Stream, "error", err.Error())
			}
			res.Unclaimed = true
			return res
		}
		return r.fail(res, errclass.Permanent(err))
	}
	r.lease = lease
	defer r.o.Store.Release(id, r.o.Owner) //nolint:errcheck // a lease that is not released expires
	defer lease.stop()                     // before Release: no renewal after it
	work = sink.WithFence(work, lease.fence)
	if err := r.start(work); err != nil {
		if lost := r.lostLease(err); lost != nil {
			return r.lost(res, lost)
		}
		if ctx.Err() != nil {
			return r.halted(res)
		}
		if r.yield != nil && errors.Is(err, state.ErrUnavailable) {
			r.o.Logger.Warn("could not start a stream: the state store is unreachable; trying again later", "source", id.Source, "stream", id.Stream, "error", err.Error())
			res.Unclaimed = true
			return res
		}
		return r.fail(res, err)
	}
	r.emit(Event{Kind: EventStarted, EventTime: r.cp.EventTime, Owner: r.o.Owner, Generation: lease.gen})
	r.progressed = r.o.Now()
	idle := r.idle(work) // waits end early when asked to yield
	for work.Err() == nil {
		if r.yielding() {
			r.flushBeforeWait()
			res.Records = r.delivered
			return res
		}
		if !r.takeSlot(idle) {
			continue // the run stops or yields
		}
		caughtUp, err := r.step(work)
		r.freeSlot()
		res.Records = r.delivered
		switch {
		case err == nil && caughtUp && r.o.Once:
			return res
		case err == nil:
			if caughtUp {
				r.emit(Event{Kind: EventCaughtUp, EventTime: r.cp.EventTime})
			}
			if d := r.pause(caughtUp); d > 0 {
				r.flushBeforeWait()
				_ = retry.Sleep(idle, d)
			}
		case r.lostLease(err) != nil:
			return r.lost(res, r.lostLease(err))
		case work.Err() != nil:
			return r.halted(res)
		case errclass.IsPermanent(err):
			return r.fail(res, err)
		default:
			r.flushBeforeWait()
			res.Records = r.delivered
			if g := r.wait(idle, err); g != nil {
				if g.status == Failed {
					return r.fail(res, g.err)
				}
				res.Status, res.Err, res.Until = g.status, g.err, g.until
				return res
			}
		}
	}
	if lost := r.lostLease(nil); lost != nil {
		return r.lost(res, lost)
	}
	return r.halted(res)
}

// idle is work, ended early too when the runner is asked to yield: what
// its waits between steps run under.
func (r *runner) idle(work context.Context) context.Context {
	if r.yield == nil {
		return work
	}
	idle, cancel := context.WithCancel(work)
	context.AfterFunc(r.yield, cancel)
	return idle
}

func (r *runner) yielding() bool { return r.yield != nil && r.yield.Err() != nil }

// takeSlot waits for one of Options.MaxBatches turns before a batch is
// fetched; a pending batch, whose memory is held already, is delivered
// again without one. It returns false when idle ended first.
func (r *runner) takeSlot(idle context.Context) bool {
	if r.o.slots == nil || r.pending != nil {
		return true
	}
	select {
	case r.o.slots <- struct{}{}:
		r.slot = true
		return true
	case <-idle.Done():
		return false
	}
}

// freeSlot gives the turn back, if the runner holds one.
func (r *runner) freeSlot() {
	if r.slot {
		<-r.o.slots
		r.slot = false
	}
}

// pause is the wait after a delivered batch: what a paced stream asks
// (source.Paced), else PollInterval once caught up and none before. A
// run with Once never waits: it ends when caught up.
func (r *runner) pause(caughtUp bool) time.Duration {
	if p, ok := r.st.(source.Paced); ok && !r.o.Once {
		return p.Pace()
	}
	if caughtUp {
		return r.st.PollInterval()
	}
	return 0
}

// lostLease returns why the stream's lease was lost, or nil while it is
// held. An error err wrapping state.ErrFenced (a fenced commit, a sink's
// fence) is such a loss, final.
func (r *runner) lostLease(err error) error {
	if lost := r.lease.check(); lost != nil {
		return lost
	}
	if err != nil && errors.Is(err, state.ErrFenced) {
		r.lease.lose(err)
		return r.lease.check()
	}
	return nil
}

// lost ends a stream whose lease was lost: it stops at once, without
// retrying, rolling back or committing anything, since another instance
// may own the stream now.
func (r *runner) lost(res Result, err error) Result {
	res.Records = r.delivered
	res.Status, res.LeaseLost = Failed, true
	res.Err = fmt.Errorf("stopped: this process no longer holds the stream's lease, so it writes and commits nothing more (another instance may own the stream now; the batch in flight is not committed and is delivered again from the last checkpoint): %w", err)
	r.o.Logger.Error(fmt.Sprintf("%s %s: lease lost; stream stopped", r.vendor, res.ID), "source", res.ID.Source, "stream", res.ID.Stream,
		"reason", "lease_lost", "generation", r.lease.gen, "error", err.Error())
	r.emit(Event{Kind: EventFailed, Err: res.Err})
	return res
}

// halted is the result of a stream that ctx stopped before it caught up:
// a daemon's normal end (Done), but with Once a collection cut short.
func (r *runner) halted(res Result) Result {
	r.flushBeforeWait()
	res.Records = r.delivered
	if r.o.Once {
		res.Status = Interrupted
	}
	return res
}

// start lines the stream and every sink up with the last committed
// checkpoint (the lease is held already).
func (r *runner) start(ctx context.Context) error {
	id := r.st.ID()
	cp, ok, err := r.o.Store.Checkpoint(id)
	if errors.Is(err, state.ErrUnavailable) {
		return fmt.Errorf("read checkpoint: %w", err)
	}
	if err != nil {
		return errclass.Permanent(fmt.Errorf("read checkpoint: %w", err))
	}
	r.cp, r.positions = cp, cp.Sinks
	for _, s := range r.o.Sinks {
		if err := r.lease.check(); err != nil {
			return err
		}
		if err := s.Recover(ctx, id, cp.Sinks[s.Name()]); err != nil {
			if errors.Is(err, state.ErrFenced) || errors.Is(err, state.ErrUnavailable) {
				return err
			}
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
	r.positions = positions
	return r.commit(written{})
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
	if err := r.settleUnsure(); err != nil {
		return false, err
	}
	if err := r.rollback(ctx); err != nil {
		return false, errclass.WithReason(err, errclass.ReasonSink)
	}
	if r.pending == nil {
		b, err := r.st.Fetch(ctx)
		if err != nil {
			return false, err
		}
		r.pending, r.quarantined = b, false
	}
	if !r.quarantined {
		// Like a sink write, nothing is quarantined past the renew
		// deadline: the next owner quarantines the batch's bad items.
		if err := r.lease.check(); err != nil {
			return false, err
		}
		if err := r.o.Quarantine.Write(r.st.ID(), r.pending.Bad); err != nil {
			return false, errclass.WithReason(err, errclass.ReasonQuarantine)
		}
		r.quarantined = true
	}
	if err := r.deliver(ctx, r.pending); err != nil {
		r.dirty = true
		if !errclass.IsPermanent(err) && errclass.Reason(err) != errclass.ReasonState {
			err = errclass.WithReason(err, errclass.ReasonSink)
		}
		return false, err
	}
	caughtUp, r.pending, r.failures = r.pending.CaughtUp, nil, 0
	r.unc.withPending = false
	r.progressed = r.o.Now()
	return caughtUp, nil
}

// giveUp is how a stream in Once mode ends instead of waiting again.
type giveUp struct {
	status Status // Failed or Deferred
	err    error
	until  time.Time // Deferred: when requests resume
}

// wait sleeps after a transient or throttled failure. With Once it gives
// up instead when waiting is no longer worth it: a throttle that lasts
// longer than MaxWait defers the stream, and a stream that made no
// progress for MaxWait is given up (failed, naming the last error; deferred
// when that error is a throttle). Without Once it always waits.
func (r *runner) wait(ctx context.Context, err error) *giveUp {
	id := r.st.ID()
	reason := errclass.Reason(err)
	now := r.o.Now()
	stalled := now.Sub(r.progressed)
	if until, ok := errclass.ThrottledUntil(err); ok {
		if r.o.Once && until.Sub(now) > r.o.MaxWait {
			r.o.Logger.Warn("stream deferred: throttled beyond --max-wait", "source", id.Source, "stream", id.Stream,
				"until", until.UTC().Format(time.RFC3339), "reason", reason, "error", err.Error())
			return &giveUp{status: Deferred, err: err, until: until}
		}
		if r.o.Once && stalled >= r.o.MaxWait {
			err = r.noProgress(stalled, err)
			r.o.Logger.Warn("stream deferred: throttled again and again, no progress for --max-wait", "source", id.Source, "stream", id.Stream,
				"until", until.UTC().Format(time.RFC3339), "reason", reason, "error", err.Error())
			return &giveUp{status: Deferred, err: err, until: until}
		}
		r.o.Logger.Info("throttled: waiting", "source", id.Source, "stream", id.Stream,
			"until", until.UTC().Format(time.RFC3339), "reason", reason, "error", err.Error())
		r.emit(Event{Kind: EventWaiting, Until: until, Reason: reason, Err: err})
		_ = retry.Sleep(ctx, until.Sub(r.o.Now()))
		return nil
	}
	if r.o.Once && stalled >= r.o.MaxWait {
		return &giveUp{status: Failed, err: r.noProgress(stalled, err)}
	}
	d := r.o.Backoff.Delay(r.failures)
	if left := r.o.MaxWait - stalled; r.o.Once && d > left {
		d = left // the last attempt comes at the deadline, not after it
	}
	r.failures++
	r.o.Logger.Warn("retrying after an error", "source", id.Source, "stream", id.Stream, "reason", reason,
		"attempt", r.failures, "in", d.Round(time.Millisecond).String(), "error", err.Error())
	r.emit(Event{Kind: EventRetrying, Reason: reason, Err: err})
	_ = retry.Sleep(ctx, d)
	return nil
}

// noProgress is the error of a stream given up after MaxWait without
// progress; it wraps the last error, so its class and reason stay.
func (r *runner) noProgress(stalled time.Duration, last error) error {
	round := time.Second
	if stalled < 10*time.Second {
		round = time.Millisecond
	}
	return fmt.Errorf("made no progress for %s (--max-wait %s); last error: %w",
		stalled.Round(round), r.o.MaxWait, last)
}

func (r *runner) fail(res Result, err error) Result {
	r.flushBeforeWait()
	res.Records = r.delivered
	res.Status, res.Err = Failed, err
	r.o.Logger.Error(fmt.Sprintf("%s %s: %v", r.vendor, res.ID, err), "source", res.ID.Source, "stream", res.ID.Stream,
		"reason", errclass.Reason(err), "error", err.Error())
	r.emit(Event{Kind: EventFailed, Err: err})
	return res
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
