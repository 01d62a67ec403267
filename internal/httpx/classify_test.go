package httpx

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	fallback := now.Add(7 * time.Minute)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	resetStr := "1796594400" // 2026-12-07T00:00:00Z
	cases := []struct {
		name   string
		code   int
		h      http.Header
		class  Class
		until  time.Time
		reason string
	}{
		{"short throttle waits Retry-After only", 429, h("Retry-After", "2", "X-RateLimit-Remaining", "280", "X-RateLimit-Reset", resetStr), Throttled, now.Add(2 * time.Second), "429_throttle"},
		{"spent budget waits the reset", 429, h("X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "300", "X-RateLimit-Reset", resetStr), Throttled, time.Unix(1796594400, 0), "429_daily"},
		{"spent budget: later of reset and Retry-After", 429, h("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "60", "Retry-After", "120"), Throttled, now.Add(2 * time.Minute), "429_daily"},
		{"spent budget without a reset", 429, h("X-RateLimit-Remaining", "0"), Throttled, fallback, "429_daily"},
		{"bare 429", 429, h(), Throttled, fallback, "429_throttle"},
		{"503", 503, h(), Retryable, time.Time{}, "503"},
		{"503 with Retry-After", 503, h("Retry-After", "30"), Throttled, now.Add(30 * time.Second), "503"},
		{"502", 502, h(), Retryable, time.Time{}, "5xx"},
		{"423", 423, h(), Retryable, time.Time{}, "423"},
		{"408", 408, h(), Retryable, time.Time{}, "408"},
		{"401", 401, h("Retry-After", "5"), Permanent, time.Time{}, "401"},
		{"400", 400, h(), Permanent, time.Time{}, "400"},
	}
	for _, c := range cases {
		v := Classify(c.code, c.h, now, fallback)
		if v.Class != c.class || !v.Until.Equal(c.until) || v.Reason != c.reason {
			t.Errorf("%s: got class %d until %v reason %q; want %d %v %q", c.name, v.Class, v.Until, v.Reason, c.class, c.until, c.reason)
		}
		err := v.Err(errors.New("x"))
		if got := errclass.Reason(err); got != c.reason {
			t.Errorf("%s: error reason %q", c.name, got)
		}
		if errclass.IsPermanent(err) != (c.class == Permanent) {
			t.Errorf("%s: permanent = %v", c.name, errclass.IsPermanent(err))
		}
		if until, ok := errclass.ThrottledUntil(err); ok != (c.class == Throttled) || (ok && !until.Equal(c.until)) {
			t.Errorf("%s: throttled = %v until %v", c.name, ok, until)
		}
	}
}

func TestTransportReason(t *testing.T) {
	for err, want := range map[error]string{
		io.ErrUnexpectedEOF:     "truncated",
		syscall.ECONNRESET:      "reset",
		syscall.ECONNREFUSED:    "connect",
		errors.New("who knows"): "other",
		&timeoutErr{}:           "timeout",
	} {
		if got := errclass.Reason(TransportError(err)); got != want {
			t.Errorf("%v: reason %q, want %q", err, got, want)
		}
	}
}

type timeoutErr struct{}

func (*timeoutErr) Error() string   { return "i/o timeout" }
func (*timeoutErr) Timeout() bool   { return true }
func (*timeoutErr) Temporary() bool { return true }

func TestServerMessage(t *testing.T) {
	for body, want := range map[string]string{
		`{"status": "Invalid next page token"}`: "Invalid next page token",
		`{"message": "nope"}`:                   "nope",
		"plain text\nsecond line":               "plain text",
		strings.Repeat("x", 300):                strings.Repeat("x", 200) + "…",
	} {
		if got := ServerMessage(strings.NewReader(body)); got != want {
			t.Errorf("ServerMessage(%.30q) = %q, want %q", body, got, want)
		}
	}
}

// Whatever a server puts in its status and rate-limit headers, Classify
// gives one class, a throttle never ends before the answer nor before its
// own Retry-After, and a spent budget waits at least until its reset.
func FuzzClassify(f *testing.F) {
	f.Add(429, "2", "280", "1796594400", "300")
	f.Add(429, "", "0", "60", "300")
	f.Add(503, "Wed, 21 Oct 2026 07:28:00 GMT", "", "", "")
	f.Add(429, "-5", "x", "2026-12-07 00:00:00+00:00", "")
	f.Fuzz(func(t *testing.T, code int, retryAfter, remaining, reset, limit string) {
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		fallback := now.Add(5 * time.Minute)
		h := http.Header{}
		for k, v := range map[string]string{"Retry-After": retryAfter, "X-RateLimit-Remaining": remaining,
			"X-RateLimit-Reset": reset, "X-RateLimit-Limit": limit} {
			if v != "" {
				h.Set(k, v)
			}
		}
		v := Classify(code, h, now, fallback)
		if v.Reason == "" || v.Class < Retryable || v.Class > Permanent {
			t.Fatalf("verdict %+v", v)
		}
		if v.Class != Throttled {
			return
		}
		if ra, ok := RetryAfter(h, now); ok && v.Until.Before(ra) {
			t.Fatalf("throttled until %v, before its Retry-After %v", v.Until, ra)
		}
		if code == http.StatusTooManyRequests && v.Limit.Spent() && !v.Limit.Reset.IsZero() && v.Until.Before(v.Limit.Reset) {
			t.Fatalf("spent budget until %v, before its reset %v", v.Until, v.Limit.Reset)
		}
	})
}
