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

// Reasons label failures in logs and in gatelog_retries_total: one per kind
// of fault a vendor API shows.
const (
	Reason503        = "503"          // 503 Service Unavailable
	Reason5xx        = "5xx"          // any other 5xx
	Reason408        = "408"          // 408 Request Timeout
	ReasonThrottle   = "429_throttle" // a short 429: wait its Retry-After
	ReasonDaily      = "429_daily"    // a 429 for a spent daily limit: wait for the reset
	ReasonBudget     = "budget"       // our own daily_request_budget is spent
	ReasonPaced      = "paced"        // held back by our own pacing after a 429 that another stream of the source met
	ReasonLocked     = "423"          // 423 "API access is blocked"
	ReasonGone       = "410"          // 410: the paging token expired
	ReasonAbort      = "abort"        // a sync archive ended with X-sync-status: abort
	ReasonReset      = "reset"        // the connection was reset
	ReasonTruncated  = "truncated"    // the body ended before its length
	ReasonTimeout    = "timeout"      // no answer within the request timeout
	ReasonConnect    = "connect"      // the server could not be reached
	ReasonMalformed  = "malformed"    // the answer did not parse
	ReasonSink       = "sink"         // a sink failed to take the batch
	ReasonQuarantine = "quarantine"   // bad input could not be written to quarantine
	ReasonState      = "state"        // the state store could not be reached
	ReasonOther      = "other"        // anything else
)

type reasonError struct {
	reason string
	err    error
}

func (e *reasonError) Error() string { return e.err.Error() }
func (e *reasonError) Unwrap() error { return e.err }

// WithReason labels err with one of the Reason constants. WithReason(nil) is nil.
func WithReason(err error, reason string) error {
	if err == nil {
		return nil
	}
	return &reasonError{reason: reason, err: err}
}

// Reason returns the outermost label of err, or ReasonOther.
func Reason(err error) string {
	var r *reasonError
	if errors.As(err, &r) {
		return r.reason
	}
	return ReasonOther
}
