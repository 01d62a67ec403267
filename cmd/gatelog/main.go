// Command gatelog pulls security logs out of cloud secure-web-gateway
// vendor APIs and delivers them, complete, once and in order.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/gatelog/gatelog/internal/app"
)

func main() {
	ctx, sig, stop := notifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app.Version, app.Commit = version, commit
	err := newRootCommand().ExecuteContext(ctx)
	os.Exit(exitCode(err, sig.Load()))
}

// notifyContext is signal.NotifyContext that also records the first signal
// that arrived, so the exit code can say which one stopped the run.
func notifyContext(parent context.Context, signals ...os.Signal) (context.Context, *atomic.Pointer[os.Signal], context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	var got atomic.Pointer[os.Signal]
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, signals...)
	go func() {
		select {
		case s := <-ch:
			got.Store(&s)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, &got, func() {
		cancel()
		signal.Stop(ch)
	}
}

// exitCode maps an error to the documented exit codes: 0 success, 1 a
// failure, 2 a usage or configuration error, 3 deferred by a request
// budget, 128+N (130 SIGINT, 143 SIGTERM) a run --once that signal N
// stopped before every stream caught up. sig is the signal that arrived,
// if any.
func exitCode(err error, sig *os.Signal) int {
	if err == nil {
		return 0
	}
	var ee *app.ExitError
	if errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "gatelog:", ee.Msg)
		if ee.Interrupted && sig != nil {
			if s, ok := (*sig).(syscall.Signal); ok {
				return 128 + int(s)
			}
		}
		return ee.Code
	}
	fmt.Fprintln(os.Stderr, "gatelog:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line or configuration.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
