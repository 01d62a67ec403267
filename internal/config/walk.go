package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	configType   = reflect.TypeFor[Config]()
	sourceType   = reflect.TypeFor[Source]()
	sinkType     = reflect.TypeFor[Sink]()
	durationType = reflect.TypeFor[Duration]()
)

// maxVisits bounds the work aliases can cause: a few anchors referencing
// each other can otherwise make a small file expand exponentially.
const maxVisits = 100000

// walker checks the node tree against the Go types before decoding, because
// only the tree knows lines: it reports unknown and duplicate keys, values
// of the wrong shape, and expands ${VAR} in scalar values in place.
type walker struct {
	src     *origin
	env     func(string) (string, bool)
	errs    []error
	done    map[*yaml.Node]bool // scalars already expanded (aliases share nodes)
	broken  map[*yaml.Node]bool // scalars whose expansion failed
	fromEnv map[*yaml.Node]bool // scalars that got a value from ${VAR}
	merges  map[*yaml.Node]bool // merge chain being walked, to stop cycles
	visits  int
}

func newWalker(src *origin, env func(string) (string, bool)) *walker {
	return &walker{
		src: src, env: env,
		done: map[*yaml.Node]bool{}, broken: map[*yaml.Node]bool{}, fromEnv: map[*yaml.Node]bool{},
		merges: map[*yaml.Node]bool{},
	}
}

func (w *walker) fail(line int, field, format string, args ...any) {
	w.errs = append(w.errs, &FieldError{File: w.src.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// value checks node n, which is to be decoded into a value of type t found
// at path.
func (w *walker) value(n *yaml.Node, t reflect.Type, path string) {
	if w.visits++; w.visits > maxVisits {
		if w.visits == maxVisits+1 {
			w.fail(n.Line, "", "too many aliases: the configuration expands to more than %d values", maxVisits)
		}
		return
	}
	n = resolveAlias(n)
	w.src.lines[path] = n.Line
	switch {
	case t == durationType || t.Kind() != reflect.Struct && t.Kind() != reflect.Slice:
		w.scalar(n, t, path)
	case t.Kind() == reflect.Struct:
		w.mapping(n, t, path)
	default:
		w.sequence(n, t, path)
	}
}

func (w *walker) sequence(n *yaml.Node, t reflect.Type, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		w.fail(n.Line, path, "%s", listShape(n, t, path))
		return
	}
	for i, el := range n.Content {
		w.value(el, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
	}
}

func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		w.fail(n.Line, path, "%s", mappingShape(n, path))
		return
	}
	if t == sourceType || t == sinkType {
		w.dropKeysOfUnsupportedType(n, t, path)
	}
	fields := yamlFields(t)
	// Merged mappings first, so that explicit keys record their own line.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			w.merge(n.Content[i+1], t, path)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			continue
		}
		w.key(k, v, fields, seen, path)
	}
}

func (w *walker) key(k, v *yaml.Node, fields fieldSet, seen map[string]int, path string) {
	k = resolveAlias(k)
	if k.Kind != yaml.ScalarNode {
		w.fail(k.Line, path, "keys must be plain words, got %s", kindName(k))
		return
	}
	if first, dup := seen[k.Value]; dup {
		w.fail(k.Line, joinPath(path, k.Value), "duplicate key %q %s (first at line %d)", k.Value, blockName(path), first)
		return
	}
	seen[k.Value] = k.Line
	ft, ok := fields.types[k.Value]
	if !ok {
		w.unknownKey(k, path, fields.names)
		return
	}
	child := joinPath(path, k.Value)
	w.value(v, ft, child)
	// The key's line, not the value's: for a block mapping or list the
	// value starts a line later, and "auth:" is what the user looks for.
	w.src.lines[child] = k.Line
}

func (w *walker) unknownKey(k *yaml.Node, path string, allowed []string) {
	msg := fmt.Sprintf("unknown key %q %s", k.Value, blockName(path))
	if s := suggest(k.Value, allowed); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	msg += "; allowed keys: " + strings.Join(allowed, ", ")
	w.errs = append(w.errs, &FieldError{File: w.src.file, Line: k.Line, Field: joinPath(path, k.Value), Msg: msg, bare: true})
}

