// Package status keeps what the status page shows, fed by pipeline events,
// and renders the page: one row per stream with its state, newest event,
// lag, records today, request budget, last error and a chart of records
// per minute over the last hour, grouped under one summary row per source
// (group.go); with many streams, healthy sources fold to that row.
//
// The board sees only event data, whose errors are redacted upstream, so
// the page shows no credential.
package status

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
)

// Minutes is how many one-minute buckets the chart shows: the last hour.
const Minutes = 60

// maxReason bounds a reason shown in a cell; the full text goes in a title.
const maxReason = 160

// Tone is how a state is coloured.
type Tone string

const (
	ToneIdle Tone = "idle" // starting, nothing known yet
	ToneOK   Tone = "ok"   // collecting or caught up
	ToneWarn Tone = "warn" // waiting for the request budget
	ToneBad  Tone = "bad"  // failing
	// ToneOther: another instance runs the stream (several instances share
	// the state store); this one only shows who.
	ToneOther Tone = "other"
)

// Row is one stream as the page shows it.
type Row struct {
	ID record.StreamID
	// State is the one-line state: "starting", "collecting", "caught up",
	// "waiting for budget until 14:30 UTC", "failing: REASON (retrying)"
	// or "failing: REASON", the reason cut to one short line.
	State string
	// StateDetail is State with the reason in full.
	StateDetail string
	Tone        Tone
	// Newest is the newest delivered event time (zero when unknown) and
	// Lag how far it is behind now.
	Newest time.Time
	Lag    time.Duration
	// RecordsToday counts records delivered since TodaySince: midnight UTC,
	// or the board's start when that was today.
	RecordsToday uint64
	TodaySince   time.Time
	// Budget is the latest request budget the stream reported; nil when it
	// has none.
	Budget *source.Budget
	// LastError is the latest error in full and when it came; empty when
	// the stream has had none.
	LastError   string
	LastErrorAt time.Time
	// PerMinute counts records delivered in each of the last Minutes
	// minutes, oldest first; the last is the current minute.
	PerMinute []int
	// Owner is the instance that holds the stream's lease, as this one last
	// learned it (this instance's own name for the streams it runs; "" when
	// nobody holds it), and Generation that lease's generation.
	Owner      string
	Generation uint64
}

// SinkRow is one sink, summed over the streams that write to it.
type SinkRow struct {
	Name    string
	Written uint64 // records the sink accepted
	Errors  uint64 // failed writes, retried or not
	// Queued is how many batches wait for, or are in, a write.
	Queued    int64
	LastError string
}

// Board is the status page's view of every stream. It is safe for
// concurrent use: the pipeline's streams call Observe, the HTTP server
// renders.
type Board struct {
	mu      sync.Mutex
	now     func() time.Time
	started time.Time
	version string
	streams map[record.StreamID]*stream
	sinks   map[string]*sinkState
	sources map[string]SourceInfo
}

// Option configures a Board.
type Option func(*Board)

// WithVersion shows gatelog's version on the page.
func WithVersion(v string) Option { return func(b *Board) { b.version = v } }

// SourceInfo is what the page shows of a source that its streams' events
// do not carry.
type SourceInfo struct {
	Name   string
	Tenant string // the source's tenant; empty when it has none
	Vendor string // its type: forcepoint, symantec
}

// WithSources tells the board the configured sources' tenant and vendor.
func WithSources(srcs ...SourceInfo) Option {
	return func(b *Board) {
		for _, s := range srcs {
			b.sources[s.Name] = s
		}
	}
}

// New returns an empty board; now is its clock (time.Now when nil).
func New(now func() time.Time, opts ...Option) *Board {
	if now == nil {
		now = time.Now
	}
	b := &Board{now: now, streams: map[record.StreamID]*stream{}, sinks: map[string]*sinkState{}, sources: map[string]SourceInfo{}}
	b.started = now().UTC()
	for _, o := range opts {
		o(b)
	}
	return b
}

// stream is what the board keeps of one stream.
type stream struct {
	kind  pipeline.EventKind // the latest stream event that sets the state
	until time.Time          // EventWaiting
	// waitReason says why it waits: a spent budget or a short throttle.
	waitReason string
	reason     string // EventRetrying, EventFailed
	newest     time.Time
	day        time.Time // the UTC day today counts
	today      uint64
	budget     *source.Budget
	errMsg     string
	errAt      time.Time
	owner      string // the lease holder (EventStarted, EventElsewhere)
	generation uint64
	// minutes is a ring of per-minute counts: bucket m%Minutes holds the
	// minute m (in minutes since the epoch) when stamp[m%Minutes] == m.
	minutes [Minutes]int
	stamp   [Minutes]int64
}

type sinkState struct {
	written, errors uint64
	queued          int64
	lastErr         string
}

// Observe takes one pipeline event.
func (b *Board) Observe(e pipeline.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now().UTC()
	s := b.streams[e.ID]
	if s == nil {
		s = &stream{kind: pipeline.EventStarted, day: day(now)}
		b.streams[e.ID] = s
	}
	if e.Budget != nil {
		bu := *e.Budget
		s.budget = &bu
	}
	if e.Sink != "" {
		b.observeSink(e)
		return
	}
	switch e.Kind {
	case pipeline.EventElsewhere:
		s.kind, s.owner, s.generation = e.Kind, e.Owner, e.Generation
	case pipeline.EventStarted, pipeline.EventCaughtUp:
		if e.Kind == pipeline.EventStarted {
			s.owner, s.generation = e.Owner, e.Generation
		}
		s.kind = e.Kind
		s.newer(e.EventTime)
	case pipeline.EventDelivered:
		s.kind = e.Kind
		s.newer(e.EventTime)
		s.count(now, e.Records)
	case pipeline.EventWaiting:
		s.kind, s.until, s.waitReason = e.Kind, e.Until, e.Reason
	case pipeline.EventRetry: // retried inside a fetch: the stream goes on
		s.errMsg, s.errAt = errText(e.Err), now
	case pipeline.EventRetrying, pipeline.EventFailed:
		s.kind, s.reason = e.Kind, errText(e.Err)
		s.errMsg, s.errAt = s.reason, now
	}
}

