package normalize_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/gatelog/gatelog/internal/normalize"
)

// docFile shows one example per stream and schema, between markers
// "<!-- example <vendor>-<stream> -->" (OCSF) or "<!-- example ecs
// <vendor>-<stream> -->" and the end of the json block after it.
const docFile = "../../docs/schemas.md"

var docExample = regexp.MustCompile("(?s)<!-- example ((?:ecs )?[a-z-]+) -->\n```json\n.*?```\n")

// TestSchemasDoc keeps the examples in docs/schemas.md identical to what
// the mappings write for each stream's first test record; -update rewrites
// them.
func TestSchemasDoc(t *testing.T) {
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string][]byte{}
	for _, s := range loadRecords(t) {
		for schema, marker := range map[string]string{normalize.OCSF: s.name, normalize.ECS: "ecs " + s.name} {
			out, _ := render(t, schema, &s.recs[0])
			var b bytes.Buffer
			if err := json.Indent(&b, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			events[marker] = b.Bytes()
		}
	}
	seen := map[string]bool{}
	got := docExample.ReplaceAllFunc(doc, func(block []byte) []byte {
		name := string(docExample.FindSubmatch(block)[1])
		seen[name] = true
		ev, ok := events[name]
		if !ok {
			t.Errorf("%s shows an example of %s, which has no test records", docFile, name)
			return block
		}
		return []byte("<!-- example " + name + " -->\n```json\n" + string(ev) + "\n```\n")
	})
	for name := range events {
		if !seen[name] {
			t.Errorf("%s has no example block for %s", docFile, name)
		}
	}
	if *update {
		if err := os.WriteFile(docFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, doc) {
		t.Errorf("the examples in %s are out of date (go test -update rewrites them)", docFile)
	}
}
