package schemacheck

import "testing"

// The end-to-end tests check tens of thousands of events: these keep an eye
// on the cost of one.

func BenchmarkOCSF(b *testing.B) {
	event := []byte(validHTTPActivity)
	for b.Loop() {
		if err := OCSF(event); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkECS(b *testing.B) {
	doc := []byte(validECS)
	for b.Loop() {
		if err := ECS(doc, "symantec"); err != nil {
			b.Fatal(err)
		}
	}
}
