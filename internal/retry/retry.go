// Package retry is gatelog's one retry loop: capped exponential backoff
// with jitter, stopping at once for permanent and throttled errors
// (errclass), and telling an observer carried in the context about every
// retry, so that each one is logged and counted by reason.
package retry

import (
	"context"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
)

// Policy bounds one retry loop.
type Policy struct {
	// Attempts is how many times Do calls fn at most (default 4).
	Attempts int
	Backoff  Backoff
}

// Attempt describes a failure that is about to be retried.
type Attempt struct {
	N      int           // 1 for the first retry
	Reason string        // errclass.Reason of Err
	Err    error         // the failure
	Wait   time.Duration // the backoff before the retry
}

type observerKey struct{}

// WithObserver returns a context whose retry loops report to fn. The
// pipeline sets one per stream, so a source's retries are logged and
// counted under that stream without the source knowing about either.
func WithObserver(ctx context.Context, fn func(Attempt)) context.Context {
	return context.WithValue(ctx, observerKey{}, fn)
}

// Notify tells the context's observer, if any, about a retry made outside
// Do (the pipeline's own, after a source gave up).
func Notify(ctx context.Context, a Attempt) {
	if fn, _ := ctx.Value(observerKey{}).(func(Attempt)); fn != nil {
		if a.Reason == "" {
			a.Reason = errclass.Reason(a.Err)
		}
		fn(a)
	}
}

// Do calls fn until it returns nil, a permanent or throttled error, ctx
// ends, or p.Attempts calls have failed; it returns fn's last error. fn
// gets the 0-based attempt number. Each failure that is retried is reported
// to the context's observer before the backoff.
func Do(ctx context.Context, p Policy, fn func(ctx context.Context, attempt int) error) error {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	var err error
	for n := 0; n < attempts; n++ {
		if err = fn(ctx, n); !retryable(ctx, err) || n == attempts-1 {
			return err
		}
		wait := p.Backoff.Delay(n)
		Notify(ctx, Attempt{N: n + 1, Err: err, Wait: wait})
		if serr := Sleep(ctx, wait); serr != nil {
			return err
		}
	}
	return err
}

func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errclass.IsPermanent(err) {
		return false
	}
	_, throttled := errclass.ThrottledUntil(err)
	return !throttled
}
