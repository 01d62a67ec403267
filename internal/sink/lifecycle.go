package sink

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by a Write or Recover after Close.
var ErrClosed = errors.New("sink is closed")

// Lifecycle is the closed state of a sink, shared so that every sink
// reports ErrClosed the same way. A sink whose Writes in flight must stop
// when it is closed runs each under the context of Begin, which Close
// cancels. A sink whose Close instead waits for a Write in flight (holding
// a lock of its own for the whole batch) calls Close and Closed under that
// lock and does not use Begin.
// The zero value is not ready: use NewLifecycle.
type Lifecycle struct {
	base   context.Context
	stop   context.CancelFunc
	mu     sync.Mutex
	closed bool
}

// NewLifecycle returns an open lifecycle.
func NewLifecycle() *Lifecycle {
	base, stop := context.WithCancel(context.Background())
	return &Lifecycle{base: base, stop: stop}
}

// Begin checks that a Write may start and returns its context, cancelled
// by Close too; call done when the Write ends.
func (l *Lifecycle) Begin(ctx context.Context) (_ context.Context, done func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if l.Closed() {
		return nil, nil, ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(l.base, cancel)
	return ctx, func() { stop(); cancel() }, nil
}

// Closed reports whether Close was called.
func (l *Lifecycle) Closed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Close cancels every Write in flight; it reports true the first time only,
// so the caller releases its resources once.
func (l *Lifecycle) Close() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.closed = true
	l.stop()
	return true
}
