package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator"
)

// stateRows is `gatelog state show --json`, or nil when the state file
// does not exist (state show refuses to create one).
func stateRows(t *testing.T, dir, cfg string) []stateShowRow {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "state.db")); os.IsNotExist(err) {
		return nil
	}
	out, err := gatelogCmd(dir, "state", "show", "--json", "-c", cfg).Output()
	if err != nil {
		t.Fatalf("state show: %v", err)
	}
	var rows []stateShowRow
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("state show: %v\n%s", err, out)
	}
	return rows
}

type stateShowRow struct {
	Stream     string           `json:"stream"`
	Checkpoint *json.RawMessage `json:"checkpoint"`
	Budget     *struct{ Used int }
	LeaseOwner string `json:"lease_owner"`
}

// withoutEnv is os.Environ without the named variables.
func withoutEnv(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// Mistakes on the command line exit 2 with the message and the usage
// line, whatever the command, and nothing reaches the vendor.
func TestUsageErrorsExitTwo(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(61, 100, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin"}, "")
	for _, c := range []struct {
		name  string
		args  []string
		want  []string
		usage string
	}{
		{"unknown flag", []string{"run", "--once", "--nosuch", "-c", cfg}, []string{"gatelog: unknown flag: --nosuch"}, "gatelog run"},
		{"unknown command", []string{"colect", "-c", cfg}, []string{`gatelog: unknown command "colect" for "gatelog"`}, "gatelog"},
		{"unknown subcommand", []string{"state", "shwo", "-c", cfg}, []string{`unknown command "shwo" for "gatelog state" (did you mean "show"?)`}, "gatelog state"},
		{"missing --type", []string{"forcepoint", "export", "-c", cfg}, []string{`gatelog: required flag(s) "type" not set`}, "gatelog forcepoint export"},
		{"extra argument", []string{"run", "--once", "now", "-c", cfg}, []string{`gatelog: unexpected argument "now": gatelog run takes no arguments`}, "gatelog run"},
		{"extra argument to a group's command", []string{"state", "show", "all", "-c", cfg}, []string{`unexpected argument "all"`}, "gatelog state show"},
		{"reset without a stream", []string{"state", "reset", "-c", cfg}, []string{"name the stream to reset as SOURCE/STREAM"}, "gatelog state reset"},
		{"bad flag value", []string{"forcepoint", "export", "--type", "admin", "--max-wait", "long", "-c", cfg}, []string{`invalid argument "long" for "--max-wait" flag`}, "gatelog forcepoint export"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := gatelogCmd(dir, c.args...).CombinedOutput()
			if code := exitCode(t, err); code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			if !strings.Contains(string(out), "\nUsage: "+c.usage+" ") || !strings.Contains(string(out), "Run '"+c.usage+" --help' for usage.") {
				t.Errorf("no usage line for %s in:\n%s", c.usage, out)
			}
		})
	}
	if n := sim.Forcepoint.RequestCount(); n != 0 {
		t.Fatalf("%d requests reached the simulator", n)
	}
}

// export --type is checked before anything is sent or stored; a good
// export records the requests it spent against the type's budget (the
// vendor counts them too) but keeps no checkpoint and no lease.
func TestExportTypeCheckedAndNoCheckpoint(t *testing.T) {
	c := simConfig(62, 500, 100)
	sim := startSim(t, simulator.Options{Forcepoint: c})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"access"}, "")
	out := filepath.Join(dir, "out.jsonl")

	for _, typ := range []string{"nosuchtype", "acess", ""} {
		b, err := gatelogCmd(dir, "forcepoint", "export", "-c", cfg, "--type", typ, "-o", out).CombinedOutput()
		if code := exitCode(t, err); code != 2 {
			t.Fatalf("--type %q: exit %d, want 2:\n%s", typ, code, b)
		}
		want := fmt.Sprintf(`gatelog: --type %q is not a Forcepoint log type (allowed: access, admin, cloudaudit, cloudsummary, swgweb, swgwebdlp, healthproxy, healthapi, healthsystem, ztna)`, typ)
		if !strings.Contains(string(b), want) || !strings.Contains(string(b), "Usage: gatelog forcepoint export [flags]") {
			t.Fatalf("--type %q:\n%s\nwant %s", typ, b, want)
		}
		if typ == "acess" && !strings.Contains(string(b), `did you mean "access"?`) {
			t.Errorf("no suggestion:\n%s", b)
		}
		if n := sim.Forcepoint.RequestCount(); n != 0 {
			t.Fatalf("--type %q: %d requests reached the simulator", typ, n)
		}
		if rows := stateRows(t, dir, cfg); len(rows) != 0 {
			t.Fatalf("--type %q left state rows: %+v", typ, rows)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("--type %q created the output", typ)
		}
	}

	// A good export (admin is not even in the source's log_types).
	if b, err := gatelogCmd(dir, "forcepoint", "export", "-c", cfg, "--type", "admin", "--from", "24h", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(readFile(t, out)) == 0 {
		t.Fatal("the export wrote nothing")
	}
	sent := sim.Forcepoint.RequestCount()
	rows := stateRows(t, dir, cfg)
	if len(rows) != 1 || rows[0].Stream != "acme/admin" {
		t.Fatalf("state rows %+v, want only acme/admin's budget", rows)
	}
	r := rows[0]
	if r.Checkpoint != nil || r.LeaseOwner != "" {
		t.Fatalf("export left a checkpoint or a lease: %+v", r)
	}
	if r.Budget == nil || r.Budget.Used != sent || sent == 0 {
		t.Fatalf("budget %+v, want the %d requests the export sent", r.Budget, sent)
	}
	// --no-state records nothing at all.
	if b, err := gatelogCmd(dir, "forcepoint", "export", "-c", cfg, "--type", "cloudaudit", "--no-state", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if rows := stateRows(t, dir, cfg); len(rows) != 1 {
		t.Fatalf("--no-state added state rows: %+v", rows)
	}
	// An output that cannot be created: exit 2 naming -o, nothing sent.
	before := sim.Forcepoint.RequestCount()
	b, err := gatelogCmd(dir, "forcepoint", "export", "-c", cfg, "--type", "admin", "-o", filepath.Join(dir, "nodir", "x.jsonl")).CombinedOutput()
	if code := exitCode(t, err); code != 2 || !strings.Contains(string(b), "gatelog: -o: cannot create "+filepath.Join(dir, "nodir", "x.jsonl")+": the folder "+filepath.Join(dir, "nodir")+" does not exist") {
		t.Fatalf("exit %d:\n%s", code, b)
	}
	if sim.Forcepoint.RequestCount() != before {
		t.Fatal("an export with a bad -o sent requests")
	}
}

// state reset of a stream the state file does not hold lists the known
// ones and exits 2; nothing changes.
func TestStateResetUnknownStream(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(63, 200, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin", "access"}, "")
	// Before anything was collected there is no state file.
	b, err := gatelogCmd(dir, "state", "reset", "acme/admin", "--yes", "-c", cfg).CombinedOutput()
	if code := exitCode(t, err); code != 2 || !strings.Contains(string(b), "gatelog: no stream acme/admin to reset: nothing has been collected with the state file") {
		t.Fatalf("exit %d:\n%s", code, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err == nil {
		t.Fatal("reset created a state file")
	}
	if b, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, c := range []struct{ arg, want string }{
		{"acme/nope", "gatelog: no stream acme/nope in the state file " + filepath.Join(dir, "state.db") + "; known streams: acme/access, acme/admin"},
		{"acme/admn", "gatelog: no stream acme/admn in the state file " + filepath.Join(dir, "state.db") + " (did you mean acme/admin?); known streams: acme/access, acme/admin"},
		{"other/admin", "known streams: acme/access, acme/admin"},
	} {
		b, err := gatelogCmd(dir, "state", "reset", c.arg, "--yes", "-c", cfg).CombinedOutput()
		if code := exitCode(t, err); code != 2 || !strings.Contains(string(b), c.want) || strings.Contains(string(b), "reset "+c.arg+"\n") {
			t.Fatalf("%s: exit %d:\n%s\nwant %s", c.arg, code, b, c.want)
		}
	}
	for _, r := range stateRows(t, dir, cfg) {
		if r.Checkpoint == nil {
			t.Fatalf("%s lost its checkpoint", r.Stream)
		}
	}
	// A known one still resets.
	b, err = gatelogCmd(dir, "state", "reset", "acme/admin", "--yes", "-c", cfg).CombinedOutput()
	if err != nil || string(b) != "reset acme/admin\n" {
		t.Fatalf("%v: %s", err, b)
	}
}

// A file sink whose folder cannot be made stops run (and the commands that
// write to sinks) before anything is collected, with one line naming the
// key at its line: a configuration error, exit 2.
func TestUnwritableSinkIsAConfigError(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(64, 100, 100)})
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	writeFile(t, file, "not a folder")
	cfg := filepath.Join(dir, "gatelog.yaml")
	writeFile(t, cfg, fmt.Sprintf(`state: %s
listen: 127.0.0.1:0
sources:
  - name: acme
    type: forcepoint
    base_url: %s
    auth: {token: "${TEST_FP_TOKEN}"}
    log_types: [admin]
sinks:
  - name: archive
    type: file
    path: %s
`, filepath.Join(dir, "state.db"), sim.URL, filepath.Join(file, "logs")))
	want := "gatelog: gatelog.yaml:12: sinks[0].path: cannot create " + filepath.Join(file, "logs") + ": " + file + " is a file, not a folder\n"
	for _, args := range [][]string{{"run", "--once"}, {"run"}} {
		cmd := gatelogCmd(dir, append(args, "-c", "gatelog.yaml", "--log-level", "error")...)
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
			}
		}()
		b, err := cmd.CombinedOutput()
		close(done)
		if code := exitCode(t, err); code != 2 || string(b) != want {
			t.Fatalf("%v: exit %d:\n%s\nwant %s", args, code, b, want)
		}
	}
	if n := sim.Forcepoint.RequestCount(); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
	if rows := stateRows(t, dir, "gatelog.yaml"); len(rows) != 0 {
		t.Fatalf("state rows: %+v", rows)
	}
	// The state folder too, named by its key.
	writeFile(t, cfg, strings.Replace(readFile(t, cfg), "state: "+filepath.Join(dir, "state.db"), "state: "+filepath.Join(file, "state.db"), 1))
	b, err := gatelogCmd(dir, "run", "--once", "-c", "gatelog.yaml").CombinedOutput()
	if code := exitCode(t, err); code != 2 || !strings.HasPrefix(string(b), "gatelog: gatelog.yaml:1: state: cannot create "+file+": ") {
		t.Fatalf("state: exit %d:\n%s", code, b)
	}
}

