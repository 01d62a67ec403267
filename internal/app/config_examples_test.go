package app

import (
	"os"
	"path/filepath"
	"testing"
)

// Every example in examples/ loads and validates, with every ${VAR} set:
// the examples are documentation that must not rot.
func TestExamplesAreValid(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if len(paths) < 5 {
		t.Fatalf("found %d examples", len(paths))
	}
	env := func(string) (string, bool) { return "example-value", true }
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parse(data, filepath.Base(p), env); err != nil {
			t.Errorf("%s:\n%v", p, err)
		}
	}
}
