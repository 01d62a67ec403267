package schemacheck

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The seed corpora are in testdata/fuzz: valid documents, mutants and
// malformed JSON. The checkers must return, never panic, whatever the bytes,
// and accept nothing but a JSON object.

func FuzzOCSF(f *testing.F) {
	f.Fuzz(func(t *testing.T, event []byte) {
		if OCSF(event) == nil && !isJSONObject(event) {
			t.Fatalf("accepted %q, which is no JSON object", event)
		}
	})
}

func FuzzECS(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		if ECS(doc, "symantec") == nil && !isJSONObject(doc) {
			t.Fatalf("accepted %q, which is no JSON object", doc)
		}
	})
}

func isJSONObject(b []byte) bool {
	return json.Valid(b) && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{"))
}
