// Package progress shows how far a long command has come: a bar on a
// terminal wide enough for one, otherwise a log line at a steady interval
// and a final one.
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

// MinColumns is the narrowest terminal a bar is drawn on. A narrower one, a
// terminal whose width is unknown or zero (a pty nobody sized, as under
// script(1)), and anything that is not a terminal get log lines instead:
// mpb draws nothing at all at width zero.
const MinColumns = 40

// DefaultInterval is how often progress is logged when no bar is drawn.
const DefaultInterval = 10 * time.Second

// IntervalEnv names an environment variable that overrides DefaultInterval
// (a Go duration such as 200ms). It is internal: the end-to-end tests set it
// so that they need not run for ten seconds to see a periodic line.
const IntervalEnv = "GATELOG_PROGRESS_INTERVAL"

// interval is DefaultInterval; this package's tests shorten it.
var interval = DefaultInterval

func logInterval() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(IntervalEnv)); err == nil && d > 0 {
		return d
	}
	return interval
}

// BarFits reports whether a bar can be drawn on w: w is a terminal at least
// MinColumns wide.
func BarFits(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	return err == nil && cols >= MinColumns
}

// ticker logs a progress line every interval until finish, which logs a
// final one.
type ticker struct {
	logger *slog.Logger
	attrs  func() []any
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

func startTicker(logger *slog.Logger, attrs func() []any) *ticker {
	if logger == nil {
		return nil
	}
	tk := &ticker{logger: logger, attrs: attrs, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(tk.done)
		t := time.NewTicker(logInterval())
		defer t.Stop()
		for {
			select {
			case <-t.C:
				tk.logger.Info("progress", tk.attrs()...)
			case <-tk.stop:
				return
			}
		}
	}()
	return tk
}

func (tk *ticker) finish() {
	if tk == nil {
		return
	}
	tk.once.Do(func() {
		close(tk.stop)
		<-tk.done
		tk.logger.Info("progress", append(tk.attrs(), "final", true)...)
	})
}

// eta is the time left at the pace so far, when a fraction done is known.
func eta(elapsed time.Duration, fraction float64) (string, bool) {
	switch {
	case fraction >= 1:
		return "0s", true
	case fraction <= 0:
		return "", false
	}
	left := time.Duration(float64(elapsed) * (1 - fraction) / fraction)
	return left.Round(time.Second).String(), true
}

// TimeRange reports progress through a span of event time: how far the
// newest delivered event is from the start of the range to its end.
type TimeRange struct {
	label    string
	from, to time.Time
	bar      *mpb.Bar
	p        *mpb.Progress
	tick     *ticker
	mu       sync.Mutex
	records  int
	bytes    int64
	newest   time.Time
	start    time.Time
}

// NewTimeRange draws a bar on w when a bar fits there (BarFits); otherwise
// it logs a progress line every 10 seconds and a final one at Done.
func NewTimeRange(w io.Writer, label string, from, to time.Time, logger *slog.Logger) *TimeRange {
	t := &TimeRange{label: label, from: from, to: to, start: time.Now()}
	if BarFits(w) {
		t.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		total := int64(to.Sub(from).Seconds()) + 1
		t.bar = t.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(label+" "), decor.Percentage()),
			mpb.AppendDecorators(decor.Any(t.describe), decor.Name(" "), decor.EwmaETA(decor.ET_STYLE_GO, 30)),
		)
	} else {
		t.tick = startTicker(logger, t.logAttrs)
	}
	return t
}

func (t *TimeRange) describe(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d records, %s, %s", t.records, Bytes(t.bytes), rate(float64(t.records), t.start, "rec"))
}

