package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck/internal/facts"
)

// raw is one decoded schema JSON object.
type raw = map[string]any

// derivedEnums are the attributes whose enum the OCSF compiler replaces with
// values computed from the class (its own uid, its category, its activities):
// the source enums ({"0": "Base Event"}) would be wrong, and the checker
// tests these three against the class directly.
var derivedEnums = []string{"class_uid", "category_uid", "type_uid"}

// ocsfSource reads one OCSF source tree. It follows the OCSF server's
// compiler (ocsf-server lib/schema): includes first, then inheritance, then
// the dictionary under each attribute, then the synthetic datetime profile.
type ocsfSource struct {
	dir      string
	dict     raw            // dictionary.json attributes
	types    raw            // dictionary.json types.attributes
	included map[string]raw // attributes of each $include file, profile-tagged
}

func buildOCSF(dir string) (facts.OCSF, error) {
	s := &ocsfSource{dir: dir, included: map[string]raw{}}
	dictionary, err := readJSON(filepath.Join(dir, "dictionary.json"))
	if err != nil {
		return facts.OCSF{}, err
	}
	s.dict = obj(dictionary["attributes"])
	s.types = obj(obj(dictionary["types"])["attributes"])
	out := facts.OCSF{Version: ocsfVers}
	if out.Types, err = s.compileTypes(); err != nil {
		return facts.OCSF{}, err
	}
	if out.Categories, err = readCategories(filepath.Join(dir, "categories.json")); err != nil {
		return facts.OCSF{}, err
	}
	if out.Profiles, err = profileNames(filepath.Join(dir, "profiles")); err != nil {
		return facts.OCSF{}, err
	}
	objectDefs, err := s.readDefs("objects")
	if err != nil {
		return facts.OCSF{}, err
	}
	classDefs, err := s.readDefs("events")
	if err != nil {
		return facts.OCSF{}, err
	}
	if out.Objects, err = s.buildObjects(objectDefs); err != nil {
		return facts.OCSF{}, err
	}
	if out.Classes, err = s.buildClasses(classDefs, out.Categories); err != nil {
		return facts.OCSF{}, err
	}
	if err := s.addObservableTypes(out.Objects, objectDefs, classDefs); err != nil {
		return facts.OCSF{}, err
	}
	return out, checkObjectRefs(out)
}

func (s *ocsfSource) compileTypes() (map[string]facts.Type, error) {
	out := make(map[string]facts.Type, len(s.types))
	for name, v := range s.types {
		t := obj(v)
		ft := facts.Type{Base: str(t["type"]), Regex: str(t["regex"])}
		if ft.Base == "" {
			ft.Base = name
		}
		if n, ok := t["max_len"].(float64); ok {
			ft.MaxLen = int(n)
		}
		if r, ok := t["range"].([]any); ok {
			for _, n := range r {
				f, ok := n.(float64)
				if !ok || len(r) != 2 {
					return nil, fmt.Errorf("type %s: range %v is not two numbers", name, r)
				}
				ft.Range = append(ft.Range, int64(f))
			}
		}
		// The checker compiles these with Go's regexp: fail here, not there.
		if _, err := regexp.Compile(ft.Regex); err != nil {
			return nil, fmt.Errorf("type %s: %w", name, err)
		}
		out[name] = ft
	}
	return out, nil
}

func readCategories(path string) (map[string]int, error) {
	c, err := readJSON(path)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for name, v := range obj(c["attributes"]) {
		uid, ok := obj(v)["uid"].(float64)
		if !ok {
			return nil, fmt.Errorf("category %s has no uid", name)
		}
		out[name] = int(uid)
	}
	return out, nil
}

func profileNames(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	var names []string
	for _, f := range files {
		p, err := readJSON(f)
		if err != nil {
			return nil, err
		}
		names = append(names, str(p["name"]))
	}
	slices.Sort(names)
	return names, nil
}

func (s *ocsfSource) buildObjects(defs map[string]raw) (map[string]facts.Object, error) {
	out := map[string]facts.Object{}
	for name, def := range defs {
		if strings.HasPrefix(name, "_") {
			continue // abstract: only its children are used
		}
		var err error
		o := facts.Object{}
		if o.Attributes, err = s.compileAttrs(obj(def["attributes"])); err != nil {
			return nil, fmt.Errorf("object %s: %w", name, err)
		}
		if o.Constraints, err = constraints(def["constraints"]); err != nil {
			return nil, fmt.Errorf("object %s: %w", name, err)
		}
		out[name] = o
	}
	return out, nil
}

func (s *ocsfSource) buildClasses(defs map[string]raw, categories map[string]int) (map[int]facts.Class, error) {
	out := map[int]facts.Class{}
	for name, def := range defs {
		uid, concrete := def["uid"].(float64)
		if !concrete && name != "base_event" {
			continue // a category's parent class: only its children are used
		}
		c, err := s.compileClass(name, def, categories)
		if err != nil {
			return nil, fmt.Errorf("class %s: %w", name, err)
		}
		classUID := c.CategoryUID*1000 + int(uid)
		if prev, dup := out[classUID]; dup {
			return nil, fmt.Errorf("classes %s and %s share class_uid %d", prev.Name, name, classUID)
		}
		out[classUID] = c
	}
	return out, nil
}

