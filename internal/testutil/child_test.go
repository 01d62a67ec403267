package testutil

import (
	"regexp"
	"slices"
	"testing"
)

func TestExactPattern(t *testing.T) {
	p := ExactPattern("TestX", "Retry", "503", "a.b")
	if p != `^TestX$/^Retry$/^503$/^a\.b$` {
		t.Fatalf("pattern %q", p)
	}
	if !regexp.MustCompile(`^a\.b$`).MatchString("a.b") || regexp.MustCompile(`^a\.b$`).MatchString("axb") {
		t.Fatal("a quoted part must match only itself")
	}
}

func TestFailedTests(t *testing.T) {
	out := `=== RUN   TestX
--- FAIL: TestX (0.01s)
    --- FAIL: TestX/Retry (0.00s)
        --- FAIL: TestX/Retry/503 (0.00s)
            x.go:1: said --- FAIL: TestY (0.00s) inside a message
    --- PASS: TestX/Close (0.00s)
    --- SKIP: TestX/Daily (0.00s)
FAIL
`
	got := FailedTests(out)
	want := []string{"TestX", "TestX/Retry", "TestX/Retry/503"}
	if !slices.Equal(got, want) {
		t.Fatalf("FailedTests = %q, want %q", got, want)
	}
}
