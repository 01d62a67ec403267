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
	"time"
	"unicode"
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
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		v.name(p, s.Name, names)
		v.entry(p, "source", s.Type, s.Settings, c.kinds.Sources)
		v.tenant(p+".tenant", s.Tenant)
		v.route(p+".sinks", s.Sinks, c.Sinks)
	}
	names = map[string]string{}
	for i, s := range c.Sinks {
		p := fmt.Sprintf("sinks[%d]", i)
		v.name(p, s.Name, names)
		v.retry(p+".retry", s.Retry)
		v.entry(p, "sink", s.Type, s.Settings, c.kinds.Sinks)
		v.schema(p+".schema", s.Schema, s.Settings, c.kinds.Schemas)
	}
	if c.src != nil {
		v.errs = append(v.errs, c.src.later...)
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
	if u, err := url.Parse(c.State); StateIsDatabase(c.State) && (err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "") {
		v.fail("state", "a database must be a URL such as postgres://gatelog@db.example:5432/gatelog?sslmode=verify-full (the password from ${VAR} or PGPASSWORD)")
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
	if d := c.LeaseTTL.Std(); d != 0 && (d < MinLeaseTTL || d > time.Hour) {
		v.fail("lease_ttl", "%s is out of range: between %s and 1h (default %s with a database): a dead instance's streams wait this long before another takes them over",
			c.LeaseTTL, Duration(MinLeaseTTL), Duration(DefaultDatabaseLeaseTTL))
	}
	if n := c.MaxBatchesInFlight; n < 0 || n > maxBatchesInFlight {
		v.fail("max_batches_in_flight", "%d is out of range: between 1 and %d, or leave it out for no limit", n, maxBatchesInFlight)
	}
}

// maxBatchesInFlight: beyond it the limit bounds nothing a machine has.
const maxBatchesInFlight = 100000

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

// entry checks the type of the source or sink (what) at p and hands its
// settings to their own Validate.
func (v *validator) entry(p, what, typ string, s Settings, kinds []Kind) {
	allowed := strings.Join(types(kinds), ", ")
	_, known := find(kinds, typ)
	switch {
	case typ == "":
		v.fail(p+".type", "required (allowed: %s)", allowed)
	case !known:
		v.fail(p+".type", "unknown %s type %s (allowed: %s)", what, v.show(p+".type", typ), allowed)
	case s != nil:
		s.Validate(&Check{v: v, at: p})
	}
}

// tenant checks a source's tenant: any text a record can carry, short and
// without control characters.
func (v *validator) tenant(field, t string) {
	switch {
	case len(t) > 128:
		v.fail(field, "is longer than 128 bytes")
	case strings.ContainsFunc(t, unicode.IsControl):
		v.fail(field, "must not contain control characters")
	}
}

// route checks that a source's sinks name configured sinks, once each.
func (v *validator) route(field string, route []string, sinks []Sink) {
	if route != nil && len(route) == 0 {
		v.fail(field, "name at least one sink (leave sinks out to deliver to all)")
	}
	var known []string
	for _, s := range sinks {
		known = append(known, s.Name)
	}
	seen := map[string]bool{}
	for i, name := range route {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !slices.Contains(known, name):
			v.fail(f, "%s is not a configured sink (sinks: %s)%s", v.show(f, name), strings.Join(known, ", "), v.didYouMean(f, name, known))
		case seen[name]:
			v.fail(f, "%s is listed twice", v.show(f, name))
		}
		seen[name] = true
	}
}

// schema checks a sink's schema against those gatelog writes and those its
// settings can take.
func (v *validator) schema(field, schema string, s Settings, all []string) {
	if len(all) == 0 && schema == "" {
		return
	}
	if !slices.Contains(all, schema) {
		v.fail(field, "%s is not a schema gatelog writes (allowed: %s)%s", v.show(field, schema), strings.Join(all, ", "), v.didYouMean(field, schema, all))
		return
	}
	if l, ok := s.(SchemaLimited); ok {
		if allowed, why := l.Schemas(); !slices.Contains(allowed, schema) {
			v.fail(field, "%s cannot be written here (allowed: %s): %s", v.show(field, schema), strings.Join(allowed, ", "), why)
		}
	}
}

func (v *validator) retry(p string, r Retry) {
	if r.Attempts < 1 || r.Attempts > 100 {
		v.fail(p+".attempts", "%s is out of range 1..100", v.show(p+".attempts", r.Attempts))
	}
	if r.Initial <= 0 || r.Max < r.Initial {
		v.fail(p, "initial must be positive and max at least initial")
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
