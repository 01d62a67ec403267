package progress

import (
	"bytes"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/testutil"
)

func progressLines(logs string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.Contains(l, "msg=progress") {
			out = append(out, l)
		}
	}
	return out
}

// shortInterval makes the ticker log every d for one test.
func shortInterval(t *testing.T, d time.Duration) {
	t.Helper()
	old := interval
	interval = d
	t.Cleanup(func() { interval = old })
}

// Off a terminal, progress is plain log lines at a steady interval and a
// final one, never bar drawing.
func TestTimeRangeOffTerminalLogsLines(t *testing.T) {
	shortInterval(t, 20*time.Millisecond)
	var out bytes.Buffer
	var logs testutil.SyncBuffer
	from := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	tr := NewTimeRange(&out, "backfill", from, from.Add(2*time.Hour), slog.New(slog.NewTextHandler(&logs, nil)))
	tr.Observe(pipeline.Event{Kind: pipeline.EventDelivered, Records: 700, Bytes: 2048, EventTime: from.Add(30 * time.Minute)})
	tr.Observe(pipeline.Event{Kind: pipeline.EventCaughtUp}) // not a delivery: not counted
	waitForLine(t, &logs, "records=700")
	tr.Observe(pipeline.Event{Kind: pipeline.EventDelivered, Records: 300, Bytes: 1024, EventTime: from.Add(time.Hour)})
	tr.Done()
	tr.Done() // a second Done changes nothing
	if out.Len() != 0 {
		t.Fatalf("drew on a non-terminal: %q", out.String())
	}
	if tr.records != 1000 || tr.bytes != 3072 {
		t.Fatalf("totals = %d records, %d bytes; want 1000, 3072", tr.records, tr.bytes)
	}
	lines := progressLines(logs.String())
	first, last := lineWith(lines, "records=700"), lines[len(lines)-1]
	for _, want := range []string{"what=backfill", "records=700", "bytes=2048", `rate="`, "newest_event=2026-11-20T00:30:00Z", "percent=25", "eta="} {
		if !strings.Contains(first, want) {
			t.Errorf("first progress line lacks %q: %s", want, first)
		}
	}
	for _, want := range []string{"records=1000", "bytes=3072", "percent=50", "eta=", "final=true"} {
		if !strings.Contains(last, want) {
			t.Errorf("final progress line lacks %q: %s", want, last)
		}
	}
	if n := strings.Count(logs.String(), "final=true"); n != 1 {
		t.Errorf("%d final lines, want 1:\n%s", n, logs.String())
	}
}

// lineWith is the first of lines that contains s.
func lineWith(lines []string, s string) string {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// waitForLine waits until logs holds a progress line that contains s.
func waitForLine(t *testing.T, logs *testutil.SyncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for lineWith(progressLines(logs.String()), s) == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no progress line with %q within 5s:\n%s", s, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitForLines waits until logs holds n progress lines.
func waitForLines(t *testing.T, logs *testutil.SyncBuffer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(progressLines(logs.String())) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d progress lines within 5s:\n%s", n, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The lines come at the interval even while nothing changes: a stalled
// download still says where it stands.
func TestItemsOffTerminalLogsAtAnInterval(t *testing.T) {
	shortInterval(t, 10*time.Millisecond)
	var out bytes.Buffer
	var logs testutil.SyncBuffer
	it := NewItems(&out, "hours", 3, slog.New(slog.NewTextHandler(&logs, nil)))
	it.Add(1 << 20)
	waitForLines(t, &logs, 3)
	waitForLine(t, &logs, "done=1")
	it.Add(1 << 20)
	it.Done()
	if out.Len() != 0 || it.done != 2 || it.bytes != 2<<20 {
		t.Fatalf("out=%q done=%d bytes=%d", out.String(), it.done, it.bytes)
	}
	lines := progressLines(logs.String())
	if !regexp.MustCompile(`what=hours done=1 of=3 bytes=1048576 rate="[0-9.]+ [KMG]?i?B/s" eta=\S+ elapsed=`).MatchString(logs.String()) {
		t.Errorf("no line for the first hour:\n%s", logs.String())
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "done=2 of=3 bytes=2097152") || !strings.Contains(last, "final=true") {
		t.Errorf("final line: %s", last)
	}
}

// Without a logger there is nothing to log to, and nothing is started.
func TestNoLoggerNoLines(t *testing.T) {
	it := NewItems(&bytes.Buffer{}, "hours", 1, nil)
	it.Add(1)
	it.Done()
	if it.tick != nil {
		t.Fatal("a ticker without a logger")
	}
}

// A pipe is an *os.File but not a terminal: log lines.
func TestPipeGetsLogLines(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if BarFits(w) {
		t.Fatal("BarFits(pipe) = true")
	}
	var logs testutil.SyncBuffer
	it := NewItems(w, "hours", 1, slog.New(slog.NewTextHandler(&logs, nil)))
	it.Add(10)
	it.Done()
	if it.bar != nil || len(progressLines(logs.String())) != 1 {
		t.Fatalf("bar=%v logs:\n%s", it.bar != nil, logs.String())
	}
}

func TestETA(t *testing.T) {
	for _, c := range []struct {
		fraction float64
		want     string
		ok       bool
	}{{0, "", false}, {-1, "", false}, {0.25, "30s", true}, {0.5, "10s", true}, {1, "0s", true}, {2, "0s", true}} {
		got, ok := eta(10*time.Second, c.fraction)
		if ok != c.ok || got != c.want {
			t.Errorf("eta(10s, %v) = %q, %v; want %q, %v", c.fraction, got, ok, c.want, c.ok)
		}
	}
}

func TestIntervalFromEnvironment(t *testing.T) {
	t.Setenv(IntervalEnv, "250ms")
	if d := logInterval(); d != 250*time.Millisecond {
		t.Fatalf("logInterval() = %s", d)
	}
	for _, bad := range []string{"", "soon", "0s", "-1s"} {
		t.Setenv(IntervalEnv, bad)
		if d := logInterval(); d != DefaultInterval {
			t.Errorf("%s=%q: logInterval() = %s, want the default", IntervalEnv, bad, d)
		}
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 30: "5.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
