package progress

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
)

// Off a terminal, progress is plain log lines, never bar drawing.
func TestTimeRangeOffTerminalLogsLines(t *testing.T) {
	var out, logs bytes.Buffer
	from := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	tr := NewTimeRange(&out, "backfill", from, from.Add(2*time.Hour), slog.New(slog.NewTextHandler(&logs, nil)))
	tr.Observe(pipeline.Event{Kind: pipeline.EventDelivered, Records: 700, Bytes: 2048, EventTime: from.Add(30 * time.Minute)})
	tr.Observe(pipeline.Event{Kind: pipeline.EventCaughtUp}) // not a delivery: not counted
	tr.Observe(pipeline.Event{Kind: pipeline.EventDelivered, Records: 300, Bytes: 1024, EventTime: from.Add(time.Hour)})
	tr.Done()
	if out.Len() != 0 {
		t.Fatalf("drew on a non-terminal: %q", out.String())
	}
	if tr.records != 1000 || tr.bytes != 3072 {
		t.Fatalf("totals = %d records, %d bytes; want 1000, 3072", tr.records, tr.bytes)
	}
	line := logs.String()
	for _, want := range []string{"records=700", "bytes=2048", "rate=", "newest_event=2026-11-20T00:30:00Z"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line lacks %q: %s", want, line)
		}
	}
	if strings.Count(line, "progress") != 1 {
		t.Errorf("want one line within 10 s, got:\n%s", line)
	}
}

func TestItemsOffTerminalLogsLines(t *testing.T) {
	var out, logs bytes.Buffer
	it := NewItems(&out, "hours", 3, slog.New(slog.NewTextHandler(&logs, nil)))
	it.Add(1 << 20)
	it.Add(1 << 20)
	it.Done()
	if out.Len() != 0 || it.done != 2 || it.bytes != 2<<20 {
		t.Fatalf("out=%q done=%d bytes=%d", out.String(), it.done, it.bytes)
	}
	if !strings.Contains(logs.String(), "done=1 of=3 bytes=1048576 rate=") {
		t.Fatalf("logs: %s", logs.String())
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 30: "5.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