// Without a configuration, symantec locations needs SWG_API_USERNAME and
// SWG_API_PASSWORD: one line that says so, citing no file or line.
func TestSymantecWithoutConfigNamesTheVariables(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"symantec", "locations"}, `gatelog: symantec locations needs an API key with the "Location Management" role: set SWG_API_USERNAME and SWG_API_PASSWORD (in the environment or .env), or pass -c FILE with a symantec source that sets locations: {username: ..., password: ...}` + "\n"},
		{[]string{"symantec", "audit"}, `gatelog: symantec audit needs an API key with the "Audit Logs" role: set SWG_API_USERNAME and SWG_API_PASSWORD`},
		{[]string{"symantec", "download", "-o", filepath.Join(dir, "hours")}, `gatelog: symantec download needs an API key with the "Reporting Access Logs" role: set SWG_API_USERNAME and SWG_API_PASSWORD`},
	} {
		cmd := gatelogCmd(dir, c.args...)
		cmd.Env = withoutEnv("SWG_API_USERNAME", "SWG_API_PASSWORD")
		b, err := cmd.CombinedOutput()
		if code := exitCode(t, err); code != 2 || !strings.HasPrefix(string(b), c.want) || strings.Count(string(b), "\n") != 1 {
			t.Fatalf("%v: exit %d:\n%s\nwant %s", c.args, code, b, c.want)
		}
		if strings.Contains(string(b), "(defaults)") || strings.Contains(string(b), "sources[0]") {
			t.Fatalf("%v cites a file or key the user never wrote:\n%s", c.args, b)
		}
	}
	// Only the password missing: it names that one.
	cmd := gatelogCmd(dir, "symantec", "locations")
	cmd.Env = append(withoutEnv("SWG_API_USERNAME", "SWG_API_PASSWORD"), "SWG_API_USERNAME=key-id")
	b, _ := cmd.CombinedOutput()
	if !strings.Contains(string(b), ": set SWG_API_PASSWORD (in the environment or .env)") {
		t.Fatalf("password only:\n%s", b)
	}
	// With a configuration, the key is cited at its source's line.
	cfg := filepath.Join(dir, "gatelog.yaml")
	writeFile(t, cfg, "state: "+filepath.Join(dir, "state.db")+"\nsources:\n  - name: wss\n    type: symantec\n    log_types: [audit]\n    audit: {username: a, password: b}\n")
	cmd = gatelogCmd(dir, "symantec", "locations", "-c", cfg)
	cmd.Env = withoutEnv("SWG_API_USERNAME", "SWG_API_PASSWORD")
	b, err := cmd.CombinedOutput()
	if code := exitCode(t, err); code != 2 || !strings.HasPrefix(string(b), `gatelog: `+cfg+`:3: sources[0].locations: symantec locations needs an API key with the "Location Management" role: set locations: {username: ..., password: ...} on this source, or SWG_API_USERNAME and SWG_API_PASSWORD`) {
		t.Fatalf("with a file: exit %d:\n%s", code, b)
	}
}

