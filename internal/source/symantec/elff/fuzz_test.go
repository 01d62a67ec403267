package elff

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzLine feeds the input to one parser line by line, so the fuzzer can
// write a #Fields directive and then data lines. Whatever the bytes, Line
// never panics, and a data line that parses becomes a valid JSON object with
// exactly one key per field whose values decode back to Values().
func FuzzLine(f *testing.F) {
	f.Add([]byte(defaultFields + "\n" + sampleLine + "\n"))
	f.Add([]byte("#Fields: a b a\n\"x \\\"y\" \"\" -\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewParser(1 << 12)
		for _, line := range bytes.Split(data, []byte("\n")) {
			k, err := p.Line(line)
			if k == KindData && err == nil {
				checkJSON(t, p)
				_, _ = p.Time()
			}
		}
	})
}

func checkJSON(t *testing.T, p *Parser) {
	out := p.AppendJSON(nil)
	if !json.Valid(out) {
		t.Fatalf("invalid JSON %q", out)
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if len(m) != len(p.Fields()) {
		t.Fatalf("%d keys for %d fields: %q", len(m), len(p.Fields()), out)
	}
	for i, name := range p.Fields() {
		v := string(p.Values()[i])
		if got, ok := m[name]; !ok || recoverBytes(got, v) != v {
			t.Fatalf("field %q: JSON %q does not decode back to %q", name, got, v)
		}
	}
}
