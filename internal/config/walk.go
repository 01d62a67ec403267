package config

import (
	"fmt"
	"maps"
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

	kinds Kinds
	// entries are the nodes of the sources and sinks lists, in order, and
	// the kind each names (zero when its type is missing or unknown).
	entries map[string][]entry
}

type entry struct {
	node *yaml.Node
	kind Kind
}

func newWalker(src *origin, env func(string) (string, bool), kinds Kinds) *walker {
	return &walker{
		src: src, env: env,
		done: map[*yaml.Node]bool{}, broken: map[*yaml.Node]bool{}, fromEnv: map[*yaml.Node]bool{},
		merges: map[*yaml.Node]bool{}, kinds: kinds, entries: map[string][]entry{},
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
		w.fail(n.Line, path, "%s", w.listShape(n, t, path))
		return
	}
	for i, el := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if t.Elem() == sourceType || t.Elem() == sinkType {
			w.entry(resolveAlias(el), t.Elem(), p, path)
			continue
		}
		w.value(el, t.Elem(), p)
	}
}

// entry checks one source or sink: the keys every entry has and those of
// the settings its type names. An entry whose type is missing or unknown
// keeps only name and type: Validate rejects it by its type, which is the
// useful message; its other keys belong to a schema not known here and
// would only add "unknown key" noise. Nothing is lost silently: a config
// with such an entry never loads.
func (w *walker) entry(n *yaml.Node, t reflect.Type, path, list string) {
	e := entry{node: n}
	defer func() { w.entries[list] = append(w.entries[list], e) }()
	if w.visits++; w.visits > maxVisits || isNull(n) {
		return
	}
	w.src.lines[path] = n.Line
	if n.Kind != yaml.MappingNode {
		w.fail(n.Line, path, "%s", w.mappingShape(n, path))
		return
	}
	kinds := w.listKinds(t)
	typ, ok := w.entryType(n, path)
	k, known := find(kinds, typ)
	fields := yamlFields(t)
	if !ok || !known {
		keepOnly(n, "name", "type")
	} else {
		e.kind = k
		fields = entryFields(fields, yamlFields(reflect.TypeOf(k.New()).Elem()))
		w.dropForeign(n, t, k, fields, path)
	}
	w.keys(n, t, fields, path)
}

func (w *walker) listKinds(t reflect.Type) []Kind {
	if t == sourceType {
		return w.kinds.Sources
	}
	return w.kinds.Sinks
}

// keepOnly drops every key of the mapping n but keys.
func keepOnly(n *yaml.Node, keys ...string) {
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		if slices.Contains(keys, n.Content[i].Value) {
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
	}
	n.Content = kept
}

// dropForeign removes the keys of entry n that another type of the same
// list has and its type k has not, each with one problem for Validate to
// report with the others: "cv: is a Forcepoint setting; a symantec source
// does not use it" says more than "unknown key".
func (w *walker) dropForeign(n *yaml.Node, t reflect.Type, k Kind, own fieldSet, path string) {
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := resolveAlias(n.Content[i])
		owners := w.owners(t, key.Value)
		if _, mine := own.types[key.Value]; mine || len(owners) == 0 || isMerge(key) {
			kept = append(kept, n.Content[i], n.Content[i+1])
			continue
		}
		w.src.later = append(w.src.later, &FieldError{File: w.src.file, Line: key.Line,
			Field: joinPath(path, key.Value), Msg: foreignKey(t, k, key.Value, owners)})
	}
	n.Content = kept
}

// owners are the types of t's list whose settings have key.
func (w *walker) owners(t reflect.Type, key string) []Kind {
	var out []Kind
	for _, k := range w.listKinds(t) {
		if _, ok := yamlFields(reflect.TypeOf(k.New()).Elem()).types[key]; ok {
			out = append(out, k)
		}
	}
	return out
}

func foreignKey(t reflect.Type, k Kind, key string, owners []Kind) string {
	titles := make([]string, len(owners))
	for i, o := range owners {
		titles[i] = o.title()
	}
	if t == sourceType {
		return fmt.Sprintf("is a %s setting; a %s source does not use it", strings.Join(titles, " or "), k.Type)
	}
	if len(titles) == 1 {
		return fmt.Sprintf("only %s sinks have %s %s", titles[0], article(key), key)
	}
	last := len(titles) - 1
	return fmt.Sprintf("only %s and %s sinks use %s", strings.Join(titles[:last], ", "), titles[last], key)
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		w.fail(n.Line, path, "%s", w.mappingShape(n, path))
		return
	}
	w.keys(n, t, yamlFields(t), path)
}

// keys checks the keys of the mapping n against fields.
func (w *walker) keys(n *yaml.Node, t reflect.Type, fields fieldSet, path string) {
	// Merged mappings first, so that explicit keys record their own line.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			w.merge(n.Content[i+1], t, fields, path)
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
func (w *walker) merge(v *yaml.Node, t reflect.Type, fields fieldSet, path string) {
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
			w.keys(m, t, fields, path)
			delete(w.merges, m)
		}
	}
}

// entryType expands and returns the value of the mapping's type key,
// written in the mapping or in one it merges (<<) in.
func (w *walker) entryType(n *yaml.Node, path string) (string, bool) {
	v := typeNode(n, 0)
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", false
	}
	before := len(w.errs)
	w.value(v, reflect.TypeFor[string](), joinPath(path, "type"))
	return v.Value, len(w.errs) == before
}

// typeNode finds the value of the type key: an explicit key wins over a
// merged one, as in yaml.v3. depth stops merge cycles.
func typeNode(n *yaml.Node, depth int) *yaml.Node {
	if n = resolveAlias(n); n.Kind != yaml.MappingNode || depth > 8 {
		return nil
	}
	var merged *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Value == "type" && !isMerge(k):
			return resolveAlias(v)
		case isMerge(k) && merged == nil:
			merged = mergedTypeNode(v, depth)
		}
	}
	return merged
}

func mergedTypeNode(v *yaml.Node, depth int) *yaml.Node {
	targets := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		targets = v.Content
	}
	for _, m := range targets {
		if t := typeNode(m, depth+1); t != nil {
			return t
		}
	}
	return nil
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

// entryFields lists an entry's keys as messages show them: name and type,
// the type's own keys, then the other keys every entry has.
func entryFields(common, own fieldSet) fieldSet {
	head := fieldSet{names: common.names[:2], types: common.types}
	return head.with(own).with(fieldSet{names: common.names[2:]})
}

// with is fs and then more.
func (fs fieldSet) with(more fieldSet) fieldSet {
	out := fieldSet{names: slices.Concat(fs.names, more.names), types: maps.Clone(fs.types)}
	maps.Copy(out.types, more.types)
	return out
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
