package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
	"github.com/gatelog/gatelog/internal/source/symantec"
)

// A real gatelog killed with SIGKILL at 20+ random moments of a sync walk
// ends, after a last run, with every line exactly once.
func TestSymantecKillNineLosesAndDuplicatesNothing(t *testing.T) {
	end := time.Now().UTC().Truncate(time.Hour)
	c := swgsim.Config{Seed: 77, Start: end.Add(-5 * time.Hour), End: end, LinesPerHour: 6000,
		MaxLinesPerArchive: 1000, LinesPerMember: 500, Latency: 150 * time.Millisecond}
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "")
	killLoop(t, dir, []string{"run", "--once", "-c", cfg, "--log-level", "error"}, 20, 250*time.Millisecond)
	want := srv.Lines(c.Start, c.End)
	if n := len(readStream(t, filepath.Join(dir, "logs"), "wss", "accesslog")); n >= len(want) {
		t.Fatalf("all %d lines were delivered before the last kill: the kills did not land mid-walk", n)
	}
	if out, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	if len(want) < 30000 {
		t.Fatalf("only %d lines served", len(want))
	}
	checkLines(t, filepath.Join(dir, "logs"), want)
}

// download of N hours yields the same lines as the sync API for those
// hours, and a second run skips the verified hours.
func TestSymantecDownloadMatchesSync(t *testing.T) {
	c := swgData(8)
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "")
	from, to := c.Start.Add(time.Hour), c.Start.Add(3*time.Hour)
	hoursDir := filepath.Join(dir, "hours")
	args := []string{"symantec", "download", "-c", cfg, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "-o", hoursDir}
	if out, err := gatelogCmd(dir, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(hoursDir, "*.zip"))
	if len(files) != 2 {
		t.Fatalf("%d hour files, want 2: %v", len(files), files)
	}
	// Read the downloaded archives with gatelog's own converter.
	got := map[string]int{}
	for _, f := range files {
		for _, id := range archiveIDs(t, f) {
			got[id]++
		}
	}
	want := srv.Lines(from, to)
	for _, l := range want {
		if got[lineID(l)] != 1 {
			t.Fatalf("line %s appears %d times in the download", lineID(l), got[lineID(l)])
		}
	}
	if n := sum(got); n != len(want) {
		t.Fatalf("download holds %d lines, sync serves %d for those hours", n, len(want))
	}
	before := len(srv.Requests())
	if out, err := gatelogCmd(dir, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, r := range srv.Requests()[before:] {
		if strings.Contains(r.Path, "download") {
			t.Fatalf("a resumed download fetched a verified hour again: %v", r.Query)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// archiveIDs reads a downloaded hour archive and returns its line ids.
func archiveIDs(t *testing.T, path string) []string {
	t.Helper()
	ids, err := symantec.ArchiveIDs(path)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestSymantecAuditCSVIsSafeAndRoundTrips(t *testing.T) {
	c := swgData(12)
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "")
	day := c.Start.Format(time.DateOnly)
	out := filepath.Join(dir, "audit.csv")
	if b, err := gatelogCmd(dir, "symantec", "audit", "-c", cfg, "--from", day, "--to", day, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	f, _ := os.Open(out)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want int
	for _, r := range srv.AuditRecords() {
		if r.Time.Format(time.DateOnly) == day {
			want++
		}
	}
	if len(rows)-1 != want || want == 0 {
		t.Fatalf("%d rows, want %d events", len(rows)-1, want)
	}
	tricky := 0
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %q would run as a formula", cell)
			}
			if strings.HasPrefix(cell, "'") || strings.ContainsAny(cell, ",\"\n") {
				tricky++
			}
		}
	}
	if tricky == 0 {
		t.Fatal("no cell needed quoting or neutralising: the test did not exercise them")
	}
	// --raw-csv keeps cells as the API sent them.
	raw, err := gatelogCmd(dir, "symantec", "audit", "-c", cfg, "--from", day, "--to", day, "--raw-csv").Output()
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = csv.NewReader(bytes.NewReader(raw)).ReadAll()
	formulas := 0
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				formulas++
			}
		}
	}
	if formulas == 0 {
		t.Fatal("--raw-csv changed the cells")
	}
	// JSON Lines: one event per line, each an object.
	js, err := gatelogCmd(dir, "symantec", "audit", "-c", cfg, "--from", day, "--to", day, "--format", "json", "--operation-type", "Login").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, ln := range bytes.Split(bytes.TrimSpace(js), []byte("\n")) {
		var ev map[string]any
		if err := json.Unmarshal(ln, &ev); err != nil || ev["operationType"] != "Login" {
			t.Fatalf("line %s: %v", ln, err)
		}
	}
}

