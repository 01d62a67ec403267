package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
)

// Class is what a failed answer means for the next request.
type Class int

const (
	Retryable Class = iota // back off and try again (5xx, 408, 423)
	Throttled              // send nothing to this API before Verdict.Until
	Permanent              // retrying cannot help (400, 401, 403, 404, ...)
)

// RateLimit is what X-RateLimit-* said; Known is false without them.
type RateLimit struct {
	Known     bool
	Limit     int       // X-RateLimit-Limit, 0 when absent
	Remaining int       // X-RateLimit-Remaining, -1 when absent
	Reset     time.Time // X-RateLimit-Reset, zero when absent
}

// Spent reports whether the server says no requests are left.
func (r RateLimit) Spent() bool { return r.Known && r.Remaining == 0 }

// Verdict classifies one non-2xx answer.
type Verdict struct {
	Class  Class
	Until  time.Time // Throttled: when requests may be sent again
	Reason string    // an errclass reason label
	Limit  RateLimit
}

// ReadRateLimit reads X-RateLimit-Limit, -Remaining and -Reset.
func ReadRateLimit(h http.Header, now time.Time) RateLimit {
	rl := RateLimit{Remaining: -1}
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit"))); err == nil {
		rl.Limit, rl.Known = n, true
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remaining"))); err == nil {
		rl.Remaining, rl.Known = n, true
	}
	if t, ok := ParseReset(h.Get("X-RateLimit-Reset"), now); ok {
		rl.Reset, rl.Known = t, true
	}
	return rl
}

// Classify sorts a non-2xx answer. A 429 is a spent budget (429_daily)
// when X-RateLimit-Remaining is 0: it waits for the later of the reset and
// Retry-After. Otherwise it is a short throttle (429_throttle) that waits
// its Retry-After only. A 429 that names no time waits until fallback,
// which the caller chooses from what it knows of the API. A 503 with a
// Retry-After is a throttle too; other 5xx, 408 and 423 are retried with
// backoff; everything else is permanent.
func Classify(code int, h http.Header, now, fallback time.Time) Verdict {
	v := Verdict{Limit: ReadRateLimit(h, now)}
	retryAfter, hasRetryAfter := RetryAfter(h, now)
	switch {
	case code == http.StatusTooManyRequests && v.Limit.Spent():
		v.Class, v.Reason, v.Until = Throttled, errclass.ReasonDaily, later(v.Limit.Reset, retryAfter)
		if v.Until.IsZero() {
			v.Until = fallback
		}
	case code == http.StatusTooManyRequests:
		v.Class, v.Reason, v.Until = Throttled, errclass.ReasonThrottle, retryAfter
		if !hasRetryAfter {
			v.Until = fallback
		}
	case code >= 500 || code == http.StatusRequestTimeout || code == http.StatusLocked:
		v.Class, v.Reason = Retryable, statusReason(code)
		if hasRetryAfter {
			v.Class, v.Until = Throttled, retryAfter
		}
	default:
		v.Class, v.Reason = Permanent, strconv.Itoa(code)
	}
	return v
}

// Err classifies err (which describes the answer) by the verdict.
func (v Verdict) Err(err error) error {
	err = errclass.WithReason(err, v.Reason)
	switch v.Class {
	case Permanent:
		return errclass.Permanent(err)
	case Throttled:
		return errclass.Throttled(err, v.Until)
	}
	return err
}

func statusReason(code int) string {
	switch code {
	case http.StatusServiceUnavailable:
		return errclass.Reason503
	case http.StatusRequestTimeout:
		return errclass.Reason408
	case http.StatusLocked:
		return errclass.ReasonLocked
	}
	return errclass.Reason5xx
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// TransportError labels a failed exchange (no answer, or a body cut short)
// with its reason, dropping the query string from URL errors.
func TransportError(err error) error {
	if err == nil {
		return nil
	}
	return errclass.WithReason(RedactURLError(err), transportReason(err))
}

func transportReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return errclass.ReasonTimeout
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return errclass.ReasonReset
	case errors.Is(err, syscall.ECONNREFUSED), isDNS(err):
		return errclass.ReasonConnect
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errclass.ReasonTruncated
	}
	return errclass.ReasonOther
}

func isDNS(err error) bool {
	var d *net.DNSError
	return errors.As(err, &d)
}

// ServerMessage reads at most 4 KiB of an error body and returns the
// vendor's message: a JSON "status", "message" or "error" string when the
// body has one, else its first line, cut to 200 characters.
func ServerMessage(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 4096))
	var v struct {
		Status  string `json:"status"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &v) == nil {
		for _, s := range []string{v.Status, v.Message, v.Error} {
			if s != "" {
				return s
			}
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return line
}

// RetryAfter reads a Retry-After header (seconds or an HTTP date).
func RetryAfter(h http.Header, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return now.Add(time.Duration(secs) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// ParseReset reads an X-RateLimit-Reset value. Vendors disagree on its
// form, so accept Unix seconds, a delta in seconds (small numbers), RFC 3339
// and "2006-01-02 15:04:05+00:00".
func ParseReset(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		if n < 1e9 { // a delta: no epoch timestamp is this small
			return now.Add(time.Duration(n * float64(time.Second))), true
		}
		return time.Unix(int64(n), 0), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", http.TimeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// NextUTCMidnight is when a per-UTC-day budget resets.
func NextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}
