package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Names become directory names, hence the conservative alphabet and the
// leading letter or digit (no ".", "..", or hidden directories).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate reports every problem in c, joined with errors.Join, each a
// *FieldError naming the field and, for parsed configs, its line. It
// expects defaults applied (Parse does; call ApplyDefaults for a Config
// built in code).
func (c *Config) Validate() error {
	v := &validator{src: c.src}
	v.top(c)
	names := map[string]string{}
	for i := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		v.name(p, c.Sources[i].Name, names)
		v.source(p, &c.Sources[i])
	}
	names = map[string]string{}
	for i := range c.Sinks {
		p := fmt.Sprintf("sinks[%d]", i)
		v.name(p, c.Sinks[i].Name, names)
		v.sink(p, &c.Sinks[i])
	}
	return errors.Join(v.errs...)
}

type validator struct {
	src  *origin
	errs []error
}

func (v *validator) fail(field, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{
		File: v.src.fileName(), Line: v.src.line(field), Field: field, Msg: fmt.Sprintf(format, args...),
	})
}

// hiddenValue stands in for values that came from the environment.
const hiddenValue = "(value from the environment not shown)"

// show formats a user value for a message (strings quoted), unless it came
// from the environment: variables may hold secrets and errors end up in
// logs.
func (v *validator) show(field string, value any) string {
	if v.src.envValue(field) {
		return hiddenValue
	}
	if s, ok := value.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(value)
}

