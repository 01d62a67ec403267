// Package httpx is gatelog's one HTTP client setup: TLS verification on,
// plain HTTP only to loopback unless explicitly allowed, timeouts that never
// cut a streamed body short, and the header parsing that retry decisions use.
package httpx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Options configures NewClient.
type Options struct {
	// Insecure allows plain HTTP to non-loopback hosts and skips TLS
	// certificate verification. Off by default; only the user turns it on.
	Insecure bool
	// HeaderTimeout bounds the wait for response headers (default 2m). The
	// body is bounded by the request context, not by a client timeout,
	// because bodies are streamed and may be large.
	HeaderTimeout time.Duration
	// Name says which client this is in trace lines and Exchanges, e.g.
	// "source acme" or "sink hec".
	Name string
	// Observe, when set, is told how every request ended (metrics).
	Observe func(Exchange)
	// Trace, when set, logs every request and response line with their
	// headers, every credential redacted; never a body.
	Trace *slog.Logger
}

// UserAgent is sent with every request.
var UserAgent = "gatelog"

// NewClient returns a client for one source or sink.
func NewClient(o Options) *http.Client {
	if o.HeaderTimeout == 0 {
		o.HeaderTimeout = 2 * time.Minute
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: o.HeaderTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: o.Insecure, //nolint:gosec // only when the user sets insecure: true
		},
	}
	var rt http.RoundTripper = tr
	if o.Observe != nil || o.Trace != nil {
		rt = &hookTransport{next: tr, name: o.Name, observe: o.Observe, trace: o.Trace}
	}
	return &http.Client{Transport: &uaTransport{next: rt}}
}

type uaTransport struct{ next http.RoundTripper }

func (t *uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", UserAgent)
	}
	return t.next.RoundTrip(r)
}

// CheckURL enforces the transport rule: https anywhere, http only to a
// loopback host unless insecure is set.
func CheckURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure || IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s uses plain HTTP to a non-loopback host: use https, or set insecure: true to allow it", raw)
	default:
		return fmt.Errorf("%s: scheme must be https (or http to loopback)", raw)
	}
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RedactURLError drops the query string from a transport error: it holds
// paging tokens and dates that only make log lines long (and, with some
// APIs, could hold more).
func RedactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}
