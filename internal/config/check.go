package config

import (
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Check is how a Settings' Validate reports problems: keys are relative to
// the entry being checked ("log_types[2]", "auth.password"; "" for the
// entry itself), and every message gets the file, line and full path the
// loader's own messages have. Values shown through Show are hidden when
// they came from the environment.
type Check struct {
	v  *validator
	at string // the entry's path, "sources[0]"
}

// Field is the full path of key, for messages that refer to another field.
func (c *Check) Field(key string) string {
	if key == "" {
		return c.at
	}
	if strings.HasPrefix(key, "[") {
		return c.at + key
	}
	return c.at + "." + key
}

// Fail reports a problem with key.
func (c *Check) Fail(key, format string, args ...any) {
	c.v.fail(c.Field(key), format, args...)
}

// Show formats the value of key for a message: quoted when it is a string,
// hidden when it came from the environment.
func (c *Check) Show(key string, value any) string { return c.v.show(c.Field(key), value) }

// DidYouMean is "; did you mean "x"?" when word is close to a candidate
// (and not a value from the environment), else "".
func (c *Check) DidYouMean(key, word string, candidates []string) string {
	return c.v.didYouMean(c.Field(key), word, candidates)
}

// OneOf checks that val is one of allowed.
func (c *Check) OneOf(key, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		c.Fail(key, "%s is not supported (allowed: %s)", c.Show(key, val), strings.Join(allowed, ", "))
	}
}

// BaseURL checks a vendor API's base URL: absolute http(s) without
// credentials, query or fragment; plain http only to loopback unless
// insecure. example is a good value to show.
func (c *Check) BaseURL(key, raw string, insecure bool, example string) {
	u, err := url.Parse(raw)
	if err != nil {
		c.Fail(key, "not a valid URL%s", c.urlProblem(key, err))
		return
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.Opaque != "":
		c.Fail(key, "%s must be an absolute http(s) URL such as %s", c.Show(key, u.Redacted()), example)
	case u.User != nil:
		c.Fail(key, "must not contain credentials; use auth")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		c.Fail(key, "must not have a query or fragment; use path for the API path")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		c.Fail(key, "plain http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https://, or set insecure: true on the source to allow it")
	}
}

// urlProblem explains a url.Parse error without the URL, which url.Error
// repeats in full and which may hold credentials.
func (c *Check) urlProblem(key string, err error) string {
	var ue *url.Error
	if c.v.src.envValue(c.Field(key)) || !errors.As(err, &ue) {
		return ""
	}
	return ": " + ue.Err.Error()
}

// HTTPURL checks a destination's URL: absolute http(s), no credentials,
// plain http only to loopback unless insecure.
func (c *Check) HTTPURL(key, raw string, insecure bool) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		c.Fail(key, "required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		c.Fail(key, "%s must be an absolute http(s) URL", c.Show(key, raw))
	case u.User != nil:
		c.Fail(key, "must not contain credentials")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		c.Fail(key, "plain http:// is only allowed for loopback hosts; use https://, or set insecure: true")
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// APIPath checks an API path: absolute, with no query (gatelog adds it).
func (c *Check) APIPath(key, p string) {
	switch {
	case !strings.HasPrefix(p, "/"):
		c.Fail(key, "%s must start with /", c.Show(key, p))
	case strings.ContainsAny(p, "?#"):
		c.Fail(key, "must not contain ? or #: gatelog adds the query itself")
	}
}

// HostPort checks an address written host:port.
func (c *Check) HostPort(key, addr, example string) {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		c.Fail(key, "%s must be host:port, e.g. %s", c.Show(key, addr), example)
	}
}

// Polling is how a source polls: how far back a new stream starts, how
// often it asks for more, and how long one request may take.
type Polling struct {
	Start, PollInterval, RequestTimeout Duration
}

// PollingLimits bound Polling for one vendor: MaxStart is how long the
// vendor keeps logs (Keeps says so in words), MinPoll the least poll
// interval (PollWhy says why, ": ..." or "").
type PollingLimits struct {
	MaxStart, MinPoll Duration
	Keeps, PollWhy    string
}

// Polling checks start, poll_interval and request_timeout.
func (c *Check) Polling(p Polling, l PollingLimits) {
	switch {
	case p.Start <= 0:
		c.Fail("start", "%s must be positive", c.Show("start", p.Start))
	case p.Start > l.MaxStart:
		c.Fail("start", "%s is more than %s: %s", c.Show("start", p.Start), l.MaxStart, l.Keeps)
	}
	if p.PollInterval < l.MinPoll {
		c.Fail("poll_interval", "%s is less than the minimum %s%s", c.Show("poll_interval", p.PollInterval), l.MinPoll, l.PollWhy)
	}
	if p.RequestTimeout <= 0 {
		c.Fail("request_timeout", "%s must be positive", c.Show("request_timeout", p.RequestTimeout))
	}
}