func (s *ocsfSource) compileClass(name string, def raw, categories map[string]int) (facts.Class, error) {
	cat := str(def["category"])
	catUID, ok := categories[cat]
	if !ok && cat != "other" { // "other" is OCSF's uncategorized 0
		return facts.Class{}, fmt.Errorf("unknown category %q", cat)
	}
	attrs, err := s.compileAttrs(obj(def["attributes"]))
	if err != nil {
		return facts.Class{}, err
	}
	for _, n := range derivedEnums {
		if a, ok := attrs[n]; ok {
			a.Enum = nil
			attrs[n] = a
		}
	}
	cons, err := constraints(def["constraints"])
	return facts.Class{Name: name, CategoryUID: catUID, Attributes: attrs, Constraints: cons}, err
}

// readDefs reads every class or object file under sub, resolves its
// $includes, then its extends chain, and returns them by name.
func (s *ocsfSource) readDefs(sub string) (map[string]raw, error) {
	defs := map[string]raw{}
	err := filepath.WalkDir(filepath.Join(s.dir, sub), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		def, err := readJSON(path)
		if err != nil {
			return err
		}
		if def, err = s.resolveIncludes(def); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		name := str(def["name"])
		if _, dup := defs[name]; dup || name == "" {
			return fmt.Errorf("%s: missing or duplicate name %q", path, name)
		}
		defs[name] = def
		return nil
	})
	if err != nil {
		return nil, err
	}
	resolved := make(map[string]raw, len(defs))
	for name := range defs {
		if _, err := resolveExtends(defs, resolved, name, nil); err != nil {
			return nil, err
		}
	}
	return resolved, nil
}

// resolveIncludes merges the attributes of each $include file under the
// definition's own attributes, which win; an earlier include wins over a
// later one, as in the OCSF compiler.
func (s *ocsfSource) resolveIncludes(def raw) (raw, error) {
	attrs := obj(def["attributes"])
	var files []string
	switch inc := attrs["$include"].(type) {
	case nil:
		return def, nil
	case string:
		files = []string{inc}
	case []any:
		for _, f := range inc {
			files = append(files, str(f))
		}
	}
	attrs = maps.Clone(attrs)
	delete(attrs, "$include")
	for _, f := range files {
		inc, err := s.include(f)
		if err != nil {
			return nil, err
		}
		attrs = deepMerge(inc, attrs).(raw)
	}
	def = maps.Clone(def)
	def["attributes"] = attrs
	return def, nil
}

// include returns the attributes of an included file; a profile's attributes
// are tagged with the profile's name, which is what makes them conditional.
func (s *ocsfSource) include(file string) (raw, error) {
	if attrs, ok := s.included[file]; ok {
		return attrs, nil
	}
	f, err := readJSON(filepath.Join(s.dir, file))
	if err != nil {
		return nil, err
	}
	attrs := raw{}
	for name, a := range obj(f["attributes"]) {
		a := maps.Clone(obj(a))
		if f["meta"] == "profile" {
			a["profile"] = f["name"]
		}
		attrs[name] = a
	}
	s.included[file] = attrs
	return attrs, nil
}

// resolveExtends merges a definition over its resolved parent: attributes
// deep-merged (the child's settings win, "profile": null makes a profile
// attribute the class's own, an attribute set to null is removed), every
// other key (category, constraints, uid) taken from the child when it has one.
func resolveExtends(defs, resolved map[string]raw, name string, chain []string) (raw, error) {
	if r, ok := resolved[name]; ok {
		return r, nil
	}
	def, ok := defs[name]
	if !ok {
		return nil, fmt.Errorf("%s extends undefined %q", strings.Join(chain, " -> "), name)
	}
	if slices.Contains(chain, name) {
		return nil, fmt.Errorf("extends cycle: %s -> %s", strings.Join(chain, " -> "), name)
	}
	parentName := str(def["extends"])
	if parentName == "" {
		resolved[name] = def
		return def, nil
	}
	parent, err := resolveExtends(defs, resolved, parentName, append(chain, name))
	if err != nil {
		return nil, err
	}
	merged := maps.Clone(parent)
	maps.Copy(merged, def)
	// Cloned: deepMerge may hand back the parent's own map.
	attrs := maps.Clone(deepMerge(obj(parent["attributes"]), obj(def["attributes"])).(raw))
	maps.DeleteFunc(attrs, func(_ string, v any) bool { return v == nil })
	merged["attributes"] = attrs
	resolved[name] = merged
	return merged, nil
}

