// Package errclass sorts errors into the three classes that drive every
// retry decision in gatelog:
//
//   - permanent: retrying cannot help (bad credentials, missing role, bad
//     request). The stream stops and says why in one line.
//   - throttled: the server said when to come back (429, Retry-After, a spent
//     request budget). Nothing is sent before that instant.
//   - retryable: everything else (5xx, resets, truncated bodies). Retried with
//     capped exponential backoff and jitter.
package errclass

import (
	"errors"
	"fmt"
	"time"
)

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error {
	return Permanent(fmt.Errorf(format, args...))
}

// IsPermanent reports whether err, or any error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// ThrottledError says the server asked us to wait until Until.
type ThrottledError struct {
	Until time.Time
	Err   error
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v (waiting until %s)", e.Err, e.Until.UTC().Format(time.RFC3339))
}
func (e *ThrottledError) Unwrap() error { return e.Err }

// Throttled marks err as a request to wait until the given instant.
func Throttled(err error, until time.Time) error {
	return &ThrottledError{Until: until, Err: err}
}

// ThrottledUntil returns the instant a throttled error asks us to wait for.
func ThrottledUntil(err error) (time.Time, bool) {
	var t *ThrottledError
	if errors.As(err, &t) {
		return t.Until, true
	}
	return time.Time{}, false
}
