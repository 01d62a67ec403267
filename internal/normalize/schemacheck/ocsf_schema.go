package schemacheck

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck/internal/facts"
)

// ocsfSchema is the OCSF facts linked for checking: every attribute points
// at its type or object, so an event is checked without a lookup by name.
type ocsfSchema struct {
	classes  map[int64]*entity
	profiles map[string]bool
}

// entity is a class or an object.
type entity struct {
	desc        string // "class http_activity (4002)", "object url"
	categoryUID int64  // classes only
	attrs       map[string]*attribute
	required    []string
	atLeastOne  []string
	justOne     []string
}

type attribute struct {
	name     string
	isArray  bool
	object   *entity    // set for an object_t attribute
	typ      *valueType // set otherwise
	enum     map[string]bool
	enumList string // for messages
	profile  string
}

// valueType is a type dictionary entry with its limits ready to apply.
type valueType struct {
	name   string
	base   string
	desc   string // "integer 0..65535", for messages
	rng    []int64
	maxLen int
	re     *regexp.Regexp
	parse  func(string) bool // replaces the regex where Go parses better
}

// typeParsers check the types whose dictionary regex is only an
// approximation of the format.
var typeParsers = map[string]func(string) bool{
	"ip_t": func(s string) bool {
		_, err := netip.ParseAddr(s)
		return err == nil
	},
	"subnet_t": func(s string) bool {
		_, err := netip.ParsePrefix(s)
		return err == nil
	},
}

var loadOCSF = sync.OnceValues(func() (*ocsfSchema, error) {
	var f facts.OCSF
	if err := json.Unmarshal(ocsfFacts, &f); err != nil {
		return nil, fmt.Errorf("decode OCSF facts: %w", err)
	}
	return linkOCSF(f)
})

func linkOCSF(f facts.OCSF) (*ocsfSchema, error) {
	types, err := compileTypes(f.Types)
	if err != nil {
		return nil, err
	}
	objects := make(map[string]*entity, len(f.Objects))
	for name := range f.Objects {
		objects[name] = &entity{desc: "object " + name}
	}
	for name, o := range f.Objects {
		if err := objects[name].link(o.Attributes, o.Constraints, types, objects); err != nil {
			return nil, err
		}
	}
	s := &ocsfSchema{classes: make(map[int64]*entity, len(f.Classes)), profiles: map[string]bool{}}
	for uid, c := range f.Classes {
		e := &entity{desc: fmt.Sprintf("class %s (%d)", c.Name, uid), categoryUID: int64(c.CategoryUID)}
		if err := e.link(c.Attributes, c.Constraints, types, objects); err != nil {
			return nil, err
		}
		s.classes[int64(uid)] = e
	}
	for _, p := range f.Profiles {
		s.profiles[p] = true
	}
	return s, nil
}

func (e *entity) link(attrs map[string]facts.Attribute, c facts.Constraints, types map[string]*valueType, objects map[string]*entity) error {
	e.attrs = make(map[string]*attribute, len(attrs))
	for name, fa := range attrs {
		a := &attribute{name: name, isArray: fa.IsArray, profile: fa.Profile}
		if fa.Type == "object_t" {
			a.object = objects[fa.ObjectType]
		} else {
			a.typ = types[fa.Type]
		}
		if a.object == nil && a.typ == nil {
			return fmt.Errorf("%s.%s: unknown type %q (object %q)", e.desc, name, fa.Type, fa.ObjectType)
		}
		if len(fa.Enum) > 0 {
			a.enum = make(map[string]bool, len(fa.Enum))
			for _, v := range fa.Enum {
				a.enum[v] = true
			}
			a.enumList = strings.Join(fa.Enum, ", ")
		}
		if fa.Requirement == "required" {
			e.required = append(e.required, name)
		}
		e.attrs[name] = a
	}
	slices.Sort(e.required)
	e.atLeastOne, e.justOne = c.AtLeastOne, c.JustOne
	return nil
}

func compileTypes(ft map[string]facts.Type) (map[string]*valueType, error) {
	types := make(map[string]*valueType, len(ft))
	for name, t := range ft {
		vt := &valueType{name: name, base: t.Base, rng: t.Range, maxLen: t.MaxLen, parse: typeParsers[name]}
		if t.Regex != "" && vt.parse == nil {
			re, err := regexp.Compile(`^(?:` + t.Regex + `)$`)
			if err != nil {
				return nil, fmt.Errorf("type %s: %w", name, err)
			}
			vt.re = re
		}
		desc, ok := baseDesc[t.Base]
		if !ok {
			return nil, fmt.Errorf("type %s: unknown base type %q", name, t.Base)
		}
		vt.desc = vt.describe(desc)
		types[name] = vt
	}
	return types, nil
}

// baseDesc names the JSON shape of each primitive type, for messages.
var baseDesc = map[string]string{
	"string_t":  "string",
	"integer_t": "integer",
	"long_t":    "integer",
	"float_t":   "number",
	"boolean_t": "boolean",
	"json_t":    "any JSON",
}

func (t *valueType) describe(base string) string {
	switch {
	case t.name == "ip_t":
		return "IP address"
	case t.name == "subnet_t":
		return "CIDR subnet"
	case t.name == "timestamp_t":
		return "integer epoch milliseconds"
	case len(t.rng) == 2:
		return fmt.Sprintf("%s %d..%d", base, t.rng[0], t.rng[1])
	case t.re != nil:
		return base + " matching " + t.re.String()
	case t.maxLen > 0:
		return fmt.Sprintf("%s of at most %d characters", base, t.maxLen)
	}
	return base
}

// check reports whether a decoded JSON value is of the type.
func (t *valueType) check(v any) bool {
	switch t.base {
	case "string_t":
		s, ok := v.(string)
		return ok && t.checkString(s)
	case "integer_t", "long_t":
		i, ok := integer(v)
		return ok && (len(t.rng) != 2 || t.rng[0] <= i && i <= t.rng[1])
	case "float_t":
		return t.checkFloat(v)
	case "boolean_t":
		_, ok := v.(bool)
		return ok
	}
	return t.base == "json_t"
}

func (t *valueType) checkString(s string) bool {
	switch {
	case t.maxLen > 0 && utf8.RuneCountInString(s) > t.maxLen:
		return false
	case t.parse != nil:
		return t.parse(s)
	case t.re != nil:
		return t.re.MatchString(s)
	}
	return true
}

func (t *valueType) checkFloat(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	return err == nil && (len(t.rng) != 2 || float64(t.rng[0]) <= f && f <= float64(t.rng[1]))
}
