package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/progress"
	"github.com/gatelog/gatelog/internal/simulator"
)

// Progress lines as the text log writes them: hours downloaded, the
// backfill, an export.
var (
	hoursLine    = regexp.MustCompile(`msg=progress what=hours done=\d+ of=3 bytes=\d+ rate="\d+(\.\d)? [KMG]?i?B/s"( eta=\S+)? elapsed=\S+\s*$`)
	hoursFinal   = regexp.MustCompile(`msg=progress what=hours done=3 of=3 bytes=[1-9]\d* rate="\d+(\.\d)? [KMG]?i?B/s" eta=0s elapsed=\S+ final=true`)
	backfillLine = regexp.MustCompile(`msg=progress what=backfill records=[1-9]\d* bytes=[1-9]\d* rate="\d+ rec/s" throughput="\d+(\.\d)? [KMG]?i?B/s" newest_event=\S+ percent=\d+ eta=\S+ elapsed=\S+ final=true`)
	exportLine   = regexp.MustCompile(`msg=progress what=swgweb records=[1-9]\d* bytes=[1-9]\d* rate="\d+ rec/s" throughput="\S+ [KMG]?i?B/s" newest_event=\S+ percent=\d+ eta=\S+ elapsed=\S+`)
	// A drawn bar: "hours 2/3 [====>---]".
	drawnBar = regexp.MustCompile(`(hours \d+/\d+|backfill \d+ %) `)
)

// matching is the lines of text that re matches.
func matching(text string, re *regexp.Regexp) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r", "\n"), "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// slowDownload: download --to-sinks of three hours of a slow simulator
// (each hour takes longer than the progress interval the test sets).
func slowDownload(t *testing.T, seed int64) (dir string, args []string) {
	t.Helper()
	c := swgData(seed)
	c.Latency = 150 * time.Millisecond
	_, url := swgSim(t, c, nil)
	dir = t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "")
	from, to := c.End.Add(-4*time.Hour), c.End.Add(-1*time.Hour)
	return dir, []string{"symantec", "download", "-c", cfg, "--to-sinks", "--from", from.Format(time.RFC3339),
		"--to", to.Format(time.RFC3339), "-o", filepath.Join(dir, "hours")}
}

// On a pipe (output captured, a CI log), download --to-sinks and export
// log progress lines at the interval and a final one, with items or
// records, bytes, rate and time left.
func TestProgressLinesOnAPipe(t *testing.T) {
	dir, args := slowDownload(t, 31)
	cmd := gatelogCmd(dir, args...)
	cmd.Env = append(cmd.Env, progress.IntervalEnv+"=250ms")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // a pipe, not a terminal
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	text := stderr.String()
	if n := len(matching(text, hoursLine)); n < 2 {
		t.Errorf("%d periodic progress lines for the hours, want at least 2 (every 250ms through 3 hours of 150ms+ each):\n%s", n, text)
	}
	for _, re := range []*regexp.Regexp{hoursFinal, backfillLine} {
		if len(matching(text, re)) != 1 {
			t.Errorf("no one line matching %s in:\n%s", re, text)
		}
	}
	if drawnBar.MatchString(text) {
		t.Errorf("a bar was drawn on a pipe:\n%s", text)
	}

	// forcepoint export, the other long command.
	c := simConfig(33, 3000, 100)
	c.Latency = 40 * time.Millisecond
	sim := startSim(t, simulator.Options{Forcepoint: c})
	cfg := fpConfig(t, dir, sim.URL, []string{"swgweb"}, "")
	cmd = gatelogCmd(dir, "forcepoint", "export", "-c", cfg, "--type", "swgweb", "--from", c.End.Add(-21*time.Hour).Format(time.RFC3339),
		"--to", c.End.Add(time.Second).Format(time.RFC3339), "-o", filepath.Join(dir, "out.jsonl"), "--no-state")
	cmd.Env = append(cmd.Env, progress.IntervalEnv+"=250ms")
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr.String())
	}
	lines := matching(stderr.String(), exportLine)
	if len(lines) < 2 || !strings.HasSuffix(lines[len(lines)-1], "final=true") {
		t.Errorf("want periodic export progress lines and a final one:\n%s", stderr.String())
	}
}

// On a terminal of zero columns (a pty nobody sized: script(1) without a
// terminal of its own) or too narrow for a bar, progress is logged too.
func TestProgressLinesOnAZeroOrNarrowTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script(1) is missing: sudo apt-get install -y bsdutils (or run scripts/test-deps.sh)")
	}
	for _, cols := range []int{0, progress.MinColumns - 1} {
		t.Run(strconv.Itoa(cols)+" columns", func(t *testing.T) {
			dir, args := slowDownload(t, 41+int64(cols))
			text := onPty(t, dir, cols, progress.IntervalEnv+"=250ms "+gatelogBin+" "+strings.Join(args, " "))
			if n := len(matching(text, hoursLine)); n < 2 {
				t.Errorf("%d periodic progress lines for the hours, want at least 2:\n%s", n, text)
			}
			for _, re := range []*regexp.Regexp{hoursFinal, backfillLine} {
				if len(matching(text, re)) != 1 {
					t.Errorf("no one line matching %s in:\n%s", re, text)
				}
			}
			if drawnBar.MatchString(text) {
				t.Errorf("a bar was drawn on a %d-column terminal:\n%s", cols, text)
			}
		})
	}
}

// onPty runs a shell command line in dir on a pseudo-terminal of cols
// columns (script(1)) and returns what it printed, escape sequences removed.
func onPty(t *testing.T, dir string, cols int, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", "stty cols "+strconv.Itoa(cols)+" rows 24; "+line, "/dev/null")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`).ReplaceAllString(string(out), "")
}
