package schemacheck

import (
	"encoding/json"
	"fmt"
	"strings"
)

// OCSF validates one OCSF 1.8.0 event (a JSON object) against its class and
// returns every problem found, joined, or nil. See the package comment for
// the rules.
func OCSF(event []byte) error {
	s, err := loadOCSF()
	if err != nil {
		return fmt.Errorf("schemacheck: %w", err)
	}
	m, err := decodeObject(event)
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	c := &ocsfCheck{schema: s}
	c.event(m)
	return c.err()
}

// ocsfCheck is the state of one event's check.
type ocsfCheck struct {
	schema   *ocsfSchema
	profiles map[string]bool // the event's metadata.profiles
	problems
}

func (c *ocsfCheck) event(m map[string]any) {
	class := c.class(m)
	if class == nil {
		return // without a class no attribute can be judged
	}
	c.profiles = c.eventProfiles(m)
	c.entity("", class, m)
	c.classification(class, m)
}

func (c *ocsfCheck) class(m map[string]any) *entity {
	v := m["class_uid"]
	if v == nil {
		c.add("class_uid", "required attribute missing")
		return nil
	}
	uid, ok := integer(v)
	if !ok {
		c.add("class_uid", "expected integer_t (integer), got %s", show(v))
		return nil
	}
	class := c.schema.classes[uid]
	if class == nil {
		c.add("class_uid", "unknown class %d", uid)
	}
	return class
}

// eventProfiles reads metadata.profiles; its type is checked with the rest
// of metadata, only unknown names are reported here.
func (c *ocsfCheck) eventProfiles(m map[string]any) map[string]bool {
	md, _ := m["metadata"].(map[string]any)
	list, _ := md["profiles"].([]any)
	profiles := make(map[string]bool, len(list))
	for i, v := range list {
		p, ok := v.(string)
		if !ok {
			continue
		}
		if !c.schema.profiles[p] {
			c.add(index("metadata.profiles", i), "unknown profile %q", p)
		}
		profiles[p] = true
	}
	return profiles
}

// active reports whether an attribute is part of this event's schema: its
// own, or brought in by a profile the event names.
func (c *ocsfCheck) active(a *attribute) bool {
	return a.profile == "" || c.profiles[a.profile]
}

// entity checks an event or object m at path against class or object e.
func (c *ocsfCheck) entity(path string, e *entity, m map[string]any) {
	if len(e.attrs) == 0 {
		return // the generic "object" (unmapped): free-form
	}
	for name, v := range m {
		p := join(path, name)
		switch a := e.attrs[name]; {
		case a == nil:
			c.add(p, "unknown attribute (not in %s)", e.desc)
		case !c.active(a):
			c.add(p, "attribute of profile %q, which metadata.profiles does not name", a.profile)
		case v != nil:
			c.value(p, a, v)
		}
	}
	for _, name := range e.required {
		if c.active(e.attrs[name]) && m[name] == nil {
			c.add(join(path, name), "required attribute missing (%s)", e.desc)
		}
	}
	c.constraints(path, e, m)
}

func (c *ocsfCheck) value(path string, a *attribute, v any) {
	if !a.isArray {
		c.single(path, a, v)
		return
	}
	list, ok := v.([]any)
	if !ok {
		c.add(path, "expected an array of %s, got %s", a.kind(), show(v))
		return
	}
	for i, e := range list {
		c.single(index(path, i), a, e)
	}
}

func (c *ocsfCheck) single(path string, a *attribute, v any) {
	if a.object != nil {
		m, ok := v.(map[string]any)
		if !ok {
			c.add(path, "expected %s, got %s", a.kind(), show(v))
			return
		}
		c.entity(path, a.object, m)
		return
	}
	if !a.typ.check(v) {
		c.add(path, "expected %s (%s), got %s", a.typ.name, a.typ.desc, show(v))
		return
	}
	if a.enum != nil && !a.enum[enumKey(v)] {
		c.add(path, "%s is not a value of the %s enum (want one of %s)", show(v), a.name, a.enumList)
	}
}

func (a *attribute) kind() string {
	if a.object != nil {
		return a.object.desc
	}
	return a.typ.name
}

// enumKey renders a value as the schema writes enum keys: 99, GET.
func enumKey(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	s, _ := v.(string)
	return s
}

// classification checks the uids the class fixes: category_uid is the
// class's category, type_uid is class_uid*100 + activity_id. Their types and
// presence are checked with the other attributes.
func (c *ocsfCheck) classification(class *entity, m map[string]any) {
	if cat, ok := integer(m["category_uid"]); ok && cat != class.categoryUID {
		c.add("category_uid", "got %d, want %d for %s", cat, class.categoryUID, class.desc)
	}
	uid, _ := integer(m["class_uid"])
	activity, okA := integer(m["activity_id"])
	typ, okT := integer(m["type_uid"])
	if want := uid*100 + activity; okA && okT && typ != want {
		c.add("type_uid", "got %d, want %d (class_uid %d * 100 + activity_id %d)", typ, want, uid, activity)
	}
}

func (c *ocsfCheck) constraints(path string, e *entity, m map[string]any) {
	if n := countPresent(m, e.atLeastOne); len(e.atLeastOne) > 0 && n == 0 {
		c.add(alternatives(path, e.atLeastOne), "at least one is required (%s)", e.desc)
	}
	if n := countPresent(m, e.justOne); len(e.justOne) > 0 && n != 1 {
		c.add(alternatives(path, e.justOne), "exactly one is required, got %d (%s)", n, e.desc)
	}
}

// countPresent counts the names (dotted paths, like device.os.version) that
// are set in m.
func countPresent(m map[string]any, names []string) int {
	n := 0
	for _, name := range names {
		cur := m
		parts := strings.Split(name, ".")
		for _, p := range parts[:len(parts)-1] {
			cur, _ = cur[p].(map[string]any)
		}
		if cur[parts[len(parts)-1]] != nil {
			n++
		}
	}
	return n
}

// alternatives names the paths of a constraint: a.x|a.y.
func alternatives(path string, names []string) string {
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = join(path, n)
	}
	return strings.Join(paths, "|")
}
