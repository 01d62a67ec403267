package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// A runner holds its stream's lease for as long as it runs, and must stop
// writing before the lease can pass to another instance, even when this
// process was paused (GC, SIGSTOP) past it. Three guards, from cheapest:
//
//   - The keeper renews the lease every TTL/3 in the background, and
//     declares it lost when no renewal has succeeded by the renew deadline,
//     renewWithin after the last success began, measured on the process's
//     monotonic clock: well before the store lets anyone else take it.
//     Losing it cancels the context every fetch, sink write and wait of the
//     stream runs under.
//   - Before every sink write or rollback and before every commit the
//     runner checks that deadline itself (a timer may not have fired yet
//     after a pause): nothing starts past it.
//   - What a pause between that check and the store can still let through
//     is stopped by the store: Commit carries the lease generation and is
//     fenced (state.ErrFenced) unless it is current and live; sinks can ask
//     the same of the store through sink.Fence.
const (
	renewEveryPart  = 3 // renew every TTL/3
	renewWithinNum  = 2 // the renew deadline: 2/3 TTL after the last success
	renewWithinDen  = 3
	renewRetryParts = 10 // after a failed renewal, try again every TTL/10
)

// leaseKeeper keeps one runner's lease: it renews it, and cancels the
// runner's work once the lease is lost. Lost is final.
type leaseKeeper struct {
	store       state.Store
	id          record.StreamID
	owner       string
	ttl         time.Duration
	hold        time.Duration // what each renewal asks of the store: see Options.leaseHold
	renewEvery  time.Duration
	renewWithin time.Duration
	retryEvery  time.Duration
	logger      *slog.Logger
	// gen is the generation this run holds: a renewal that comes back
	// with another one means the lease lapsed in between.
	gen uint64

	mu       sync.Mutex
	deadline time.Time // monotonic: when, unless renewed, the lease is given up
	lost     error     // why the lease was lost (wraps state.ErrFenced); nil while held
	cancel   context.CancelCauseFunc
	timer    *time.Timer // fires at deadline

	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

// keepLease acquires the stream's lease and starts keeping it. work is
// ctx, cancelled (with the loss as its cause) when the lease is lost.
func keepLease(ctx context.Context, o Options, id record.StreamID) (*leaseKeeper, context.Context, error) {
	sent := time.Now()
	l, err := o.Store.Acquire(id, o.Owner, o.leaseHold())
	if err != nil {
		return nil, nil, err
	}
	work, cancel := context.WithCancelCause(ctx)
	k := &leaseKeeper{
		store: o.Store, id: id, owner: o.Owner, ttl: o.LeaseTTL, hold: o.leaseHold(), logger: o.Logger, gen: l.Generation,
		renewEvery:  o.LeaseTTL / renewEveryPart,
		renewWithin: o.LeaseTTL * renewWithinNum / renewWithinDen,
		retryEvery:  max(o.LeaseTTL/renewRetryParts, time.Millisecond),
		cancel:      cancel,
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	k.deadline = sent.Add(k.renewWithin)
	k.timer = time.AfterFunc(time.Until(k.deadline), k.expire)
	go k.loop(sent)
	return k, work, nil
}

// loop renews the lease every renewEvery from the last success, and every
// retryEvery after a failure, until stopped or the lease is lost.
func (k *leaseKeeper) loop(last time.Time) {
	defer close(k.done)
	wait := k.renewEvery - time.Since(last)
	for {
		t := time.NewTimer(max(wait, 0))
		select {
		case <-k.quit:
			t.Stop()
			return
		case <-t.C:
		}
		if k.check() != nil {
			return
		}
		sent := time.Now()
		l, err := k.store.Acquire(k.id, k.owner, k.hold)
		switch {
		case err == nil && l.Generation == k.gen:
			k.renewed(sent)
			wait = k.renewEvery - time.Since(sent)
		case err == nil:
			k.lose(fmt.Errorf("%w: the lease of generation %d lapsed; renewing took it anew as generation %d, and another instance may have written in between",
				state.ErrFenced, k.gen, l.Generation))
			return
		case errors.Is(err, state.ErrLeased):
			k.lose(fmt.Errorf("%w: the lease of generation %d was taken over (%v)", state.ErrFenced, k.gen, err))
			return
		default:
			k.logger.Warn("lease renewal failed; retrying before the renew deadline", "source", k.id.Source, "stream", k.id.Stream,
				"generation", k.gen, "deadline_in", time.Until(k.deadlineNow()).Round(time.Millisecond).String(), "error", err.Error())
			wait = k.retryEvery
		}
	}
}

func (k *leaseKeeper) deadlineNow() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.deadline
}

// renewed moves the deadline on after a renewal sent at sent. A lease
// already lost stays lost.
func (k *leaseKeeper) renewed(sent time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lost != nil {
		return
	}
	k.deadline = sent.Add(k.renewWithin)
	k.timer.Reset(time.Until(k.deadline))
}

// expire runs when the deadline timer fires.
func (k *leaseKeeper) expire() { _ = k.check() }

// check returns why the lease was lost, or nil while it is held: the
// deadline is checked here too, so that a process that wakes from a pause
// stops before its timer has run.
func (k *leaseKeeper) check() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lost == nil && !time.Now().Before(k.deadline) {
		k.loseLocked(fmt.Errorf("%w: the lease of generation %d was not renewed within %s of the last renewal (lease ttl %s); stopped before it can pass to another instance",
			state.ErrFenced, k.gen, k.renewWithin, k.ttl))
	}
	return k.lost
}

// lose declares the lease lost (err wraps state.ErrFenced) and cancels the
// runner's work. Only the first loss counts.
func (k *leaseKeeper) lose(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.loseLocked(err)
}

func (k *leaseKeeper) loseLocked(err error) {
	if k.lost != nil {
		return
	}
	k.lost = err
	k.timer.Stop()
	k.cancel(err)
}

// stop ends the renewals (waiting for one in flight, so that none lands
// after the runner releases the lease) and the runner's work context.
func (k *leaseKeeper) stop() {
	k.stopOnce.Do(func() {
		close(k.quit)
		<-k.done
		k.mu.Lock()
		k.timer.Stop()
		k.mu.Unlock()
		k.cancel(context.Canceled)
	})
}

// fence is the check sinks run through sink.Fence: the lease is still held
// by this process's clock, and the store says its generation is current
// and unexpired by the store's clock.
func (k *leaseKeeper) fence(context.Context) error {
	if err := k.check(); err != nil {
		return err
	}
	l, err := k.store.Lease(k.id)
	if err != nil {
		return fmt.Errorf("check the stream's lease: %w", err)
	}
	if err := l.Check(k.gen); err != nil {
		k.lose(err)
		return err
	}
	return nil
}