func TestSymantecLocationsFitEightyColumns(t *testing.T) {
	_, url := swgSim(t, swgData(13), nil)
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "    locations: {username: "+auditUser+", password: "+auditPass+"}")
	out, err := gatelogCmd(dir, "symantec", "locations", "-c", cfg).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 13 {
		t.Fatalf("table:\n%s", out)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Fatalf("line of %d columns: %q", n, l)
		}
	}
	js, err := gatelogCmd(dir, "symantec", "locations", "-c", cfg, "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var locs []map[string]any
	if err := json.Unmarshal(js, &locs); err != nil || len(locs) != 12 || locs[0]["id"] == nil || locs[0]["name"] == nil {
		t.Fatalf("json: %v\n%s", err, js)
	}
	// A key without the role: one clear line, exit 1.
	bad := swgConfig(t, dir, url, []string{"accesslog"}, "    locations: {username: "+swgUser+", password: "+swgPass+"}")
	b, err := gatelogCmd(dir, "symantec", "locations", "-c", bad).CombinedOutput()
	if exitCode(t, err) != 1 || !strings.Contains(string(b), `this key needs the "Location Management" role`) || strings.Contains(string(b), swgPass) {
		t.Fatalf("wrong-role answer:\n%s", b)
	}
}

// download --to-sinks delivers the hours once (also when run again), and
// after the live stream delivered them it delivers nothing.
func TestSymantecBackfillToSinks(t *testing.T) {
	c := swgData(21)
	srv, url := swgSim(t, c, nil)
	from, to := c.End.Add(-3*time.Hour), c.End.Add(-1*time.Hour)
	args := func(dir, cfg string) []string {
		return []string{"symantec", "download", "-c", cfg, "--to-sinks", "--from", from.Format(time.RFC3339),
			"--to", to.Format(time.RFC3339), "-o", filepath.Join(dir, "hours")}
	}
	backfilled := func(dir string) []line {
		return readStream(t, filepath.Join(dir, "logs"), "wss", symantec.BackfillStream)
	}
	// Fresh state: the backfill delivers exactly the lines of those hours.
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "")
	for range 2 {
		if out, err := gatelogCmd(dir, args(dir, cfg)...).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		got := backfilled(dir)
		want := srv.Lines(from, to)
		ids := map[string]bool{}
		for _, l := range got {
			if ids[l.ID] || l.Stream != "accesslog" {
				t.Fatalf("line %s twice, or stream %q", l.ID, l.Stream)
			}
			ids[l.ID] = true
		}
		for _, l := range want {
			if !ids[lineID(l)] {
				t.Fatalf("line %s missing from the backfill", lineID(l))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("backfill holds %d lines, the hours %d", len(got), len(want))
		}
	}
	// After the live stream delivered everything, the backfill adds nothing.
	dir = t.TempDir()
	cfg = swgConfig(t, dir, url, []string{"accesslog"}, "")
	if out, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := gatelogCmd(dir, args(dir, cfg)...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := len(backfilled(dir)); n != 0 {
		t.Fatalf("the backfill delivered %d lines the live stream had delivered", n)
	}
}

// On a terminal, download and its backfill draw progress bars with items,
// bytes, rate and ETA (run under script(1), which gives gatelog a pty).
func TestSymantecDownloadProgressOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script(1) is missing: install Debian's bsdutils")
	}
	c := swgData(23)
	_, url := swgSim(t, c, nil)
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "")
	from, to := c.End.Add(-3*time.Hour), c.End.Add(-1*time.Hour)
	// script's pty takes the size of a terminal that is not there: give it one.
	text := onPty(t, dir, 120, strings.Join([]string{gatelogBin, "symantec", "download", "-c", cfg, "--to-sinks", "--from", from.Format(time.RFC3339),
		"--to", to.Format(time.RFC3339), "-o", filepath.Join(dir, "hours")}, " "))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`hours 2/2 .*\d+(\.\d)? [KM]iB, \d+(\.\d)? [KM]iB/s`),
		regexp.MustCompile(`backfill 100 % .*\d+ records, \d+(\.\d)? [KM]iB, \d+ rec/s`),
	} {
		if !want.MatchString(text) {
			t.Errorf("no progress line matching %s in:\n%s", want, text)
		}
	}
}
