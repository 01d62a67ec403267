package status

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/source"
)

// RefreshSeconds is how often the page reloads itself (a meta refresh: no
// script needed).
const RefreshSeconds = 5

// csp allows inline styles and data: images only: the page loads nothing,
// so it works offline and nothing it shows can pull content in.
const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

//go:embed page.html.tmpl
var pageText string

var pageTmpl = template.Must(template.New("page").Parse(pageText))

// Handler serves the page.
func (b *Board) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		if err := pageTmpl.Execute(&buf, b.page()); err != nil {
			http.Error(w, fmt.Sprintf("render the status page: %v", err), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(buf.Bytes())
	})
}

// page is what the template renders.
type page struct {
	Refresh    int
	Updated    string
	Version    string
	TodayTitle string
	Summary    []summaryItem
	Rows       []rowView
	Sinks      []sinkView
}

type summaryItem struct {
	N    int
	Word string
	Tone Tone
}

type rowView struct {
	Name, StateText, StateTitle string
	Tone                        Tone
	Newest, NewestTitle, Lag    string
	Today                       string
	Budget                      *budgetView
	Error, ErrorTitle, ErrorAge string
	Chart                       chart
}

type budgetView struct {
	Pct   int // used of limit, 0-100
	Text  string
	Title string
	Tone  Tone
}

type sinkView struct {
	Name, Written, Errors, Queued, LastError, LastErrorTitle string
}

// page takes a snapshot of the board and words it for the template.
func (b *Board) page() page {
	b.mu.Lock()
	now := b.now().UTC()
	rows, sinks, version := b.rows(now), b.sinkRows(), b.version
	b.mu.Unlock()
	p := page{Refresh: RefreshSeconds, Updated: now.Format("15:04:05") + " UTC", Version: version,
		TodayTitle: todayTitle(now, b.started)}
	counts := map[Tone]int{}
	for _, r := range rows {
		p.Rows = append(p.Rows, rowOf(r, now))
		counts[r.Tone]++
	}
	// The summary always counts ok, waiting and failing streams (a zero
	// says so too); starting ones only while there are any.
	for _, s := range []summaryItem{{Word: "ok", Tone: ToneOK}, {Word: "waiting", Tone: ToneWarn},
		{Word: "failing", Tone: ToneBad}, {Word: "starting", Tone: ToneIdle}} {
		if s.N = counts[s.Tone]; s.N > 0 || s.Tone != ToneIdle {
			p.Summary = append(p.Summary, s)
		}
	}
	for _, s := range sinks {
		p.Sinks = append(p.Sinks, sinkView{Name: s.Name, Written: thousands(s.Written), Errors: thousands(s.Errors),
			Queued: strconv.FormatInt(s.Queued, 10), LastError: oneLine(s.LastError), LastErrorTitle: s.LastError})
	}
	return p
}

func todayTitle(now, started time.Time) string {
	if started.After(day(now)) {
		return "records delivered since " + started.Format("15:04") + " UTC, when gatelog started today: it cannot count what came before"
	}
	return "records delivered since 00:00 UTC today"
}

func rowOf(r Row, now time.Time) rowView {
	v := rowView{Name: r.ID.String(), StateText: r.State, StateTitle: r.StateDetail, Tone: r.Tone,
		Newest: "—", Lag: "—", Today: thousands(r.RecordsToday), Error: "—",
		Chart: chartOf(r.ID.String(), r.PerMinute, now)}
	if !r.Newest.IsZero() {
		v.Newest, v.NewestTitle = stamp(r.Newest, now), r.Newest.UTC().Format(time.RFC3339)
		v.Lag = Human(r.Lag)
	}
	if r.Budget != nil {
		v.Budget = budgetOf(*r.Budget)
	}
	if r.LastError != "" {
		v.Error, v.ErrorTitle = oneLine(r.LastError), r.LastError
		v.ErrorAge = Human(now.Sub(r.LastErrorAt)) + " ago"
	}
	return v
}

// stamp is t as a clock time when it is today, else with its date.
func stamp(t, now time.Time) string {
	t = t.UTC()
	if day(t).Equal(day(now)) {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

func budgetOf(b source.Budget) *budgetView {
	v := &budgetView{Text: thousands(uint64(max(b.Used, 0))) + " / " + thousands(uint64(max(b.Limit, 0))), Tone: ToneOK}
	if b.Limit > 0 {
		v.Pct = min(max(b.Used*100/b.Limit, 0), 100)
	}
	switch {
	case b.Remaining <= 0 && b.Limit > 0:
		v.Pct, v.Tone = 100, ToneBad
	case v.Pct >= 80:
		v.Tone = ToneWarn
	}
	v.Title = fmt.Sprintf("%d requests used of %d today, %d remaining", b.Used, b.Limit, b.Remaining)
	if !b.Reset.IsZero() {
		v.Title += ", resets " + b.Reset.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	return v
}

// Human is a duration as a person reads it: "12s", "4m", "3h 5m", "2d 3h".
func Human(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// thousands writes n with comma separators: 1,234,567.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
