// Package progress shows how far a long command has come: a bar on a
// terminal, plain periodic log lines when output is not a terminal.
package progress

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/gatelog/gatelog/internal/pipeline"
)

// TimeRange reports progress through a span of event time: how far the
// newest delivered event is from the start of the range to its end.
type TimeRange struct {
	from, to time.Time
	bar      *mpb.Bar
	p        *mpb.Progress
	logger   *slog.Logger
	mu       sync.Mutex
	records  int
	bytes    int64
	lastLog  time.Time
	start    time.Time
}

// NewTimeRange draws a bar on w when w is a terminal; otherwise it logs a
// line at most every 10 seconds.
func NewTimeRange(w io.Writer, label string, from, to time.Time, logger *slog.Logger) *TimeRange {
	t := &TimeRange{from: from, to: to, logger: logger, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		total := int64(to.Sub(from).Seconds()) + 1
		t.bar = t.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(label+" "), decor.Percentage()),
			mpb.AppendDecorators(decor.Any(t.describe), decor.Name(" "), decor.EwmaETA(decor.ET_STYLE_GO, 30)),
		)
	}
	return t
}

func (t *TimeRange) describe(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d records, %s, %s", t.records, Bytes(t.bytes), rate(float64(t.records), t.start, "rec"))
}

// rate formats n per second since start.
func rate(n float64, start time.Time, unit string) string {
	secs := time.Since(start).Seconds()
	if secs <= 0 {
		return "0 " + unit + "/s"
	}
	return fmt.Sprintf("%.0f %s/s", n/secs, unit)
}

// Update reports the running totals and the newest event time.
func (t *TimeRange) Update(records int, bytes int64, newest time.Time) {
	t.mu.Lock()
	t.records, t.bytes = records, bytes
	log := t.bar == nil && time.Since(t.lastLog) >= 10*time.Second
	if log {
		t.lastLog = time.Now()
	}
	t.mu.Unlock()
	if t.bar != nil && !newest.IsZero() {
		t.bar.EwmaSetCurrent(int64(newest.Sub(t.from).Seconds()), time.Second)
	}
	if log && t.logger != nil {
		t.logger.Info("progress", "records", records, "bytes", bytes, "rate", rate(float64(records), t.start, "rec"),
			"newest_event", newest.UTC().Format(time.RFC3339))
	}
}

// Observe follows a pipeline's delivered batches (a backfill).
func (t *TimeRange) Observe(e pipeline.Event) {
	if e.Kind != pipeline.EventDelivered {
		return
	}
	t.mu.Lock()
	records, bytes := t.records+e.Records, t.bytes+e.Bytes
	t.mu.Unlock()
	t.Update(records, bytes, e.EventTime)
}

// Done stops the bar where it stands and waits for it to be drawn.
func (t *TimeRange) Done() { stop(t.bar, t.p) }

// stop ends a bar that may not have reached its total (the newest event
// short of the range's end, a download that failed). SetTotal would not
// do: mpb ignores it on a bar that completes by reaching its total, and
// Wait would then never return.
func stop(bar *mpb.Bar, p *mpb.Progress) {
	if bar == nil {
		return
	}
	bar.Abort(false)
	p.Wait()
}

// Bytes formats a byte count for people.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Items reports progress through a known number of items (hours, files),
// with the bytes they carried.
type Items struct {
	bar     *mpb.Bar
	p       *mpb.Progress
	logger  *slog.Logger
	mu      sync.Mutex
	done    int
	total   int
	bytes   int64
	lastLog time.Time
	start   time.Time
}

// NewItems draws a bar on w when w is a terminal; otherwise it logs a line
// at most every 10 seconds.
func NewItems(w io.Writer, label string, total int, logger *slog.Logger) *Items {
	t := &Items{total: total, logger: logger, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		t.bar = t.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(label+" "), decor.CountersNoUnit("%d/%d")),
			mpb.AppendDecorators(decor.Any(t.describe),
				decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)),
		)
	}
	return t
}

func (t *Items) describe(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Bytes(t.bytes) + ", " + Bytes(int64(float64(t.bytes)/max(time.Since(t.start).Seconds(), 1e-3))) + "/s"
}

// Add counts one finished item of n bytes.
func (t *Items) Add(n int64) {
	t.mu.Lock()
	t.done++
	t.bytes += n
	done, bytes := t.done, t.bytes
	log := t.bar == nil && time.Since(t.lastLog) >= 10*time.Second
	if log {
		t.lastLog = time.Now()
	}
	t.mu.Unlock()
	if t.bar != nil {
		t.bar.Increment()
	}
	if log && t.logger != nil {
		t.logger.Info("progress", "done", done, "of", t.total, "bytes", bytes, "rate", rate(float64(bytes), t.start, "B"))
	}
}

// Done stops the bar where it stands and waits for it to be drawn.
func (t *Items) Done() { stop(t.bar, t.p) }
