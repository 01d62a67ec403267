package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
)

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// SIGTERM stops a running daemon within seconds, with exit code 0 and a
// checkpoint that matches the files (a restart then completes them exactly).
func TestSigtermShutsDownCleanly(t *testing.T) {
	c := simConfig(21, 20000, 100)
	c.Latency = 30 * time.Millisecond
	sim := startSim(t, simulator.Options{Forcepoint: c})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"access", "admin"}, "")
	cmd := gatelogCmd(dir, "run", "-c", cfg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // mid-collection
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(t, err); code != 0 {
			t.Fatalf("exit %d after SIGTERM\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 10s after SIGTERM\n%s", stderr.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(sent).Round(time.Millisecond))
	if !strings.Contains(stderr.String(), "gatelog stopped") {
		t.Errorf("no clean-stop line in the log:\n%s", stderr.String())
	}
	if out, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("restart: %v\n%s", err, out)
	}
	for _, typ := range []string{"access", "admin"} {
		checkExact(t, filepath.Join(dir, "logs"), "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
}

func TestExportWritesTheRangeAsJSONLines(t *testing.T) {
	c := simConfig(31, 2000, 300)
	sim := startSim(t, simulator.Options{Forcepoint: c})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"access"}, "")
	from := c.End.Add(-10 * time.Hour)
	to := c.End.Add(-2 * time.Hour)
	out := filepath.Join(dir, "out.jsonl")
	cmd := gatelogCmd(dir, "forcepoint", "export", "-c", cfg, "--type", "swgweb",
		"--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var want []fpsim.Record
	for _, r := range sim.Forcepoint.Expected("swgweb", time.Time{}) {
		if !r.Time.Before(from) && r.Time.Before(to) {
			want = append(want, r)
		}
	}
	os.MkdirAll(filepath.Join(dir, "x", "acme", "swgweb"), 0o755)
	b, _ := os.ReadFile(out)
	// Reuse the exactness check: lay the export out as the file sink would.
	var l line
	byDay := map[string][]byte{}
	for _, ln := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if err := json.Unmarshal(ln, &l); err != nil {
			t.Fatalf("line %q: %v", ln, err)
		}
		day := l.Time.Format(time.DateOnly)
		byDay[day] = append(append(byDay[day], ln...), '\n')
	}
	for day, content := range byDay {
		os.WriteFile(filepath.Join(dir, "x", "acme", "swgweb", day+".jsonl"), content, 0o644)
	}
	checkExact(t, filepath.Join(dir, "x"), "acme", "swgweb", want)
	if _, err := os.Stat(filepath.Join(dir, "logs")); err == nil {
		t.Error("export wrote into the file sink; it must only write -o")
	}
}

