// Command gatelog pulls security logs out of cloud secure-web-gateway
// vendor APIs and delivers them, complete, once and in order.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatelog/gatelog/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app.Version, app.Commit = version, commit
	err := newRootCommand().ExecuteContext(ctx)
	os.Exit(exitCode(err))
}

// exitCode maps an error to the documented exit codes: 0 success, 1 a
// failure, 2 a usage or configuration error, 3 deferred by a request budget.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *app.ExitError
	if errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "gatelog:", ee.Msg)
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
