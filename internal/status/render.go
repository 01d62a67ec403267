package status

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
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
		if err := pageTmpl.Execute(&buf, b.page(asked(r))); err != nil {
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

// maxAsked bounds the sources a request may ask to open.
const maxAsked = 100

// asked is the set of sources the request asks to show unfolded:
// ?open=SOURCE, repeated. The query, unlike a <details> element's state,
// survives the page's reload.
func asked(r *http.Request) map[string]bool {
	names := r.URL.Query()["open"]
	out := make(map[string]bool, min(len(names), maxAsked))
	for _, n := range names {
		if len(out) == maxAsked {
			break
		}
		out[n] = true
	}
	return out
}

// page is what the template renders.
type page struct {
	Refresh    int
	Updated    string
	Version    string
	TodayTitle string
	Summary    []summaryItem
	// Sources and Streams count the groups and the streams, Folded the
	// groups that show only their summary.
	Sources, Streams, Folded int
	Groups                   []groupView
	Sinks                    []sinkView
}

// groupView is one source: its summary row, then its streams' rows when
// it is open.
type groupView struct {
	Name, Anchor, Tenant, Vendor string
	Streams                      int
	Tone                         Tone
	Counts                       []summaryItem
	Open                         bool
	// Toggle is the link that opens or folds the group, ToggleTitle
	// what it does; empty when the group has none.
	Toggle, ToggleTitle         string
	Lag, LagTitle, Today        string
	Budget                      *budgetView
	Error, ErrorTitle, ErrorAge string
	Rows                        []rowView
}

type summaryItem struct {
	N    int
	Word string
	Tone Tone
}

type rowView struct {
	Name, Stream, StateText, StateTitle string
	Tone                                Tone
	Newest, NewestTitle, Lag            string
	Today                               string
	Budget                              *budgetView
	Error, ErrorTitle, ErrorAge         string
	Chart                               template.HTML // inline SVG
	// Owner names the instance that holds the lease, OwnerTitle its
	// generation.
	Owner, OwnerTitle string
}

type budgetView struct {
	Pct   int // used of limit, 0-100
	Text  string
	Title string
	Tone  Tone
	// Plan is a paced stream's plan in a few words ("1,200 behind, caught
	// up in ~2h at this pace", "caught up; polling every 4m"); empty
	// without one.
	Plan string
}

type sinkView struct {
	Name, Written, Errors, Queued, LastError, LastErrorTitle string
}

// page takes a snapshot of the board and words it for the template;
// the sources in asked show their streams even when folding.
func (b *Board) page(asked map[string]bool) page {
	b.mu.Lock()
	now := b.now().UTC()
	groups, sinks, version := groupsOf(b.rows(now), b.sources), b.sinkRows(), b.version
	b.mu.Unlock()
	p := page{Refresh: RefreshSeconds, Updated: now.Format("15:04:05") + " UTC", Version: version,
		TodayTitle: todayTitle(now, b.started), Sources: len(groups)}
	open, auto := opened(groups, asked)
	var ok, waiting, failing, starting, elsewhere int
	p.Groups = make([]groupView, len(groups))
	for i := range groups {
		g := &groups[i]
		p.Streams += len(g.Rows)
		ok, waiting, failing, starting = ok+g.OK, waiting+g.Waiting, failing+g.Failing, starting+g.Starting
		elsewhere += g.Elsewhere
		v := summaryOf(g, now)
		switch v.Open = open[i]; {
		case !v.Open:
			p.Folded++
			v.Toggle, v.ToggleTitle = toggle(asked, g.Name, true), "show its "+streamsWord(len(g.Rows))
		case !auto[i]: // open because asked for: it may fold again
			v.Toggle, v.ToggleTitle = toggle(asked, g.Name, false), "fold its streams"
		}
		if v.Open {
			v.Rows = make([]rowView, len(g.Rows))
			for j, r := range g.Rows {
				v.Rows[j] = rowOf(r, now)
			}
		}
		p.Groups[i] = v
	}
	// The summary always counts ok, waiting and failing streams (a zero
	// says so too); starting ones only while there are any.
	for _, s := range []summaryItem{{N: ok, Word: "ok", Tone: ToneOK}, {N: waiting, Word: "waiting", Tone: ToneWarn},
		{N: failing, Word: "failing", Tone: ToneBad}, {N: starting, Word: "starting", Tone: ToneIdle},
		{N: elsewhere, Word: "on other instances", Tone: ToneOther}} {
		if s.N > 0 || s.Tone == ToneOK || s.Tone == ToneWarn || s.Tone == ToneBad {
			p.Summary = append(p.Summary, s)
		}
	}
	for _, s := range sinks {
		p.Sinks = append(p.Sinks, sinkView{Name: s.Name, Written: thousands(s.Written), Errors: thousands(s.Errors),
			Queued: strconv.FormatInt(s.Queued, 10), LastError: oneLine(s.LastError), LastErrorTitle: s.LastError})
	}
	return p
}

// summaryOf words a group's summary row.
func summaryOf(g *Group, now time.Time) groupView {
	v := groupView{Name: g.Name, Anchor: anchor(g.Name), Tenant: g.Tenant, Vendor: g.Vendor, Streams: len(g.Rows),
		Tone: g.Tone, Lag: "—", Today: thousands(g.RecordsToday), Error: "—"}
	for _, s := range []summaryItem{{N: g.Failing, Word: "failing", Tone: ToneBad}, {N: g.Waiting, Word: "waiting", Tone: ToneWarn},
		{N: g.Starting, Word: "starting", Tone: ToneIdle}, {N: g.OK, Word: "ok", Tone: ToneOK},
		{N: g.Elsewhere, Word: "on other instances", Tone: ToneOther}} {
		if s.N > 0 {
			v.Counts = append(v.Counts, s)
		}
	}
	if g.LagStream != "" {
		v.Lag, v.LagTitle = Human(g.WorstLag), "the largest: "+g.LagStream
	}
	if gb := g.Budget; gb != nil {
		v.Budget = groupBudgetOf(*gb)
	}
	if g.ErrorStream != "" {
		v.Error, v.ErrorTitle = g.ErrorStream+": "+oneLine(g.LastError), g.Name+"/"+g.ErrorStream+": "+g.LastError
		v.ErrorAge = Human(now.Sub(g.LastErrorAt)) + " ago"
	}
	return v
}

// groupBudgetOf words a source's budgets: the bar is the share used of
// them all, red when a stream has none left, amber when one has used 80%.
func groupBudgetOf(gb GroupBudget) *budgetView {
	v := &budgetView{Text: thousands(uint64(gb.Used)) + " / " + thousands(uint64(gb.Limit)), Tone: ToneOK}
	if gb.Limit > 0 {
		v.Pct = min(gb.Used*100/gb.Limit, 100)
	}
	switch full := budgetOf(gb.FullestBudget, time.Time{}); {
	case gb.Spent > 0:
		v.Tone = ToneBad
	case full.Tone != ToneOK:
		v.Tone = full.Tone
	}
	f := gb.FullestBudget
	v.Title = fmt.Sprintf("%s of %s requests used today by its %s with a budget; the fullest, %s: %s of %s",
		thousands(uint64(gb.Used)), thousands(uint64(gb.Limit)), streamsWord(gb.Streams), gb.Fullest,
		thousands(uint64(max(f.Used, 0))), thousands(uint64(max(f.Limit, 0))))
	if gb.Spent > 0 {
		v.Title += fmt.Sprintf("; %d with none left", gb.Spent)
	}
	return v
}

func streamsWord(n int) string {
	if n == 1 {
		return "1 stream"
	}
	return strconv.Itoa(n) + " streams"
}

// anchor is the id of a source's group on the page.
func anchor(source string) string { return "source-" + source }

// toggle is the link that opens (or folds) the source's group, keeping the
// other groups asked for, and brings the browser back to the group.
func toggle(asked map[string]bool, source string, open bool) string {
	names := make([]string, 0, len(asked)+1)
	for n := range asked {
		if n != source {
			names = append(names, n)
		}
	}
	if open {
		names = append(names, source)
	}
	slices.Sort(names)
	// "?#source-x" when none is left: the link is never empty.
	return "?" + url.Values{"open": names}.Encode() + "#" + (&url.URL{Fragment: anchor(source)}).EscapedFragment()
}

func todayTitle(now, started time.Time) string {
	if started.After(day(now)) {
		return "records delivered since " + started.Format("15:04") + " UTC, when gatelog started today: it cannot count what came before"
	}
	return "records delivered since 00:00 UTC today"
}

func rowOf(r Row, now time.Time) rowView {
	v := rowView{Name: r.ID.String(), Stream: r.ID.Stream, StateText: r.State, StateTitle: r.StateDetail, Tone: r.Tone,
		Newest: "—", Lag: "—", Today: thousands(r.RecordsToday), Error: "—",
		Chart: chartOf(r.ID.String(), r.PerMinute, now).svg(), Owner: "—"}
	if r.Owner != "" {
		v.Owner, v.OwnerTitle = r.Owner, fmt.Sprintf("holds the stream's lease, generation %d", r.Generation)
	}
	if !r.Newest.IsZero() {
		v.Newest, v.NewestTitle = stamp(r.Newest, now), r.Newest.UTC().Format(time.RFC3339)
		v.Lag = Human(r.Lag)
	}
	if r.Budget != nil {
		v.Budget = budgetOf(*r.Budget, now)
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

func budgetOf(b source.Budget, now time.Time) *budgetView {
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
	if v.Plan = planText(b.Plan, now); v.Plan != "" {
		v.Title += "; " + v.Plan
		if !b.Plan.Next.IsZero() && b.Plan.Next.After(now) {
			v.Title += "; next request " + clock(b.Plan.Next, now)
		}
	}
	return v
}

// planText words a paced stream's plan: how far behind it is and when it
// expects to have caught up, or how often it polls once caught up.
func planText(p source.Plan, now time.Time) string {
	every := "at once"
	if p.Every > 0 {
		every = "every " + Human(p.Every)
	}
	budget := ""
	if p.BudgetBound {
		budget = " (the budget's pace)"
	}
	switch {
	case p.IsZero():
		return ""
	case p.Behind < 0:
		return "behind, how far unknown; a request " + every + budget
	case p.Behind == 0:
		return "caught up; polling " + every + budget
	case p.CatchUpAt.IsZero():
		return thousands(uint64(p.Behind)) + " behind, not catching up at this budget; a request " + every
	}
	return fmt.Sprintf("%s behind, caught up in ~%s at this pace (%s more requests, %s)",
		thousands(uint64(p.Behind)), Human(p.CatchUpAt.Sub(now)), thousands(uint64(max(p.CatchUpRequests, 0))), every)
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
