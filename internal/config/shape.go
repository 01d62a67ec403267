package config

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Messages for a value of the wrong shape show the right form, built from
// what the user wrote where that is safe: a single value written where a
// list belongs becomes that list (log_types: access -> log_types: [access]).
// Values given where a mapping belongs are not repeated (an auth: written as
// a bare token would print the token); the example is the key's usual form.

// listShape explains a value n that should have been a list of t's
// elements, for the key at path.
func (w *walker) listShape(n *yaml.Node, t reflect.Type, path string) string {
	key := keyName(path)
	elemIsMapping := t.Elem().Kind() == reflect.Struct
	switch {
	case n.Kind == yaml.ScalarNode && !elemIsMapping:
		items := strings.FieldsFunc(n.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
		if len(items) > 0 && len(items) <= 20 {
			for i, it := range items {
				items[i] = flowScalar(it)
			}
			return "expected a list, e.g. " + key + ": [" + strings.Join(items, ", ") + "]"
		}
	case n.Kind == yaml.MappingNode && elemIsMapping:
		return `expected a list: write "- " before the first key of each entry, e.g. ` +
			key + ": [" + entryForm(n, key) + "]"
	}
	what := ""
	if n.Kind == yaml.MappingNode {
		what = ", not a mapping"
	}
	if ex, ok := w.example(key); ok {
		return "expected a list" + what + ", e.g. " + key + ": " + ex
	}
	return "expected a list" + what + ", e.g. " + key + ": [a, b]"
}

// mappingShape explains a value n that should have been a mapping, for the
// key (or list entry) at path.
func (w *walker) mappingShape(n *yaml.Node, path string) string {
	what := ""
	if n.Kind == yaml.SequenceNode {
		what = ", not a list"
	}
	key := keyName(path)
	if strings.HasSuffix(path, "]") { // an entry of sources or sinks
		name := ""
		if n.Kind == yaml.ScalarNode && namePattern.MatchString(n.Value) {
			name = n.Value
		}
		return "expected a mapping" + what + ", e.g. - " + entryExample(key, name)
	}
	if ex, ok := w.example(key); ok {
		return "expected a mapping" + what + ", e.g. " + key + ": " + ex
	}
	return "expected a mapping of keys to values" + what
}

// keyName is the last key of path: "sources[0].log_types" -> "log_types",
// "sinks[2]" -> "sinks".
func keyName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

// examples are the usual forms of the keys every configuration has; each
// Kind brings those of its own keys.
var examples = map[string]string{
	"sources":     "[{name: acme-fp, type: forcepoint, ...}]",
	"sinks":       "[{name: archive, type: file, path: " + DefaultLogDir + "}]",
	"listen_auth": "{username: admin, password: ${GATELOG_LISTEN_PASSWORD}}",
	"retry":       "{attempts: 5, initial: 1s, max: 30s}",
	"lease_ttl":   "30s",
}

// example is the usual form of key, from the loader's own keys or the
// first Kind that has one.
func (w *walker) example(key string) (string, bool) {
	if ex, ok := examples[key]; ok {
		return ex, true
	}
	for _, k := range slices.Concat(w.kinds.Sources, w.kinds.Sinks) {
		if ex, ok := k.Examples[key]; ok {
			return ex, true
		}
	}
	return "", false
}

// entryExample is one source or sink entry in flow form, named name when
// the user wrote one.
func entryExample(key, name string) string {
	if key == "sinks" {
		return "{name: " + orDefault(name, "archive") + ", type: file, path: " + DefaultLogDir + "}"
	}
	return "{name: " + orDefault(name, "acme-fp") + ", type: forcepoint, auth: {token: ${FORCEPOINT_TOKEN}}}"
}

// entryForm is the mapping n as one flow entry, showing only its name and
// type (other values may be credentials).
func entryForm(n *yaml.Node, key string) string {
	var parts []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if (k.Value == "name" || k.Value == "type") && v.Kind == yaml.ScalarNode {
			parts = append(parts, k.Value+": "+flowScalar(v.Value))
		}
	}
	if len(parts) == 0 {
		return entryExample(key, "")
	}
	if len(n.Content) > 2*len(parts) {
		parts = append(parts, "...")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// plainFlow matches values that need no quotes inside [...] or {...}.
var plainFlow = regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./:@+=~-]*$`)

// flowScalar writes s as a value inside a flow collection, quoted when it
// has to be (a ${VAR} does: "{" starts a mapping there).
func flowScalar(s string) string {
	if plainFlow.MatchString(s) && !strings.HasSuffix(s, ":") {
		return s
	}
	return strconv.Quote(s)
}