// merge walks the mappings a "<<" key pulls in, as if written in place.
// Like yaml.v3, it takes a mapping, an alias of one, or a list of those.
func (w *walker) merge(v *yaml.Node, t reflect.Type, path string) {
	targets := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		targets = v.Content
	}
	for _, m := range targets {
		m = resolveAlias(m)
		switch {
		case m.Kind != yaml.MappingNode:
			w.fail(m.Line, path, "merge (<<) needs a mapping or a list of mappings, got %s", kindName(m))
		case w.merges[m]:
			w.fail(m.Line, path, "merge (<<) refers to itself")
		default:
			w.merges[m] = true
			w.mapping(m, t, path)
			delete(w.merges, m)
		}
	}
}

// dropKeysOfUnsupportedType keeps only name and type of a source or sink
// whose type gatelog cannot use (yet). Validate rejects such an entry by its
// type, which is the useful message; its other keys belong to a schema not
// implemented here and would only add "unknown key" noise. Nothing is lost
// silently: a config with such an entry never loads.
func (w *walker) dropKeysOfUnsupportedType(n *yaml.Node, t reflect.Type, path string) {
	typ, ok := w.entryType(n, path)
	if !ok || typ == "" || supportedType(t, typ) {
		return
	}
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k == "name" || k == "type" {
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
	}
	n.Content = kept
}

// entryType expands and returns the value of the mapping's type key.
func (w *walker) entryType(n *yaml.Node, path string) (string, bool) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "type" {
			continue
		}
		v := resolveAlias(n.Content[i+1])
		if v.Kind != yaml.ScalarNode {
			return "", false
		}
		before := len(w.errs)
		w.value(v, reflect.TypeFor[string](), joinPath(path, "type"))
		return v.Value, len(w.errs) == before
	}
	return "", false
}

func supportedType(t reflect.Type, typ string) bool {
	if t == sourceType {
		return slices.Contains(sourceTypes, typ)
	}
	return slices.Contains(sinkTypes, typ)
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag == "!!merge"
}

// scalar expands ${VAR} in n and checks that the result decodes into t, so
// that type errors carry the field path and never an expanded value.
func (w *walker) scalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.fail(n.Line, path, "expected a single value, got %s", kindName(n))
		return
	}
	if !w.expandOnce(n, path) {
		return
	}
	fromEnv := w.fromEnv[n]
	if fromEnv {
		w.src.fromEnv[path] = true
	}
	if isNull(n) {
		return
	}
	switch {
	case t.Kind() == reflect.String && fromEnv:
		// Whatever the variable holds ("true", "0x1F", "~") is text.
		n.Tag = "!!str"
	case t.Kind() != reflect.String:
		// Numbers, booleans and durations: quotes do not matter, so
		// daily_request_budget: "${BUDGET}" works.
		n.Tag, n.Style = "", 0
	}
	w.checkType(n, t, path, fromEnv)
}

// expandOnce expands n the first time it is seen; aliases share nodes, and
// expanding twice would turn "$${X}" into the value of X. It reports
// whether n is usable.
func (w *walker) expandOnce(n *yaml.Node, path string) bool {
	if w.done[n] {
		return !w.broken[n]
	}
	w.done[n] = true
	v, changed, err := expandEnv(n.Value, w.env)
	if err != nil {
		w.broken[n] = true
		w.fail(n.Line, path, "%s", err)
		return false
	}
	if changed {
		n.Value = v
		w.fromEnv[n] = true
	}
	return true
}

func (w *walker) checkType(n *yaml.Node, t reflect.Type, path string, fromEnv bool) {
	shown := strconv.Quote(n.Value)
	if fromEnv {
		shown = hiddenValue
	}
	if t == durationType {
		if _, err := parseDuration(n.Value); err != nil {
			w.fail(n.Line, path, "invalid duration %s: %s", shown, durationHint)
		}
		return
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		w.fail(n.Line, path, "expected %s, got %s", typeName(t), shown)
	}
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	default:
		return "text"
	}
}

// fieldSet is the yaml keys of a struct, in declaration order (the order
// the docs use) and by name.
type fieldSet struct {
	names []string
	types map[string]reflect.Type
}

func yamlFields(t reflect.Type) fieldSet {
	fs := fieldSet{types: map[string]reflect.Type{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			fs.names = append(fs.names, name)
			fs.types[name] = f.Type
		}
	}
	return fs
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// blockName says where a key is, for messages.
func blockName(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}