// logAttrs are a progress line's: records, bytes, rates, the newest event,
// how far through the range and the time left.
func (t *TimeRange) logAttrs() []any {
	t.mu.Lock()
	defer t.mu.Unlock()
	elapsed := time.Since(t.start)
	attrs := []any{"what", t.label, "records", t.records, "bytes", t.bytes,
		"rate", rate(float64(t.records), t.start, "rec"), "throughput", byteRate(t.bytes, t.start)}
	if !t.newest.IsZero() {
		attrs = append(attrs, "newest_event", t.newest.UTC().Format(time.RFC3339))
		if span := t.to.Sub(t.from); span > 0 {
			f := min(float64(t.newest.Sub(t.from))/float64(span), 1)
			attrs = append(attrs, "percent", fmt.Sprintf("%.0f", max(f, 0)*100))
			if left, ok := eta(elapsed, f); ok {
				attrs = append(attrs, "eta", left)
			}
		}
	}
	return append(attrs, "elapsed", roundElapsed(elapsed))
}

// roundElapsed: tenths of a second for a short run, seconds for a long one.
func roundElapsed(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// rate formats n per second since start.
func rate(n float64, start time.Time, unit string) string {
	secs := time.Since(start).Seconds()
	if secs <= 0 {
		return "0 " + unit + "/s"
	}
	return fmt.Sprintf("%.0f %s/s", n/secs, unit)
}

// byteRate formats bytes per second since start.
func byteRate(n int64, start time.Time) string {
	return Bytes(int64(float64(n)/max(time.Since(start).Seconds(), 1e-3))) + "/s"
}

// Update reports the running totals and the newest event time.
func (t *TimeRange) Update(records int, bytes int64, newest time.Time) {
	t.mu.Lock()
	t.records, t.bytes = records, bytes
	if newest.After(t.newest) {
		t.newest = newest
	}
	t.mu.Unlock()
	if t.bar != nil && !newest.IsZero() {
		t.bar.EwmaSetCurrent(int64(newest.Sub(t.from).Seconds()), time.Second)
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

// Done stops the bar where it stands and waits for it to be drawn, or logs
// the final progress line.
func (t *TimeRange) Done() {
	stop(t.bar, t.p)
	t.tick.finish()
}

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
	label string
	bar   *mpb.Bar
	p     *mpb.Progress
	tick  *ticker
	mu    sync.Mutex
	done  int
	total int
	bytes int64
	start time.Time
}

// NewItems draws a bar on w when a bar fits there (BarFits); otherwise it
// logs a progress line every 10 seconds and a final one at Done.
func NewItems(w io.Writer, label string, total int, logger *slog.Logger) *Items {
	t := &Items{label: label, total: total, start: time.Now()}
	if BarFits(w) {
		t.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		t.bar = t.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(label+" "), decor.CountersNoUnit("%d/%d")),
			mpb.AppendDecorators(decor.Any(t.describe),
				decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)),
		)
	} else {
		t.tick = startTicker(logger, t.logAttrs)
	}
	return t
}

func (t *Items) describe(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Bytes(t.bytes) + ", " + byteRate(t.bytes, t.start)
}

// logAttrs are a progress line's: items done of the total, bytes, rate and
// the time left.
func (t *Items) logAttrs() []any {
	t.mu.Lock()
	defer t.mu.Unlock()
	elapsed := time.Since(t.start)
	attrs := []any{"what", t.label, "done", t.done, "of", t.total, "bytes", t.bytes, "rate", byteRate(t.bytes, t.start)}
	if t.total > 0 {
		if left, ok := eta(elapsed, float64(t.done)/float64(t.total)); ok {
			attrs = append(attrs, "eta", left)
		}
	}
	return append(attrs, "elapsed", roundElapsed(elapsed))
}

// Add counts one finished item of n bytes.
func (t *Items) Add(n int64) {
	t.mu.Lock()
	t.done++
	t.bytes += n
	t.mu.Unlock()
	if t.bar != nil {
		t.bar.Increment()
	}
}

// Done stops the bar where it stands and waits for it to be drawn, or logs
// the final progress line.
func (t *Items) Done() {
	stop(t.bar, t.p)
	t.tick.finish()
}