func (v *validator) top(c *Config) {
	if c.State == "" {
		v.fail("state", "required: the path of the state database")
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || !validPort(port) {
		v.fail("listen", "%s must be host:port, e.g. %s", v.show("listen", c.Listen), DefaultListen)
	}
	if a := c.ListenAuth; (a.Username == "") != (a.Password == "") {
		v.fail("listen_auth", "set both username and password, or neither (no auth on the status page)")
	}
	if len(c.Sources) == 0 {
		v.fail("sources", "at least one source is required")
	}
}

func validPort(p string) bool {
	_, err := strconv.ParseUint(p, 10, 16)
	return err == nil
}

// name checks that the entry at p has a well-formed name not used before
// in the same list (first maps names to where they were used): each
// becomes a directory and a state key.
func (v *validator) name(p, nm string, first map[string]string) {
	field := p + ".name"
	prev, dup := first[nm]
	switch {
	case nm == "":
		v.fail(field, "required")
	case !namePattern.MatchString(nm):
		v.fail(field, "%s must match %s (it becomes a directory name)", v.show(field, nm), namePattern)
	case dup:
		v.fail(field, "%s is already used by %s", v.show(field, nm), prev)
	default:
		first[nm] = p
	}
}

func (v *validator) source(p string, s *Source) {
	switch s.Type {
	case TypeForcepoint:
		v.forcepoint(p, s)
	case TypeSymantec:
		v.symantec(p, s)
	case "":
		v.fail(p+".type", "required (allowed: %s)", strings.Join(sourceTypes, ", "))
	default:
		v.fail(p+".type", "unknown source type %s (allowed: %s)", v.show(p+".type", s.Type), strings.Join(sourceTypes, ", "))
	}
}

func (v *validator) sink(p string, s *Sink) {
	v.retry(p+".retry", s.Retry)
	switch s.Type {
	case SinkFile:
		if s.Path == "" {
			v.fail(p+".path", "required for a file sink")
		}
	case SinkStdout:
		if s.Path != "" {
			v.fail(p+".path", "only file sinks have a path")
		}
	case SinkSyslog:
		v.syslog(p, s)
	case SinkSplunkHEC, SinkElasticsearch, SinkKafka, SinkS3:
		v.remoteSink(p, s)
	case "":
		v.fail(p+".type", "required (allowed: %s)", strings.Join(sinkTypes, ", "))
	default:
		v.fail(p+".type", "unknown sink type %s (allowed: %s)", v.show(p+".type", s.Type), strings.Join(sinkTypes, ", "))
	}
}

func (v *validator) forcepoint(p string, s *Source) {
	v.symantecOnly(p, s)
	v.auth(p+".auth", s.Auth)
	v.baseURL(p+".base_url", s.BaseURL, s.Insecure)
	v.path(p+".path", s.Path)
	if s.Method != "GET" && s.Method != "POST" {
		v.fail(p+".method", "%s is not supported (allowed: GET, POST)", v.show(p+".method", s.Method))
	}
	v.logTypes(p+".log_types", s.LogTypes)
	if !cvPattern.MatchString(s.CV) {
		v.fail(p+".cv", "%s must look like N.N.N, e.g. %s", v.show(p+".cv", s.CV), DefaultCV)
	}
	v.durations(p, s, MaxStart, MinPollInterval, "Forcepoint keeps logs 30 days", "")
	if s.DailyRequestBudget < 1 || s.DailyRequestBudget > MaxDailyRequestBudget {
		v.fail(p+".daily_request_budget", "%s is out of range 1..%d", v.show(p+".daily_request_budget", s.DailyRequestBudget), MaxDailyRequestBudget)
	}
}

func (v *validator) auth(p string, a Auth) {
	hasToken, hasUser, hasPass := a.Token != "", a.Username != "", a.Password != ""
	switch {
	case hasToken && (hasUser || hasPass):
		v.fail(p, "set either token or username and password, not both")
	case hasUser && !hasPass:
		v.fail(p+".password", "required with username")
	case hasPass && !hasUser:
		v.fail(p+".username", "required with password")
	case !hasToken && !hasUser:
		v.fail(p, "set either token (OAuth) or username and password (basic auth)")
	}
}

func (v *validator) baseURL(field, raw string, insecure bool) {
	u, err := url.Parse(raw)
	if err != nil {
		v.fail(field, "not a valid URL%s", v.urlProblem(field, err))
		return
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.Opaque != "":
		v.fail(field, "%s must be an absolute http(s) URL such as %s", v.show(field, u.Redacted()), DefaultBaseURL)
	case u.User != nil:
		v.fail(field, "must not contain credentials; use auth")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		v.fail(field, "must not have a query or fragment; use path for the API path")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		v.fail(field, "plain http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https://, or set insecure: true on the source to allow it")
	}
}

// urlProblem explains a url.Parse error without the URL, which url.Error
// repeats in full and which may hold credentials.
func (v *validator) urlProblem(field string, err error) string {
	var ue *url.Error
	if v.src.envValue(field) || !errors.As(err, &ue) {
		return ""
	}
	return ": " + ue.Err.Error()
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *validator) path(field, p string) {
	switch {
	case !strings.HasPrefix(p, "/"):
		v.fail(field, "%s must start with /", v.show(field, p))
	case strings.ContainsAny(p, "?#"):
		v.fail(field, "must not contain ? or #: gatelog adds the query itself")
	}
}

func (v *validator) logTypes(p string, types []string) {
	if len(types) == 0 {
		v.fail(p, "at least one log type is required (leave log_types out to collect the default %d)", len(forcepointLogTypes))
		return
	}
	allowed := allForcepointTypes()
	first := map[string]int{}
	for i, t := range types {
		field := fmt.Sprintf("%s[%d]", p, i)
		j, dup := first[t]
		switch {
		case !slices.Contains(allowed, t):
			v.fail(field, "%s is not a Forcepoint log type (allowed: %s)%s", v.show(field, t), strings.Join(allowed, ", "), v.didYouMean(field, t, allowed))
		case dup:
			v.fail(field, "%s is listed twice (first as %s[%d])", v.show(field, t), p, j)
		default:
			first[t] = i
		}
	}
}

// didYouMean suggests a close candidate, except for values from the
// environment: a suggestion would hint at the hidden value.
func (v *validator) didYouMean(field, word string, candidates []string) string {
	if v.src.envValue(field) {
		return ""
	}
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// durations checks start, poll_interval and request_timeout; keeps says
// how long the vendor keeps logs, minPoll and pollWhy what the least poll
// interval is and why.
func (v *validator) durations(p string, s *Source, maxStart, minPoll Duration, keeps, pollWhy string) {
	start, poll, timeout := p+".start", p+".poll_interval", p+".request_timeout"
	switch {
	case s.Start <= 0:
		v.fail(start, "%s must be positive", v.show(start, s.Start))
	case s.Start > maxStart:
		v.fail(start, "%s is more than %s: %s", v.show(start, s.Start), maxStart, keeps)
	}
	if s.PollInterval < minPoll {
		v.fail(poll, "%s is less than the minimum %s%s", v.show(poll, s.PollInterval), minPoll, pollWhy)
	}
	if s.RequestTimeout <= 0 {
		v.fail(timeout, "%s must be positive", v.show(timeout, s.RequestTimeout))
	}
}
