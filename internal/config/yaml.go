package config

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseDocument parses data into the node of its single document. It returns
// nil for an empty file (or one with only comments), which Validate then
// rejects for having no sources.
func parseDocument(data []byte, file string) (*yaml.Node, error) {
	dec, doc, err := decodeFirst(data)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		// DESIGN's own example writes auth: {token: ${FORCEPOINT_TOKEN}},
		// which YAML rejects. Accept it by quoting whole-value ${VAR}s, but
		// only when the file does not parse as written, so a valid file is
		// never rewritten; lines stay where they were.
		fixed := quoteEnvScalars(data)
		if bytes.Equal(fixed, data) {
			return nil, syntaxError(data, file, err)
		}
		if dec, doc, err = decodeFirst(fixed); err != nil {
			return nil, syntaxError(data, file, err)
		}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			line = 0
		}
		return nil, &FieldError{File: file, Line: line,
			Msg: "more than one YAML document (---); put the whole configuration in one document"}
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if isNull(root) {
		return nil, nil
	}
	if resolveAlias(root).Kind != yaml.MappingNode {
		return nil, &FieldError{File: file, Line: root.Line,
			Msg: "the top level must be a mapping with keys such as state, sources and sinks, not " + kindName(root)}
	}
	return root, nil
}

func decodeFirst(data []byte) (*yaml.Decoder, *yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	return dec, &doc, err
}

// envScalar is an unquoted value that is exactly one ${VAR} (or
// ${VAR:-default}) after a key or inside a flow collection.
var envScalar = regexp.MustCompile(`([:\[,]\s*)(\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}"'\n]*)?\})(\s*[,}\]]|\s*$|\s+#)`)

func quoteEnvScalars(data []byte) []byte {
	lines := bytes.Split(data, []byte("\n"))
	for i, l := range lines {
		lines[i] = envScalar.ReplaceAll(l, []byte(`$1"$2"$3`))
	}
	return bytes.Join(lines, []byte("\n"))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// An unquoted ${VAR} inside {...} or [...]: a plain scalar there ends at "{",
// which is the most likely way to write broken YAML in this config.
var flowEnv = regexp.MustCompile(`[{\[,][^"'\n]*\$\{`)

// parserErrors are the yaml.v3 messages whose line is the 0-based line
// where the enclosing block starts (scanner errors are 1-based); they are
// shifted so that the editor line is right.
var parserErrors = []string{
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or '}'",
	"did not find expected ',' or ']'",
	"did not find expected node content",
	"found undefined tag handle",
}

// syntaxError turns a yaml.v3 parse error into file:line form, with a hint
// for an unquoted ${VAR} in a flow collection.
func syntaxError(data []byte, file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(err.Error(), m[0])
	}
	if slices.Contains(parserErrors, msg) {
		line++
	}
	if strings.HasPrefix(msg, "did not find expected ',' or") {
		if l := flowEnvLine(data); l > 0 {
			return &FieldError{File: file, Line: l, Msg: msg +
				` (a ${VAR} inside {...} or [...] must be quoted, e.g. auth: {token: "${FORCEPOINT_TOKEN}"})`}
		}
	}
	return &FieldError{File: file, Line: line, Msg: msg}
}

func flowEnvLine(data []byte) int {
	for i, l := range strings.Split(string(data), "\n") {
		if flowEnv.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// decodeStrict decodes the checked tree. The top level goes through
// KnownFields(true) as a second line of defence (yaml.v3 offers it only on a
// Decoder, hence the round trip through bytes); each source and sink entry
// is then decoded twice from its node, into the keys every entry has and
// into its type's settings, each taking its own keys. The walker has already
// reported every problem it can see, so an error here means the two
// disagree.
func decodeStrict(root *yaml.Node, cfg *Config, entries map[string][]entry) error {
	var top struct {
		State      string     `yaml:"state"`
		Listen     string     `yaml:"listen"`
		ListenAuth Credential `yaml:"listen_auth"`
		Sources    any        `yaml:"sources"`
		Sinks      any        `yaml:"sinks"`
		DataDir    string     `yaml:"data_dir"`
		LeaseTTL   Duration   `yaml:"lease_ttl"`
		MaxBatches int        `yaml:"max_batches_in_flight"`
	}
	spellOutNulls(root)
	data, err := yaml.Marshal(root)
	if err == nil {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&top)
	}
	cfg.State, cfg.Listen, cfg.ListenAuth, cfg.DataDir = top.State, top.Listen, top.ListenAuth, top.DataDir
	cfg.LeaseTTL, cfg.MaxBatchesInFlight = top.LeaseTTL, top.MaxBatches
	for _, e := range entries["sources"] {
		var s Source
		s.Settings, err = decodeEntry(e, &s, err)
		cfg.Sources = append(cfg.Sources, s)
	}
	for _, e := range entries["sinks"] {
		var s Sink
		s.Settings, err = decodeEntry(e, &s, err)
		cfg.Sinks = append(cfg.Sinks, s)
	}
	if err != nil {
		return &FieldError{File: cfg.src.file, Msg: "decode configuration: " + withoutValues(err)}
	}
	return nil
}

// decodeEntry decodes e into common and returns its settings, keeping the
// first error.
func decodeEntry(e entry, common any, err error) (Settings, error) {
	if err != nil || isNull(e.node) {
		return nil, err
	}
	if err := e.node.Decode(common); err != nil {
		return nil, err
	}
	if e.kind.New == nil {
		return nil, nil
	}
	s := e.kind.New()
	return s, e.node.Decode(s)
}

// spellOutNulls writes empty nulls ("key:" with nothing after it) as
// "null": yaml.v3 encodes them as a quoted empty string, which then decodes
// as "" and fails for numbers and mappings.
func spellOutNulls(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Value == "" && n.ShortTag() == "!!null" {
		n.Value = "null"
	}
	for _, c := range n.Content {
		spellOutNulls(c)
	}
}

var backquoted = regexp.MustCompile("`[^`]*`")

// withoutValues drops the `value` yaml.v3 quotes in type errors: it may be
// an expanded secret.
func withoutValues(err error) string {
	return backquoted.ReplaceAllString(err.Error(), "(value not shown)")
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolveAlias(n)
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch resolveAlias(n).Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}
