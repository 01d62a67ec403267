package schemacheck

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck/internal/facts"
)

// ecsSchema is the ECS field list ready for checking.
type ecsSchema struct {
	fields map[string]*ecsField
	// groups holds every proper prefix of a field name (event, source.geo):
	// a document may nest objects along them.
	groups   map[string]bool
	required []string
}

type ecsField struct {
	*ecsType
	typ         string
	array       bool
	allowed     map[string]bool
	allowedList string // for messages
	pattern     *regexp.Regexp
	// parent is set for an object or nested field that ECS gives subfields
	// (log.syslog.priority): its content is checked field by field.
	parent   bool
	required bool
}

// ecsType is how one Elasticsearch field type takes JSON values.
type ecsType struct {
	desc string
	// multi marks the types that take arrays whatever ECS's normalize says:
	// the string types, and nested, whose value is one.
	multi bool
	// check judges one value; nil for object and nested, which the walker
	// descends into instead.
	check func(any) bool
}

var ecsTypes = map[string]*ecsType{
	"keyword":          {desc: "string", multi: true, check: isString},
	"wildcard":         {desc: "string", multi: true, check: isString},
	"text":             {desc: "string", multi: true, check: isString},
	"match_only_text":  {desc: "string", multi: true, check: isString},
	"constant_keyword": {desc: "string", check: isString},
	"long":             {desc: "64-bit integer", check: signed(64)},
	"integer":          {desc: "32-bit integer", check: signed(32)},
	"short":            {desc: "16-bit integer", check: signed(16)},
	"byte":             {desc: "8-bit integer", check: signed(8)},
	"unsigned_long":    {desc: "unsigned 64-bit integer", check: isUnsigned},
	"float":            {desc: "number", check: isNumber},
	"half_float":       {desc: "number", check: isNumber},
	"scaled_float":     {desc: "number", check: isNumber},
	"double":           {desc: "number", check: isNumber},
	"boolean":          {desc: "boolean", check: isBool},
	"date":             {desc: "RFC 3339 string or integer epoch milliseconds", check: isDate},
	"ip":               {desc: "IP address string", check: isIP},
	"flattened":        {desc: "object", check: isObject},
	"geo_point":        {desc: `object {"lat", "lon"}`, check: isGeoPoint},
	"object":           {desc: "object"},
	"nested":           {desc: "array of objects", multi: true},
}

var loadECS = sync.OnceValues(func() (*ecsSchema, error) {
	var f facts.ECS
	if err := json.Unmarshal(ecsFacts, &f); err != nil {
		return nil, fmt.Errorf("decode ECS facts: %w", err)
	}
	return linkECS(f)
})

func linkECS(f facts.ECS) (*ecsSchema, error) {
	s := &ecsSchema{fields: make(map[string]*ecsField, len(f.Fields)), groups: map[string]bool{}}
	for name, ff := range f.Fields {
		field, err := newECSField(ff)
		if err != nil {
			return nil, fmt.Errorf("ECS field %s: %w", name, err)
		}
		s.fields[name] = field
		if field.required {
			s.required = append(s.required, name)
		}
		for i, r := range name {
			if r == '.' {
				s.groups[name[:i]] = true
			}
		}
	}
	slices.Sort(s.required)
	for g := range s.groups {
		if f := s.fields[g]; f != nil {
			f.parent = true
		}
	}
	return s, nil
}

func newECSField(ff facts.Field) (*ecsField, error) {
	t := ecsTypes[ff.Type]
	if t == nil {
		return nil, fmt.Errorf("unknown type %q", ff.Type)
	}
	f := &ecsField{ecsType: t, typ: ff.Type, array: ff.Array || t.multi, required: ff.Required}
	if ff.Pattern != "" {
		re, err := regexp.Compile(ff.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pattern: %w", err)
		}
		f.pattern = re
	}
	if len(ff.Allowed) > 0 {
		f.allowed = make(map[string]bool, len(ff.Allowed))
		for _, v := range ff.Allowed {
			f.allowed[v] = true
		}
		f.allowedList = strings.Join(ff.Allowed, ", ")
	}
	return f, nil
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isBool(v any) bool {
	_, ok := v.(bool)
	return ok
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func isNumber(v any) bool {
	_, ok := number(v)
	return ok
}

// number reads a finite JSON number.
func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	return f, err == nil
}

func signed(bits int) func(any) bool {
	return func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(n.String(), 10, bits)
		return err == nil
	}
}

func isUnsigned(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := strconv.ParseUint(n.String(), 10, 64)
	return err == nil
}

// isDate takes what Elasticsearch's default date format
// (strict_date_optional_time||epoch_millis) takes from a JSON producer: an
// RFC 3339 string or an integer of epoch milliseconds.
func isDate(v any) bool {
	if s, ok := v.(string); ok {
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	}
	_, ok := integer(v)
	return ok
}

// isIP takes an IPv4 or IPv6 address without a zone, which Elasticsearch's
// ip type rejects.
func isIP(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

func isGeoPoint(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 {
		return false
	}
	lat, okLat := number(m["lat"])
	lon, okLon := number(m["lon"])
	return okLat && okLon && math.Abs(lat) <= 90 && math.Abs(lon) <= 180
}