func TestStateShowAndReset(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(41, 300, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin"}, "")
	if b, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	show, err := gatelogCmd(dir, "state", "show", "--json", "-c", cfg).Output()
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Stream     string
		Checkpoint *struct{ Records int }
		Budget     *struct{ Used int }
	}
	if err := json.Unmarshal(show, &rows); err != nil {
		t.Fatalf("%v\n%s", err, show)
	}
	if len(rows) != 1 || rows[0].Stream != "acme/admin" || rows[0].Checkpoint.Records != 300 || rows[0].Budget.Used < 3 {
		t.Fatalf("state show: %s", show)
	}
	if bytes.Contains(show, []byte(simulator.DemoToken)) {
		t.Fatal("state show printed the credential")
	}
	// Without --yes and no answer, nothing is reset (exit 2).
	cmd := gatelogCmd(dir, "state", "reset", "acme/admin", "-c", cfg)
	cmd.Stdin = strings.NewReader("\n")
	if code := exitCode(t, cmd.Run()); code != 2 {
		t.Fatalf("unanswered reset exit %d, want 2", code)
	}
	if b, err := gatelogCmd(dir, "state", "reset", "acme/admin", "--yes", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	show, _ = gatelogCmd(dir, "state", "show", "--json", "-c", cfg).Output()
	rows = nil
	json.Unmarshal(show, &rows)
	if len(rows) != 1 || rows[0].Checkpoint != nil || rows[0].Budget == nil {
		t.Fatalf("after reset the checkpoint should be gone and the budget kept: %s", show)
	}
}

func TestConfigErrorsExitTwoNamingTheField(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gatelog.yaml")
	os.WriteFile(path, []byte("sources:\n  - name: a\n    type: forcepoint\n    log_type: [access]\n    auth: {token: x}\n"), 0o600)
	cmd := gatelogCmd(dir, "run", "--once", "-c", path)
	out, err := cmd.CombinedOutput()
	if code := exitCode(t, err); code != 2 || !strings.Contains(string(out), `gatelog.yaml:4: unknown key "log_type" in sources[0]`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, err = gatelogCmd(dir, "run", "-c", filepath.Join(dir, "missing.yaml")).CombinedOutput()
	if code := exitCode(t, err); code != 2 || !strings.Contains(string(out), "gatelog demo") {
		t.Fatalf("missing config: exit %d:\n%s", code, out)
	}
}

func TestBadCredentialsFailOneLineAndExitOne(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(51, 100, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin", "access"}, "")
	cmd := gatelogCmd(dir, "run", "--once", "-c", cfg)
	cmd.Env = append(cmd.Env, "TEST_FP_TOKEN=wr0ng-t0ken-value")
	out, err := cmd.CombinedOutput()
	if code := exitCode(t, err); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(string(out), "forcepoint acme/admin: 401 Invalid credentials: check the token in auth.token") {
		t.Fatalf("no actionable line:\n%s", out)
	}
	if strings.Contains(string(out), "wr0ng-t0ken-value") {
		t.Fatal("the token was printed")
	}
}

func TestDemoCollectsAndSummarises(t *testing.T) {
	dir := t.TempDir()
	cmd := gatelogCmd(dir, "demo", "--records", "200")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	checkDemo(t, dir, string(out))
	// Its hint names this binary (not on the PATH) as it was invoked, and works.
	if hint := demoHint(t, string(out)); !strings.HasPrefix(hint, gatelogBin+" state show -c ") {
		t.Errorf("hint %q does not name the binary that ran", hint)
	} else {
		checkDemoHint(t, dir, hint)
	}
	// A second demo starts afresh in its own folder.
	out, err = gatelogCmd(dir, "demo", "--records", "200").CombinedOutput()
	if err != nil {
		t.Fatalf("second demo: %v\n%s", err, out)
	}
	checkDemo(t, dir, string(out))
	// It refuses a folder it did not make.
	other := filepath.Join(dir, "mine")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "keep.txt"), []byte("x"), 0o644)
	if out, err := gatelogCmd(dir, "demo", "--dir", other).CombinedOutput(); err == nil {
		t.Fatalf("demo used a foreign folder:\n%s", out)
	}
}

// checkDemo: every Forcepoint type has its 200 records, the Symantec streams
// have some, and the files say the same as the summary.
func checkDemo(t *testing.T, dir, out string) {
	t.Helper()
	logs := filepath.Join(dir, "gatelog-demo", "logs")
	for _, typ := range nineTypes {
		if n := len(readStream(t, logs, "demo-forcepoint", typ)); n != 200 || !strings.Contains(out, "demo-forcepoint/"+typ) {
			t.Fatalf("%s: %d records\n%s", typ, n, out)
		}
	}
	for _, st := range []string{"accesslog", "audit"} {
		if n := len(readStream(t, logs, "demo-symantec", st)); n == 0 || !strings.Contains(out, fmt.Sprintf("%-32s %7d records", "demo-symantec/"+st, n)) {
			t.Fatalf("symantec %s: %d records in files\n%s", st, n, out)
		}
	}
}
