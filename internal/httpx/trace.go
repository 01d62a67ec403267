package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// Exchange is one request and how it ended, for metrics and tracing.
type Exchange struct {
	Client   string          // Options.Name
	Stream   record.StreamID // the stream the request served; zero outside a pipeline
	Method   string
	Status   int // 0 when no response came
	Err      error
	Duration time.Duration // until the response headers
}

// Redacted stands in for every credential in trace lines.
const Redacted = "[redacted]"

// hookTransport reports each exchange and, when tracing, logs it with every
// credential redacted. It never reads a body: bodies hold the logs.
type hookTransport struct {
	next    http.RoundTripper
	name    string
	observe func(Exchange)
	trace   *slog.Logger
}

func (t *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	x := Exchange{Client: t.name, Method: r.Method, Err: err, Duration: time.Since(start)}
	x.Stream, _ = record.StreamFromContext(r.Context())
	if resp != nil {
		x.Status = resp.StatusCode
	}
	if t.observe != nil {
		t.observe(x)
	}
	if t.trace != nil {
		t.log(r.Context(), x, r, resp)
	}
	return resp, err
}

func (t *hookTransport) log(ctx context.Context, x Exchange, r *http.Request, resp *http.Response) {
	attrs := []slog.Attr{slog.String("client", x.Client), slog.String("method", x.Method),
		slog.String("url", RedactURL(r.URL)), slog.String("request_headers", RedactHeaders(r.Header)),
		slog.Duration("took", x.Duration.Round(time.Millisecond))}
	if x.Stream != (record.StreamID{}) {
		attrs = append(attrs, slog.String("source", x.Stream.Source), slog.String("stream", x.Stream.Stream))
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.Int64("content_length", resp.ContentLength),
			slog.String("response_headers", RedactHeaders(resp.Header)))
	}
	if x.Err != nil {
		attrs = append(attrs, slog.String("error", RedactURLError(x.Err).Error()))
	}
	t.trace.LogAttrs(ctx, slog.LevelInfo, "http trace", attrs...)
}

// sensitiveWords mark a header or query parameter whose value is, or may
// be, a credential. Matching is by substring, so that a vendor's
// X-APIPassword or api_key is caught without a list of every spelling.
var sensitiveWords = []string{"auth", "token", "key", "secret", "password", "passwd", "user",
	"cookie", "session", "signature", "credential", "sig"}

// Sensitive reports whether a header or parameter name may carry a
// credential.
func Sensitive(name string) bool {
	n := strings.ToLower(name)
	if n == "user-agent" {
		return false
	}
	for _, w := range sensitiveWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactHeaders renders h as "Name: value; ..." in name order, with the
// value of every sensitive header replaced.
func RedactHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString("; ")
		}
		v := strings.Join(h[n], ", ")
		if Sensitive(n) {
			v = Redacted
		}
		b.WriteString(n + ": " + v)
	}
	return b.String()
}

// RedactURL renders u without user information and with the value of
// every sensitive query parameter replaced.
func RedactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	q := c.Query()
	for n := range q {
		if Sensitive(n) {
			q[n] = []string{Redacted}
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}
