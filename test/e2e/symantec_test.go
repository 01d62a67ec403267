package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
)

const (
	swgUser, swgPass     = "access-key-id", "access-key-secret"
	auditUser, auditPass = "audit-key-id", "audit-key-secret"
)

// swgSim starts the Symantec simulator over a real socket, optionally
// behind fault injection.
func swgSim(t *testing.T, c swgsim.Config, faults *fault.Config) (*swgsim.Server, string) {
	t.Helper()
	c.AccessUser, c.AccessPassword, c.AuditUser, c.AuditPassword = swgUser, swgPass, auditUser, auditPass
	c.LocationsUser, c.LocationsPassword = auditUser, auditPass
	srv := swgsim.New(c)
	var ts *httptest.Server
	if faults != nil {
		ts = httptest.NewServer(fault.Wrap(srv, *faults, nil))
	} else {
		ts = httptest.NewServer(srv)
	}
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

// swgConfig writes a gatelog.yaml for one symantec source at url.
func swgConfig(t *testing.T, dir, url string, streams []string, extra string) string {
	t.Helper()
	text := fmt.Sprintf(`state: %s
sources:
  - name: wss
    type: symantec
    base_url: %s
    access_logs: {username: %s, password: %s}
    audit: {username: %s, password: %s}
    log_types: [%s]
    start: 6h
%s
sinks:
  - {name: archive, type: file, path: %s}
`, filepath.Join(dir, "state.db"), url, swgUser, swgPass, auditUser, auditPass, strings.Join(streams, ", "), extra, filepath.Join(dir, "logs"))
	path := filepath.Join(dir, "gatelog.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lineID is the id gatelog gives a served line.
func lineID(l swgsim.Line) string {
	if l.UUID != "" {
		return l.UUID
	}
	return record.HashID(l.Raw)
}

// checkLines asserts the accesslog files of source "wss" hold exactly the
// served lines: each id once, none missing, none extra.
func checkLines(t *testing.T, logs string, want []swgsim.Line) {
	t.Helper()
	checkLinesOf(t, logs, "wss", want)
}

// checkLinesOf is checkLines for a named source.
func checkLinesOf(t *testing.T, logs, source string, want []swgsim.Line) {
	t.Helper()
	got := readStream(t, logs, source, "accesslog")
	wantIDs := map[string]int{}
	for _, l := range want {
		wantIDs[lineID(l)]++
	}
	seen := map[string]int{}
	for _, l := range got {
		if l.Vendor != "symantec" || l.Stream != "accesslog" {
			t.Fatalf("envelope %+v", l)
		}
		seen[l.ID]++
	}
	var missing, dup, extra int
	for id, n := range wantIDs {
		switch {
		case seen[id] < n:
			missing += n - seen[id]
		case seen[id] > n:
			dup += seen[id] - n
		}
	}
	for id := range seen {
		if wantIDs[id] == 0 {
			extra++
		}
	}
	if missing+dup+extra > 0 {
		t.Fatalf("%s/accesslog: %d lines in files, %d served: %d missing, %d duplicated, %d unknown", source, len(got), len(want), missing, dup, extra)
	}
}

func swgData(seed int64) swgsim.Config {
	end := time.Now().UTC().Truncate(time.Hour)
	return swgsim.Config{Seed: seed, Start: end.Add(-4 * time.Hour), End: end, LinesPerHour: 900,
		MaxLinesPerArchive: 700, LinesPerMember: 250}
}

func TestSymantecSyncDeliversEveryLineOnce(t *testing.T) {
	c := swgData(3)
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	requireDone(t, runOnce(t, swgConfig(t, dir, url, []string{"accesslog"}, ""), time.Minute), 1)
	want := srv.Lines(c.Start, c.End)
	checkLines(t, filepath.Join(dir, "logs"), want)
	// Field values arrive by their #Fields names, non-UTF-8 bytes decoded as
	// ISO-8859-15 rather than lost.
	got := readStream(t, filepath.Join(dir, "logs"), "wss", "accesslog")
	checkFields(t, got, want)
	// A second run finds the same token "done" and writes nothing twice.
	requireDone(t, runOnce(t, swgConfig(t, dir, url, []string{"accesslog"}, ""), time.Minute), 1)
	checkLines(t, filepath.Join(dir, "logs"), want)
}

func TestSymantecSyncWithFaultsAbortAnd423(t *testing.T) {
	c := swgData(4)
	c.AbortEvery, c.BlockEvery = 4, 5
	srv, url := swgSim(t, c, &fault.Config{Rate: 0.1, Seed: 9, SlowDelay: 20 * time.Millisecond, RetryAfter: time.Second})
	dir := t.TempDir()
	requireDone(t, runOnce(t, swgConfig(t, dir, url, []string{"accesslog"}, ""), time.Minute), 1)
	checkLines(t, filepath.Join(dir, "logs"), srv.Lines(c.Start, c.End))
	var aborts, blocked int
	for _, r := range srv.Requests() {
		if r.SyncStatus == "abort" {
			aborts++
		}
		if r.Status == 423 {
			blocked++
		}
	}
	if aborts == 0 || blocked == 0 {
		t.Fatalf("aborts %d, 423s %d: the test did not exercise them", aborts, blocked)
	}
}

// Tokens expire while the session is still walking: the stream restarts
// from the checkpointed hour and drops what it delivered already.
func TestSymantecGoneRestartsWithoutDuplicates(t *testing.T) {
	c := swgData(5)
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	t.Setenv("TEST_FP_TOKEN", "unused")
	cfg, err := app.LoadConfig(swgConfig(t, dir, url, []string{"accesslog"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	delivered := 0
	results := a.Run(t.Context(), app.RunOptions{Once: true, MaxWait: time.Minute,
		Backoff: retry.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		Observe: func(e pipeline.Event) {
			if e.Kind == pipeline.EventDelivered {
				if delivered++; delivered == 2 || delivered == 5 {
					srv.ExpireTokens() // mid-session, twice
				}
			}
		}})
	requireDone(t, results, 1)
	checkLines(t, filepath.Join(dir, "logs"), srv.Lines(c.Start, c.End))
	gone := 0
	for _, r := range srv.Requests() {
		if r.Status == 410 {
			gone++
		}
	}
	if gone == 0 {
		t.Fatal("no 410 was answered: the test did not exercise the restart")
	}
}

// checkFields: each record's fields are the line's #Fields columns, and a
// line that is not UTF-8 arrives decoded as ISO-8859-15, nothing lost.
func checkFields(t *testing.T, got []line, want []swgsim.Line) {
	t.Helper()
	byID := map[string]swgsim.Line{}
	for _, l := range want {
		byID[lineID(l)] = l
	}
	latin := 0
	for _, g := range got {
		w := byID[g.ID]
		var f map[string]string
		if err := json.Unmarshal(g.Fields, &f); err != nil {
			t.Fatalf("fields of %s: %v", g.ID, err)
		}
		if len(f) != len(w.Fields) {
			t.Fatalf("%s: %d fields, its #Fields names %d", g.ID, len(f), len(w.Fields))
		}
		if w.UUID != "" && f["x-bluecoat-transaction-uuid"] != w.UUID {
			t.Fatalf("%s: uuid field %q", g.ID, f["x-bluecoat-transaction-uuid"])
		}
		if ts := f["date"] + " " + f["time"]; ts != g.Time.Format(time.DateTime) || !g.Time.Equal(w.Time) {
			t.Fatalf("%s: date/time fields %q, envelope %s, served %s", g.ID, ts, g.Time, w.Time)
		}
		if !utf8.Valid(w.Raw) {
			latin++
			all := strings.Join(slices.Collect(maps.Values(f)), " ")
			for _, r := range latin9(w.Raw) {
				if r >= 0x80 && !strings.ContainsRune(all, r) {
					t.Fatalf("%s: %q lost in %q", g.ID, r, all)
				}
			}
		}
	}
	if latin == 0 {
		t.Fatal("no ISO-8859-15 line was served: the test did not exercise decoding")
	}
}

// latin9 decodes ISO-8859-15 (Latin-1 but for eight code points).
func latin9(b []byte) []rune {
	diff := map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'}
	out := make([]rune, len(b))
	for i, c := range b {
		if r, ok := diff[c]; ok {
			out[i] = r
		} else {
			out[i] = rune(c)
		}
	}
	return out
}

// The sync trailer is found whether it follows the ZIP bytes, comes as
// real HTTP trailers or as response headers.
func TestSymantecTrailerModes(t *testing.T) {
	for _, mode := range []string{swgsim.TrailerHTTPTrailer, swgsim.TrailerHeader} {
		t.Run(mode, func(t *testing.T) {
			c := swgData(31)
			c.TrailerMode = mode
			srv, url := swgSim(t, c, nil)
			dir := t.TempDir()
			requireDone(t, runOnce(t, swgConfig(t, dir, url, []string{"accesslog"}, ""), time.Minute), 1)
			checkLines(t, filepath.Join(dir, "logs"), srv.Lines(c.Start, c.End))
		})
	}
}

// The audit stream delivers every event once: polls of the open day
// re-read it and drop what was delivered.
func TestSymantecAuditStreamDeliversEachEventOnce(t *testing.T) {
	c := swgData(32)
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"audit"}, "")
	for range 3 {
		requireDone(t, runOnce(t, cfg, time.Minute), 1)
	}
	checkAuditOnce(t, filepath.Join(dir, "logs"), "wss", srv, time.Now().Add(-6*time.Hour))
}