// A single value where a list belongs is answered with the list written
// the right way, from the user's own value.
func TestConfigShapeErrorShowsTheRightForm(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ yaml, want string }{
		{"sources:\n  - name: acme-fp\n    type: forcepoint\n    auth: {token: x}\n    log_types: access\n",
			"gatelog: gatelog.yaml:5: sources[0].log_types: expected a list, e.g. log_types: [access]\n"},
		{"sources:\n  - {name: a, type: forcepoint, auth: {token: x}}\nsinks:\n  - {name: bus, type: kafka, brokers: kafka-1:9092}\n",
			"gatelog: gatelog.yaml:4: sinks[0].brokers: expected a list, e.g. brokers: [kafka-1:9092]\n"},
		{"sources:\n  - name: acme-fp\n    type: forcepoint\n    auth: abc\n",
			"gatelog: gatelog.yaml:4: sources[0].auth: expected a mapping, e.g. auth: {token: ${FORCEPOINT_TOKEN}}\n"},
	} {
		writeFile(t, filepath.Join(dir, "gatelog.yaml"), c.yaml)
		b, err := gatelogCmd(dir, "run", "--once").CombinedOutput()
		if code := exitCode(t, err); code != 2 || string(b) != c.want {
			t.Fatalf("exit %d:\n%s\nwant %s", code, b, c.want)
		}
	}
}
