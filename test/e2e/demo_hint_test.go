package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// demoHint is the command the demo's summary tells the user to run next
// to see the checkpoints.
func demoHint(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if hint, ok := strings.CutPrefix(l, "checkpoints:"); ok {
			return strings.TrimSpace(hint)
		}
	}
	t.Fatalf("no checkpoints hint in the demo's summary:\n%s", out)
	return ""
}

// checkDemoHint runs the hint as a user would paste it, in the shell's
// folder dir, and expects it to show the demo's checkpoints.
func checkDemoHint(t *testing.T, dir, hint string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", hint)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the demo's hint %q fails in %s: %v\n%s", hint, dir, err, out)
	}
	if !strings.Contains(string(out), "demo-forcepoint/access") {
		t.Fatalf("the demo's hint %q shows no checkpoints:\n%s", hint, out)
	}
}

// A demo started with go run in a checkout, as the README says, hints at
// go run, not at a gatelog that is not on the PATH.
func TestDemoHintUnderGoRun(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./cmd/gatelog", "demo", "--records", "20", "--dir", filepath.Join(dir, "demo"))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./cmd/gatelog demo: %v\n%s", err, out)
	}
	hint := demoHint(t, string(out))
	if !strings.HasPrefix(hint, "go run ./cmd/gatelog state show -c ") {
		t.Fatalf("hint under go run: %q", hint)
	}
	checkDemoHint(t, root, hint)
}
