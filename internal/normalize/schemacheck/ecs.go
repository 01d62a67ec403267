package schemacheck

import (
	"fmt"
	"strings"
)

// ECS validates one ECS 9.4.0 document (nested JSON objects; dotted keys such
// as "event.kind" are accepted too) and returns every problem found, joined,
// or nil. Fields under a custom namespace ("symantec", or a dotted prefix
// such as "observer.vendor_data") are not checked. See the package comment
// for the rules.
func ECS(doc []byte, custom ...string) error {
	s, err := loadECS()
	if err != nil {
		return fmt.Errorf("schemacheck: %w", err)
	}
	m, err := decodeObject(doc)
	if err != nil {
		return fmt.Errorf("document: %w", err)
	}
	c := &ecsCheck{schema: s, custom: custom, seen: map[string]bool{}}
	c.object("", m)
	for _, name := range s.required {
		if !c.seen[name] {
			c.add(name, "required field missing")
		}
	}
	return c.err()
}

// ecsCheck is the state of one document's check.
type ecsCheck struct {
	schema *ecsSchema
	custom []string
	seen   map[string]bool // the required fields found
	problems
}

func (c *ecsCheck) object(prefix string, m map[string]any) {
	for k, v := range m {
		c.entry(join(prefix, k), v)
	}
}

// entry checks the value at a flat path: a field, or an object along the
// way to fields.
func (c *ecsCheck) entry(path string, v any) {
	if c.isCustom(path) {
		return
	}
	if f := c.schema.fields[path]; f != nil {
		c.field(path, f, v)
		return
	}
	if !c.schema.groups[path] {
		c.add(path, "unknown ECS field")
		return
	}
	switch m := v.(type) {
	case nil:
	case map[string]any:
		c.object(path, m)
	default:
		c.add(path, "expected an object (it holds ECS fields), got %s", show(v))
	}
}

func (c *ecsCheck) isCustom(path string) bool {
	for _, ns := range c.custom {
		if path == ns || strings.HasPrefix(path, ns+".") {
			return true
		}
	}
	return false
}

func (c *ecsCheck) field(path string, f *ecsField, v any) {
	if v == nil {
		return
	}
	if f.required {
		c.seen[path] = true
	}
	list, isList := v.([]any)
	switch {
	case f.typ == "nested" && !isList:
		c.add(path, "expected nested (%s), got %s", f.desc, show(v))
	case isList && !f.array:
		c.add(path, "%s field takes one value, got an array", f.typ)
	case isList:
		for _, e := range list {
			c.value(path, f, e)
		}
	default:
		c.value(path, f, v)
	}
}

// value checks one value, or one element of an array.
func (c *ecsCheck) value(path string, f *ecsField, v any) {
	switch {
	case v == nil:
	case f.check == nil: // object, or an element of nested
		m, ok := v.(map[string]any)
		if !ok {
			c.add(path, "expected an object, got %s", show(v))
		} else if f.parent {
			c.object(path, m)
		}
	case !f.check(v):
		c.add(path, "expected %s (%s), got %s", f.typ, f.desc, show(v))
	default:
		c.restrictions(path, f, v)
	}
}

// restrictions applies ECS's pattern and allowed values to a string.
func (c *ecsCheck) restrictions(path string, f *ecsField, v any) {
	s, ok := v.(string)
	switch {
	case !ok:
	case f.pattern != nil && !f.pattern.MatchString(s):
		c.add(path, "%s does not match %s", show(s), f.pattern)
	case f.allowed != nil && !f.allowed[s]:
		c.add(path, "%s is not an allowed value (want one of %s)", show(s), f.allowedList)
	}
}