// observeSink sums a sink event into its sink's row.
func (b *Board) observeSink(e pipeline.Event) {
	k := b.sinks[e.Sink]
	if k == nil {
		k = &sinkState{}
		b.sinks[e.Sink] = k
	}
	switch e.Kind {
	case pipeline.EventSinkQueued:
		k.queued++
	case pipeline.EventSinkWritten:
		k.queued--
		k.written += uint64(max(e.Records, 0))
	}
	if e.Err != nil && (e.Kind == pipeline.EventSinkRetrying || e.Kind == pipeline.EventSinkWritten) {
		k.errors++
		k.lastErr = errText(e.Err)
	}
}

func (s *stream) newer(t time.Time) {
	if t.After(s.newest) {
		s.newest = t
	}
}

// count adds delivered records to today and to the current minute.
func (s *stream) count(now time.Time, n int) {
	if n <= 0 {
		return
	}
	s.rollDay(now)
	s.today += uint64(n)
	m := now.Unix() / 60
	i := m % Minutes
	if s.stamp[i] != m {
		s.stamp[i], s.minutes[i] = m, 0
	}
	s.minutes[i] += n
}

// rollDay starts a new count when the UTC day has changed.
func (s *stream) rollDay(now time.Time) {
	if d := day(now); !d.Equal(s.day) {
		s.day, s.today = d, 0
	}
}

// perMinute returns the last Minutes minutes' counts, oldest first.
func (s *stream) perMinute(now time.Time) []int {
	out := make([]int, Minutes)
	cur := now.Unix() / 60
	for j := range Minutes {
		m := cur - int64(Minutes-1-j)
		if i := m % Minutes; s.stamp[i] == m {
			out[j] = s.minutes[i]
		}
	}
	return out
}

// Snapshot returns every stream's row, sorted by source then stream.
func (b *Board) Snapshot() []Row {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rows(b.now().UTC())
}

func (b *Board) rows(now time.Time) []Row {
	rows := make([]Row, 0, len(b.streams))
	for id, s := range b.streams {
		s.rollDay(now)
		r := Row{ID: id, Newest: s.newest, RecordsToday: s.today, TodaySince: b.todaySince(now),
			LastError: s.errMsg, LastErrorAt: s.errAt, PerMinute: s.perMinute(now), Owner: s.owner, Generation: s.generation}
		r.State, r.StateDetail, r.Tone = s.state(now)
		if !s.newest.IsZero() {
			r.Lag = max(now.Sub(s.newest), 0)
		}
		if s.budget != nil {
			bu := *s.budget
			r.Budget = &bu
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b Row) int {
		if c := strings.Compare(a.ID.Source, b.ID.Source); c != 0 {
			return c
		}
		return strings.Compare(a.ID.Stream, b.ID.Stream)
	})
	return rows
}

// sinkRows returns the sinks sorted by name.
func (b *Board) sinkRows() []SinkRow {
	out := make([]SinkRow, 0, len(b.sinks))
	for name, k := range b.sinks {
		out = append(out, SinkRow{Name: name, Written: k.written, Errors: k.errors, Queued: max(k.queued, 0), LastError: k.lastErr})
	}
	slices.SortFunc(out, func(a, b SinkRow) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// todaySince is when "records today" began counting: the board may have
// started after midnight and cannot know what came before.
func (b *Board) todaySince(now time.Time) time.Time {
	if d := day(now); b.started.After(d) {
		return b.started
	}
	return day(now)
}

// state words the stream's state: short, in full, and its tone.
func (s *stream) state(now time.Time) (short, full string, tone Tone) {
	switch s.kind {
	case pipeline.EventDelivered:
		return "collecting", "collecting", ToneOK
	case pipeline.EventCaughtUp:
		return "caught up", "caught up", ToneOK
	case pipeline.EventWaiting:
		w := "waiting for budget until " + clock(s.until, now)
		if !spent(s.waitReason) {
			w = "throttled until " + clock(s.until, now)
		}
		return w, w, ToneWarn
	case pipeline.EventRetrying:
		return "failing: " + oneLine(s.reason) + " (retrying)", "failing: " + s.reason + " (retrying)", ToneBad
	case pipeline.EventFailed:
		return "failing: " + oneLine(s.reason), "failing: " + s.reason, ToneBad
	case pipeline.EventElsewhere:
		if s.owner == "" {
			return "unclaimed", "unclaimed: no instance holds its lease now; the next to look claims it", ToneOther
		}
		return "on another instance", "run by the instance " + s.owner, ToneOther
	}
	return "starting", "starting", ToneIdle
}

// spent tells a wait for a spent request budget from a short throttle.
func spent(reason string) bool {
	return reason == "" || reason == errclass.ReasonDaily || reason == errclass.ReasonBudget
}

// clock is t as "14:30 UTC", with its date when it is not on now's day.
func clock(t, now time.Time) string {
	t = t.UTC()
	if day(t).Equal(day(now)) {
		return t.Format("15:04") + " UTC"
	}
	return t.Format("2006-01-02 15:04") + " UTC"
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// oneLine folds whitespace, newlines included, and cuts s to maxReason
// characters, so that a long error keeps the table readable.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReason {
		return string(r[:maxReason-1]) + "…"
	}
	return s
}