// compileAttrs lays each attribute over its dictionary entry and adds the
// datetime profile's <name>_dt twin of every timestamp_t attribute.
func (s *ocsfSource) compileAttrs(attrs raw) (map[string]facts.Attribute, error) {
	out := make(map[string]facts.Attribute, len(attrs))
	twins := map[string]facts.Attribute{}
	for name, v := range attrs {
		d, ok := s.dict[name].(raw)
		if !ok {
			return nil, fmt.Errorf("attribute %s is not in the dictionary", name)
		}
		m := deepMerge(d, obj(v)).(raw)
		a, err := s.attribute(m)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		out[name] = a
		if d["type"] == "timestamp_t" {
			a.Type, a.Profile, a.Requirement = "datetime_t", "datetime", ""
			twins[name+"_dt"] = a
		}
	}
	maps.Copy(out, twins)
	return out, nil
}

func (s *ocsfSource) attribute(m raw) (facts.Attribute, error) {
	typ := str(m["type"])
	if typ == "" {
		return facts.Attribute{}, errors.New("no type")
	}
	a := facts.Attribute{Type: typ, IsArray: m["is_array"] == true, Profile: str(m["profile"])}
	if _, primitive := s.types[typ]; !primitive {
		a.Type, a.ObjectType = "object_t", typ
	}
	switch r := str(m["requirement"]); r {
	case "required", "recommended":
		a.Requirement = r
	case "", "optional":
	default:
		return facts.Attribute{}, fmt.Errorf("unknown requirement %q", r)
	}
	a.Enum = enumKeys(obj(m["enum"]))
	return a, nil
}

// enumKeys sorts numeric keys by value, then the others (http_method's GET).
func enumKeys[V any](enum map[string]V) []string {
	keys := slices.Collect(maps.Keys(enum))
	slices.SortFunc(keys, func(a, b string) int {
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		switch {
		case errA == nil && errB == nil:
			return x - y
		case errA == nil:
			return -1
		case errB == nil:
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

func constraints(v any) (facts.Constraints, error) {
	var c facts.Constraints
	for kind, names := range obj(v) {
		all, ok := names.([]any)
		if !ok {
			return c, fmt.Errorf("constraint %s is not a list", kind)
		}
		var list []string
		for _, n := range all {
			list = append(list, str(n))
		}
		switch kind {
		case "at_least_one":
			c.AtLeastOne = list
		case "just_one":
			c.JustOne = list
		default:
			return c, fmt.Errorf("unknown constraint %q", kind)
		}
	}
	return c, nil
}

// addObservableTypes completes the observable object's type_id enum, which
// the source leaves at Unknown and Other: the OCSF compiler adds the
// "observable" id of every type, dictionary attribute, object and class or
// object attribute that declares one (2 for ip_t, ...).
func (s *ocsfSource) addObservableTypes(objects map[string]facts.Object, defs ...map[string]raw) error {
	typeID, ok := objects["observable"].Attributes["type_id"]
	if !ok {
		return errors.New("no observable.type_id to complete")
	}
	ids := map[string]bool{}
	for _, id := range typeID.Enum {
		ids[id] = true
	}
	addID := func(def any) {
		if n, ok := obj(def)["observable"].(float64); ok {
			ids[strconv.Itoa(int(n))] = true
		}
	}
	for _, m := range []raw{s.types, s.dict} {
		for _, def := range m {
			addID(def)
		}
	}
	for _, d := range defs {
		for _, def := range d {
			addID(def)
			for _, a := range obj(def["attributes"]) {
				addID(a)
			}
		}
	}
	typeID.Enum = enumKeys(ids)
	objects["observable"].Attributes["type_id"] = typeID
	return nil
}

// checkObjectRefs makes sure every object an attribute names was written.
func checkObjectRefs(o facts.OCSF) error {
	check := func(owner string, attrs map[string]facts.Attribute) error {
		for name, a := range attrs {
			if _, ok := o.Objects[a.ObjectType]; a.ObjectType != "" && !ok {
				return fmt.Errorf("%s.%s: unknown object %q", owner, name, a.ObjectType)
			}
		}
		return nil
	}
	for name, object := range o.Objects {
		if err := check(name, object.Attributes); err != nil {
			return err
		}
	}
	for _, c := range o.Classes {
		if err := check(c.Name, c.Attributes); err != nil {
			return err
		}
	}
	return nil
}

// deepMerge lays r over l: maps merge key by key, anything else in r
// replaces l; an empty map on either side yields the other, as in the OCSF
// compiler. Neither input is modified.
func deepMerge(l, r any) any {
	lm, lok := l.(raw)
	rm, rok := r.(raw)
	if !lok || !rok {
		return r
	}
	if len(lm) == 0 {
		return rm
	}
	if len(rm) == 0 {
		return lm
	}
	out := maps.Clone(lm)
	for k, v := range rm {
		if lv, ok := out[k]; ok {
			out[k] = deepMerge(lv, v)
		} else {
			out[k] = v
		}
	}
	return out
}

func readJSON(path string) (raw, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read schema file: %w", err)
	}
	var m raw
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return m, nil
}

// obj and str read a decoded value, treating anything else as empty: the
// schema files are trusted input and every real gap is caught further on.
func obj(v any) raw {
	m, _ := v.(raw)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
