package status

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
)

// fakeClock is a settable fake clock for a Board.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	fpAccess = record.StreamID{Source: "acme-fp", Stream: "access"}
	fpAdmin  = record.StreamID{Source: "acme-fp", Stream: "admin"}
	swgAudit = record.StreamID{Source: "acme-wss", Stream: "audit"}
)

func board(start string) (*Board, *fakeClock) {
	c := &fakeClock{t: at(start)}
	return New(c.now), c
}

func row(t *testing.T, b *Board, id record.StreamID) Row {
	t.Helper()
	for _, r := range b.Snapshot() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no row for %s", id)
	return Row{}
}

func TestStateOfEachEventKind(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	plus1 := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		e    pipeline.Event
		want string
		tone Tone
	}{
		{pipeline.Event{Kind: pipeline.EventStarted}, "starting", ToneIdle},
		{pipeline.Event{Kind: pipeline.EventDelivered, Records: 3}, "collecting", ToneOK},
		{pipeline.Event{Kind: pipeline.EventCaughtUp}, "caught up", ToneOK},
		{pipeline.Event{Kind: pipeline.EventWaiting, Until: at("2026-11-22T14:30:00Z")}, "waiting for budget until 14:30 UTC", ToneWarn},
		// The time is shown in UTC whatever the zone it came in.
		{pipeline.Event{Kind: pipeline.EventWaiting, Until: time.Date(2026, 11, 22, 15, 30, 0, 0, plus1)}, "waiting for budget until 14:30 UTC", ToneWarn},
		{pipeline.Event{Kind: pipeline.EventWaiting, Until: at("2026-11-23T00:05:00Z")}, "waiting for budget until 2026-11-23 00:05 UTC", ToneWarn},
		{pipeline.Event{Kind: pipeline.EventWaiting, Until: at("2026-11-22T14:30:00Z"), Reason: "429_daily"}, "waiting for budget until 14:30 UTC", ToneWarn},
		// A short throttle is not a spent budget.
		{pipeline.Event{Kind: pipeline.EventWaiting, Until: at("2026-11-22T14:30:00Z"), Reason: "429_throttle"}, "throttled until 14:30 UTC", ToneWarn},
		{pipeline.Event{Kind: pipeline.EventRetrying, Err: errors.New("503 Service Unavailable")}, "failing: 503 Service Unavailable (retrying)", ToneBad},
		{pipeline.Event{Kind: pipeline.EventFailed, Err: errors.New("401 Invalid credentials")}, "failing: 401 Invalid credentials", ToneBad},
		// A later delivery clears failing; the last error stays.
		{pipeline.Event{Kind: pipeline.EventDelivered}, "collecting", ToneOK},
		{pipeline.Event{Kind: pipeline.EventFailed, Err: errors.New("x")}, "failing: x", ToneBad},
		{pipeline.Event{Kind: pipeline.EventCaughtUp}, "caught up", ToneOK},
		// Several instances: a stream another one runs, or nobody for now.
		{pipeline.Event{Kind: pipeline.EventElsewhere, Owner: "host-2/7", Generation: 3}, "on another instance", ToneOther},
		{pipeline.Event{Kind: pipeline.EventElsewhere}, "unclaimed", ToneOther},
		{pipeline.Event{Kind: pipeline.EventStarted, Owner: "host-1/1", Generation: 4}, "starting", ToneIdle},
	} {
		c.e.ID = fpAccess
		b.Observe(c.e)
		r := row(t, b, fpAccess)
		if r.State != c.want || r.Tone != c.tone {
			t.Errorf("after %+v: state %q (%s), want %q (%s)", c.e, r.State, r.Tone, c.want, c.tone)
		}
	}
	if r := row(t, b, fpAccess); r.LastError != "x" {
		t.Errorf("last error %q, want x", r.LastError)
	}
}

// The page names the instance that holds each stream's lease, with its
// generation, and counts the streams other instances run.
func TestPageShowsTheOwningInstance(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	other := record.StreamID{Source: fpAccess.Source, Stream: "web"}
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventStarted, Owner: "gw-a/41", Generation: 5})
	b.Observe(pipeline.Event{ID: other, Kind: pipeline.EventElsewhere, Owner: "gw-b/77", Generation: 9})
	if r := row(t, b, fpAccess); r.Owner != "gw-a/41" || r.Generation != 5 {
		t.Errorf("own stream: owner %q generation %d", r.Owner, r.Generation)
	}
	page := render(t, b, "/?open="+fpAccess.Source)
	for _, want := range []string{
		`<td class="owner" title="holds the stream&#39;s lease, generation 5">gw-a/41</td>`,
		`<td class="owner" title="holds the stream&#39;s lease, generation 9">gw-b/77</td>`,
		`title="run by the instance gw-b/77">on another instance</span>`,
		`1 on other instances`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// Sink events do not change the stream's state: they go to the sinks.
func TestSinkEventsDoNotChangeTheStreamState(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventCaughtUp})
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventSinkQueued, Sink: "archive"})
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventSinkRetrying, Sink: "archive", Err: errors.New("disk full")})
	if r := row(t, b, fpAccess); r.State != "caught up" || r.LastError != "" {
		t.Errorf("row %+v", r)
	}
}

func TestLongReasonIsOneShortLine(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	reason := "first line\nsecond\tline " + strings.Repeat("é", 400)
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventFailed, Err: errors.New(reason)})
	r := row(t, b, fpAccess)
	if strings.ContainsAny(r.State, "\n\t") || !strings.HasPrefix(r.State, "failing: first line second line éé") {
		t.Errorf("state %q is not one line", r.State)
	}
	if n := len([]rune(strings.TrimPrefix(r.State, "failing: "))); n != maxReason || !strings.HasSuffix(r.State, "…") {
		t.Errorf("reason is %d characters, want %d ending in …", n, maxReason)
	}
	if r.StateDetail != "failing: "+reason || r.LastError != reason {
		t.Errorf("the full reason is lost: %q", r.StateDetail)
	}
	// The page shows the short text and keeps the full one in a title.
	html := get(t, b)
	if !strings.Contains(html, `title="failing: first line`+"\n") || !strings.Contains(html, strings.Repeat("é", 400)) {
		t.Error("the full reason is not in a title attribute")
	}
}

// Records today count per UTC day, whatever zone the fakeClock is in, and
// restart at 0 at midnight UTC even when no event comes.
func TestRecordsTodayResetAtUTCMidnight(t *testing.T) {
	plus5 := time.FixedZone("PKT", 5*3600)
	c := &fakeClock{t: at("2026-11-22T20:00:00Z").In(plus5)} // 01:00 on the 23rd, local
	b := New(c.now)
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Records: 10})
	c.set(at("2026-11-22T23:59:00Z").In(plus5))
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Records: 5})
	r := row(t, b, fpAccess)
	if r.RecordsToday != 15 {
		t.Errorf("records today %d, want 15", r.RecordsToday)
	}
	// Started today: today counts from the start.
	if !r.TodaySince.Equal(at("2026-11-22T20:00:00Z")) {
		t.Errorf("today since %v, want the board's start", r.TodaySince)
	}
	c.set(at("2026-11-23T00:00:10Z").In(plus5))
	if r := row(t, b, fpAccess); r.RecordsToday != 0 || !r.TodaySince.Equal(at("2026-11-23T00:00:00Z")) {
		t.Errorf("after midnight UTC: %d records since %v, want 0 since midnight", r.RecordsToday, r.TodaySince)
	}
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Records: 7})
	if r := row(t, b, fpAccess); r.RecordsToday != 7 {
		t.Errorf("records today %d, want 7", r.RecordsToday)
	}
	html := get(t, b)
	if !strings.Contains(html, "records delivered since 00:00 UTC today") {
		t.Error("no tooltip saying since when today counts")
	}
}

func TestTodaySinceStartIsSaid(t *testing.T) {
	b, _ := board("2026-11-22T09:41:00Z")
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Records: 1})
	if html := get(t, b); !strings.Contains(html, "since 09:41 UTC, when gatelog started today") {
		t.Error("the page does not say today counts from the start")
	}
}

func TestRecordsPerMinute(t *testing.T) {
	b, c := board("2026-11-22T08:00:00Z")
	deliver := func(when string, n int) {
		c.set(at(when))
		b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Records: n})
	}
	deliver("2026-11-22T08:59:50Z", 2)  // 61 minutes before 10:00: out of the hour
	deliver("2026-11-22T09:01:20Z", 11) // the oldest minute shown
	deliver("2026-11-22T09:57:10Z", 5)  // minute -3
	deliver("2026-11-22T09:57:59Z", 1)
	deliver("2026-11-22T10:00:05Z", 7) // this minute
	c.set(at("2026-11-22T10:00:30Z"))
	got := row(t, b, fpAccess).PerMinute
	want := make([]int, Minutes)
	want[0], want[56], want[59] = 11, 6, 7
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("per minute\n got %v\nwant %v", got, want)
	}
	// The ring reuses 09:01's slot for 10:01: the old count is gone.
	deliver("2026-11-22T10:01:30Z", 4)
	got = row(t, b, fpAccess).PerMinute
	if got[59] != 4 || got[58] != 7 || got[55] != 6 || got[0] != 0 {
		t.Errorf("after a minute: %v", got)
	}
	// An hour later nothing is left in the chart; today still counts.
	c.set(at("2026-11-22T11:01:00Z"))
	r := row(t, b, fpAccess)
	if fmt.Sprint(r.PerMinute) != fmt.Sprint(make([]int, Minutes)) || r.RecordsToday != 30 {
		t.Errorf("an hour later: %v, today %d", r.PerMinute, r.RecordsToday)
	}
}

func TestNewestAndLag(t *testing.T) {
	b, c := board("2026-11-22T10:12:00Z")
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventStarted})
	if r := row(t, b, fpAccess); !r.Newest.IsZero() || r.Lag != 0 {
		t.Errorf("no event yet: newest %v lag %v", r.Newest, r.Lag)
	}
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, EventTime: at("2026-11-22T10:00:00Z")})
	// An older time (a CaughtUp from before) does not move newest back.
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventCaughtUp, EventTime: at("2026-11-22T09:00:00Z")})
	r := row(t, b, fpAccess)
	if !r.Newest.Equal(at("2026-11-22T10:00:00Z")) || r.Lag != 12*time.Minute {
		t.Errorf("newest %v lag %v, want 10:00 and 12m", r.Newest, r.Lag)
	}
	c.set(at("2026-11-22T13:05:30Z"))
	if r := row(t, b, fpAccess); Human(r.Lag) != "3h 5m" {
		t.Errorf("lag %s", Human(r.Lag))
	}
	if html := get(t, b); !regexp.MustCompile(`<td class="lag num">3h 5m</td>`).MatchString(html) {
		t.Error("the lag is not on the page")
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 12 * time.Second: "12s", 59*time.Second + 999*time.Millisecond: "59s",
		4*time.Minute + 59*time.Second: "4m", 3*time.Hour + 5*time.Minute + 9*time.Second: "3h 5m",
		51 * time.Hour: "2d 3h",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestBudgetIsKept(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered,
		Budget: &source.Budget{Used: 120, Limit: 300, Remaining: 180, Reset: at("2026-11-23T00:00:00Z")}})
	// Events without a budget (sink events) keep the last one.
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventSinkWritten, Sink: "archive", Records: 3})
	b.Observe(pipeline.Event{ID: swgAudit, Kind: pipeline.EventDelivered})
	if r := row(t, b, fpAccess); r.Budget == nil || *r.Budget != (source.Budget{Used: 120, Limit: 300, Remaining: 180, Reset: at("2026-11-23T00:00:00Z")}) {
		t.Errorf("budget %+v", r.Budget)
	}
	if r := row(t, b, swgAudit); r.Budget != nil {
		t.Errorf("symantec budget %+v", r.Budget)
	}
	rows := rowsHTML(t, get(t, b))
	if !strings.Contains(rows[0], `style="width:40%"`) || !strings.Contains(rows[0], ">120 / 300<") {
		t.Errorf("no 40%% bar with 120 / 300 in %s", rows[0])
	}
	if !strings.Contains(rows[1], `<span class="budget-text none" title="this stream has no request budget">—</span>`) || strings.Contains(rows[1], `class="meter"`) {
		t.Errorf("a stream without a budget shows one: %s", rows[1])
	}
}

// The budget cell words a paced stream's plan under the bar, and in its
// title with the next request.
func TestBudgetCellShowsThePlan(t *testing.T) {
	now := at("2026-11-22T10:00:00Z")
	for _, c := range []struct {
		plan source.Plan
		want string
	}{
		{source.Plan{}, ""},
		{source.Plan{Every: 4 * time.Minute, Next: now.Add(time.Minute)}, "caught up; polling every 4m"},
		{source.Plan{Every: 288 * time.Second, BudgetBound: true, Next: now}, "caught up; polling every 4m (the budget's pace)"},
		{source.Plan{Behind: 125000, CatchUpAt: now.Add(26 * time.Hour), CatchUpRequests: 140, Every: 288 * time.Second, BudgetBound: true, Next: now},
			"125,000 behind, caught up in ~1d 2h at this pace (140 more requests, every 4m)"},
		{source.Plan{Behind: 9000, CatchUpAt: now.Add(20 * time.Second), CatchUpRequests: 9, Next: now}, "9,000 behind, caught up in ~20s at this pace (9 more requests, at once)"},
		{source.Plan{Behind: 2000000, Every: 288 * time.Second, BudgetBound: true, Next: now}, "2,000,000 behind, not catching up at this budget; a request every 4m"},
		{source.Plan{Behind: -1, Next: now}, "behind, how far unknown; a request at once"},
	} {
		if got := planText(c.plan, now); got != c.want {
			t.Errorf("planText(%+v) = %q; want %q", c.plan, got, c.want)
		}
	}
	b, _ := board("2026-11-22T10:00:00Z")
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Budget: &source.Budget{Used: 120, Limit: 300, Remaining: 180,
		Reset: at("2026-11-23T00:00:00Z"), Plan: source.Plan{Behind: 48000, CatchUpAt: now.Add(3 * time.Hour), CatchUpRequests: 60,
			Every: 3 * time.Minute, BudgetBound: true, Next: now.Add(2 * time.Minute)}}})
	rows := rowsHTML(t, get(t, b))
	for _, want := range []string{`<div class="plan">48,000 behind, caught up in ~3h 0m at this pace (60 more requests, every 3m)</div>`,
		`180 remaining, resets 2026-11-23 00:00 UTC; 48,000 behind, caught up in ~3h 0m at this pace (60 more requests, every 3m); next request 10:02 UTC"`} {
		if !strings.Contains(rows[0], want) {
			t.Errorf("the row lacks %s:\n%s", want, rows[0])
		}
	}
}

func TestBudgetBar(t *testing.T) {
	for _, c := range []struct {
		b    source.Budget
		pct  int
		tone Tone
	}{
		{source.Budget{Used: 0, Limit: 300, Remaining: 300}, 0, ToneOK},
		{source.Budget{Used: 250, Limit: 300, Remaining: 50}, 83, ToneWarn},
		{source.Budget{Used: 10, Limit: 300, Remaining: 0}, 100, ToneBad}, // the server said none remain
		{source.Budget{Used: 400, Limit: 300, Remaining: 0}, 100, ToneBad},
	} {
		if v := budgetOf(c.b, time.Time{}); v.Pct != c.pct || v.Tone != c.tone {
			t.Errorf("%+v: %d%% %s, want %d%% %s", c.b, v.Pct, v.Tone, c.pct, c.tone)
		}
	}
}

func TestPage(t *testing.T) {
	b, c := board("2026-11-22T09:00:00Z")
	c.set(at("2026-11-22T09:58:10Z"))
	b.Observe(pipeline.Event{ID: swgAudit, Kind: pipeline.EventDelivered, Records: 1000, EventTime: at("2026-11-22T09:58:00Z")})
	b.Observe(pipeline.Event{ID: fpAdmin, Kind: pipeline.EventStarted})
	c.set(at("2026-11-22T10:00:30Z"))
	b.Observe(pipeline.Event{ID: fpAccess, Kind: pipeline.EventDelivered, Records: 1, EventTime: at("2026-11-22T10:00:00Z")})
	b.Observe(pipeline.Event{ID: fpAdmin, Kind: pipeline.EventRetrying, Err: errors.New(`bad <script>alert("x")</script> & more`)})
	b.Observe(pipeline.Event{ID: swgAudit, Kind: pipeline.EventDelivered, Records: 500})

	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'unsafe-inline'; img-src data:" {
		t.Errorf("CSP %q", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("content type %q", got)
	}
	html := rec.Body.String()
	if !strings.Contains(html, `<meta http-equiv="refresh" content="5">`) {
		t.Error("no refresh meta tag")
	}
	if !strings.Contains(html, `<span id="updated">updated 10:00:30 UTC</span>`) {
		t.Error("no updated time")
	}
	if strings.Contains(html, "<script") || !strings.Contains(html, `bad &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more`) {
		t.Error("the error text is not escaped")
	}
	// Nothing is loaded from anywhere: no src, no link but the empty icon.
	if m := regexp.MustCompile(`(?i)\b(src|href)=|url\(|@import`).FindAllString(html, -1); len(m) != 1 || !strings.Contains(html, `<link rel="icon" href="data:,">`) {
		t.Errorf("the page refers to resources: %v", m)
	}

	rows := rowsHTML(t, html)
	wantNames := []string{"acme-fp/access", "acme-fp/admin", "acme-wss/audit"}
	if len(rows) != len(wantNames) {
		t.Fatalf("%d rows, want %d", len(rows), len(wantNames))
	}
	wantBars := []int{1, 0, 2} // minutes with records
	wantState := []string{"collecting", "failing: bad &lt;script&gt;", "collecting"}
	for i, r := range rows {
		if !strings.Contains(r, `data-stream="`+wantNames[i]+`"`) || !strings.Contains(r, ">"+wantState[i]) {
			t.Errorf("row %d is not %s %s: %s", i, wantNames[i], wantState[i], r)
		}
		if n := strings.Count(r, "<svg "); n != 1 {
			t.Errorf("row %d has %d charts", i, n)
		}
		heights := regexp.MustCompile(`<rect [^>]*height="(\d+)"`).FindAllStringSubmatch(r, -1)
		nonZero := 0
		for _, h := range heights {
			if h[1] != "0" {
				nonZero++
			}
		}
		if len(heights) != Minutes || nonZero != wantBars[i] {
			t.Errorf("row %d: %d bars, %d with records; want %d and %d", i, len(heights), nonZero, Minutes, wantBars[i])
		}
		if !regexp.MustCompile(`<svg [^>]*><title>` + regexp.QuoteMeta(wantNames[i]) + `: records per minute over the last 60 minutes`).MatchString(r) {
			t.Errorf("row %d: the chart has no title: %s", i, r)
		}
	}
	// The audit stream's peak (1,000 in 09:58) is full height, 500 half.
	if !strings.Contains(rows[2], `<rect x="171" y="4" width="2" height="28"><title>09:58 UTC: 1,000 records</title></rect>`) ||
		!strings.Contains(rows[2], `<rect x="177" y="18" width="2" height="14"><title>10:00 UTC: 500 records</title></rect>`) {
		t.Errorf("audit chart bars: %s", rows[2])
	}
	if !strings.Contains(rows[2], ">1.0k</text>") || !strings.Contains(rows[2], "1,500") {
		t.Errorf("audit row: no scale label or today's count: %s", rows[2])
	}
	if !strings.Contains(rows[1], `<td class="newest">—</td>`) || !strings.Contains(rows[1], `<td class="lag num">—</td>`) {
		t.Errorf("a stream without events shows a time: %s", rows[1])
	}
	if !strings.Contains(rows[0], `<td class="newest" title="2026-11-22T10:00:00Z">10:00:00</td>`) {
		t.Errorf("newest event: %s", rows[0])
	}
}

func TestPageWithoutStreams(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	if html := get(t, b); !strings.Contains(html, "No stream has reported yet.") {
		t.Error("an empty board does not say so")
	}
}

func TestVersionIsShown(t *testing.T) {
	c := &fakeClock{t: at("2026-11-22T10:00:00Z")}
	if html := get(t, New(c.now, WithVersion("v1.2.3"))); !strings.Contains(html, "gatelog v1.2.3") {
		t.Error("no version")
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestSinks(t *testing.T) {
	b, _ := board("2026-11-22T10:00:00Z")
	ev := func(id record.StreamID, kind pipeline.EventKind, sink string, n int, err error) {
		b.Observe(pipeline.Event{ID: id, Kind: kind, Sink: sink, Records: n, Err: err})
	}
	ev(fpAccess, pipeline.EventSinkQueued, "hec", 0, nil)
	ev(fpAdmin, pipeline.EventSinkQueued, "hec", 0, nil)
	ev(fpAccess, pipeline.EventSinkRetrying, "hec", 0, errors.New("503 from <hec>"))
	ev(fpAccess, pipeline.EventSinkWritten, "hec", 100, nil)
	ev(fpAccess, pipeline.EventSinkQueued, "archive", 0, nil)
	ev(fpAccess, pipeline.EventSinkWritten, "archive", 0, errors.New("disk full"))
	got := fmt.Sprintf("%+v", b.sinkRows())
	want := "[{Name:archive Written:0 Errors:1 Queued:0 LastError:disk full} {Name:hec Written:100 Errors:1 Queued:1 LastError:503 from <hec>}]"
	if got != want {
		t.Errorf("sinks\n got %s\nwant %s", got, want)
	}
	html := get(t, b)
	if !strings.Contains(html, `<tr class="sink" data-sink="hec"><td class="name">hec</td><td class="num">100</td><td class="num">1</td><td class="num">1</td>`) ||
		!strings.Contains(html, "503 from &lt;hec&gt;") {
		t.Errorf("no sinks table: %s", html)
	}
}

// Streams report from their own goroutines while the page renders.
func TestConcurrentObserveAndRender(t *testing.T) {
	b := New(nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			id := record.StreamID{Source: "s", Stream: fmt.Sprint(i)}
			for range 200 {
				b.Observe(pipeline.Event{ID: id, Kind: pipeline.EventDelivered, Records: 1, Budget: &source.Budget{Used: 1, Limit: 2}})
				b.Observe(pipeline.Event{ID: id, Kind: pipeline.EventSinkWritten, Sink: "k", Records: 1})
			}
		})
	}
	for range 20 {
		get(t, b)
	}
	wg.Wait()
	for _, r := range b.Snapshot() {
		if r.RecordsToday != 200 {
			t.Errorf("%s: %d records today", r.ID, r.RecordsToday)
		}
	}
}

func get(t *testing.T, b *Board) string {
	t.Helper()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %d %v", resp.StatusCode, err)
	}
	return string(body)
}

// groupHTML is the source's group on the page: its summary row, then its
// stream rows when it is open.
func groupHTML(t *testing.T, html, source string) string {
	t.Helper()
	i := strings.Index(html, `<tbody class="group" id="source-`+source+`"`)
	if i < 0 {
		t.Fatalf("no group for %s", source)
	}
	return html[i : i+strings.Index(html[i:], "</tbody>")]
}

// summaryRow is the group's summary row, to show in a failure.
func summaryRow(group string) string {
	if i := strings.Index(group, "</tr>"); i >= 0 {
		return group[:i]
	}
	return group
}

// rowsHTML cuts the page into its stream rows.
func rowsHTML(t *testing.T, html string) []string {
	t.Helper()
	parts := strings.Split(html, `<tr class="stream"`)[1:]
	for i, p := range parts {
		end := strings.Index(p, "</tr>")
		if end < 0 {
			t.Fatalf("row %d does not end", i)
		}
		parts[i] = p[:end]
	}
	return parts
}

// One group per source: counts by state, the worst lag, records today,
// budgets summed, the latest error, tenant and vendor from the
// configuration. A small page keeps the sources in name order.
func TestGroups(t *testing.T) {
	b, c := board("2026-11-22T10:00:00Z")
	b = New(c.now, WithSources(SourceInfo{Name: "acme-fp", Tenant: "acme", Vendor: "forcepoint"}, SourceInfo{Name: "zeta-wss", Vendor: "symantec"}))
	ev := func(src, stream string, e pipeline.Event) {
		e.ID = record.StreamID{Source: src, Stream: stream}
		b.Observe(e)
	}
	ev("acme-fp", "access", pipeline.Event{Kind: pipeline.EventDelivered, Records: 10, EventTime: at("2026-11-22T09:55:00Z"),
		Budget: &source.Budget{Used: 100, Limit: 300, Remaining: 200}})
	ev("acme-fp", "admin", pipeline.Event{Kind: pipeline.EventCaughtUp, EventTime: at("2026-11-22T09:00:00Z"),
		Budget: &source.Budget{Used: 250, Limit: 300, Remaining: 50}})
	ev("acme-fp", "swgweb", pipeline.Event{Kind: pipeline.EventStarted})
	c.set(at("2026-11-22T10:01:00Z"))
	ev("acme-fp", "admin", pipeline.Event{Kind: pipeline.EventRetry, Err: errors.New("503 Service Unavailable")})
	ev("zeta-wss", "audit", pipeline.Event{Kind: pipeline.EventWaiting, Until: at("2026-11-22T11:00:00Z")})
	ev("beta-fp", "access", pipeline.Event{Kind: pipeline.EventDelivered, Records: 5, EventTime: at("2026-11-22T10:00:00Z")})
	ev("omega-fp", "access", pipeline.Event{Kind: pipeline.EventFailed, Err: errors.New("401 Invalid credentials")})
	ev("omega-fp", "admin", pipeline.Event{Kind: pipeline.EventCaughtUp})

	gs := b.Groups()
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	if want := "[acme-fp beta-fp omega-fp zeta-wss]"; fmt.Sprint(names) != want {
		t.Fatalf("groups %v, want %s", names, want)
	}
	fp := gs[0]
	if fp.Tenant != "acme" || fp.Vendor != "forcepoint" || fp.OK != 2 || fp.Starting != 1 || fp.Failing+fp.Waiting != 0 || fp.Tone != ToneIdle || fp.Troubled() {
		t.Errorf("acme-fp: %+v", fp)
	}
	if fp.WorstLag != time.Hour+time.Minute || fp.LagStream != "admin" || fp.RecordsToday != 10 {
		t.Errorf("acme-fp: worst lag %v of %q, %d records today", fp.WorstLag, fp.LagStream, fp.RecordsToday)
	}
	if fp.Budget == nil || *fp.Budget != (GroupBudget{Streams: 2, Used: 350, Limit: 600, Fullest: "admin",
		FullestBudget: source.Budget{Used: 250, Limit: 300, Remaining: 50}}) {
		t.Errorf("acme-fp budget %+v", fp.Budget)
	}
	if fp.LastError != "503 Service Unavailable" || fp.ErrorStream != "admin" {
		t.Errorf("acme-fp last error %q of %q", fp.LastError, fp.ErrorStream)
	}
	if g := gs[2]; g.Tone != ToneBad || g.Failing != 1 || g.OK != 1 || g.LagStream != "" || g.Tenant != "" || g.Vendor != "" {
		t.Errorf("omega-fp (not configured): %+v", g)
	}
	if g := gs[3]; g.Tone != ToneWarn || g.Waiting != 1 || g.Budget != nil || g.Vendor != "symantec" {
		t.Errorf("zeta-wss: %+v", g)
	}

	html := get(t, b)
	group := groupHTML(t, html, "acme-fp")
	for _, want := range []string{`<td class="name">acme-fp<span class="src-meta"><span class="tenant" title="tenant">acme</span> · forcepoint · 3 streams</span></td>`,
		`<span class="state idle">1 starting</span><span class="state ok">2 ok</span>`,
		`<td class="lag num" title="the largest: admin">1h 1m</td>`, `<td class="today num">10</td>`,
		`title="350 of 600 requests used today by its 2 streams with a budget; the fullest, admin: 250 of 300"`,
		`<span class="warn" style="width:58%">`, `>350 / 600<`, "admin: 503 Service Unavailable"} {
		if !strings.Contains(group, want) {
			t.Errorf("acme-fp's summary has no %s:\n%s", want, group)
		}
	}
	// Few streams: every group shows its streams, in order, without a link.
	if n := strings.Count(group, `<tr class="stream"`); n != 3 || strings.Contains(html, "href=\"?") {
		t.Errorf("acme-fp shows %d streams, want 3, and no link", n)
	}
	if !strings.Contains(html, `<span id="counts">4 sources · 7 streams</span>`) {
		t.Error("no source and stream counts in the header")
	}
}

// A spent budget turns the source's bar red, whatever the share used.
func TestGroupBudgetSpent(t *testing.T) {
	v := groupBudgetOf(GroupBudget{Streams: 2, Used: 310, Limit: 1300, Spent: 1, Fullest: "a", FullestBudget: source.Budget{Used: 300, Limit: 300}})
	if v.Tone != ToneBad || v.Pct != 23 || !strings.HasSuffix(v.Title, "; 1 with none left") {
		t.Errorf("%+v", v)
	}
	if v := groupBudgetOf(GroupBudget{Streams: 2, Used: 10, Limit: 600, Fullest: "a", FullestBudget: source.Budget{Used: 5, Limit: 300, Remaining: 295}}); v.Tone != ToneOK {
		t.Errorf("%+v", v)
	}
}

// Beyond FoldAbove streams, troubled sources come first, failing before
// waiting; healthy ones show their summary row only, with a link that
// opens them (kept in the URL: the page reloads itself); troubled ones
// stay open.
func TestFolding(t *testing.T) {
	b, c := manyBoard(6, 10, 1) // 60 streams, src-000 failing
	b.Observe(pipeline.Event{ID: record.StreamID{Source: "src-002", Stream: "type-05"}, Kind: pipeline.EventWaiting, Until: c.now().Add(time.Hour)})
	b.Observe(pipeline.Event{ID: record.StreamID{Source: "src-004", Stream: "type-01"}, Kind: pipeline.EventFailed, Err: errors.New("401")})
	html := render(t, b, "/")
	order := regexp.MustCompile(`<tbody class="group" id="source-([^"]+)"`).FindAllStringSubmatch(html, -1)
	var names []string
	for _, m := range order {
		names = append(names, m[1])
	}
	if want := "[src-000 src-004 src-002 src-001 src-003 src-005]"; fmt.Sprint(names) != want {
		t.Errorf("sources in the order %v, want %s", names, want)
	}
	if rows := rowsHTML(t, html); len(rows) != 30 || !strings.Contains(rows[10], `data-stream="src-004/type-00"`) {
		t.Errorf("%d stream rows shown, want the 10 of src-000, src-004 and src-002", len(rows))
	}
	if !strings.Contains(html, "6 sources · 60 streams · 3 folded to one row") {
		t.Error("the header does not say sources are folded")
	}
	g := groupHTML(t, html, "src-003")
	if !strings.Contains(g, `<tr class="source t-ok folded">`) ||
		!strings.Contains(g, `<a class="toggle" href="?open=src-003#source-src-003" title="show its 10 streams">▸ src-003</a>`) {
		t.Errorf("src-003 is not folded with a link to open it:\n%s", summaryRow(g))
	}
	if strings.Contains(groupHTML(t, html, "src-000"), `class="toggle"`) {
		t.Error("a failing source open by itself has a link")
	}
	// Every link is to this page: the page loads nothing.
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if m[1] != "data:," && !strings.HasPrefix(m[1], "?open=") {
			t.Errorf("link to %s", m[1])
		}
	}

	html = render(t, b, "/?open=src-003&open=src-005")
	if n := len(rowsHTML(t, html)); n != 50 {
		t.Errorf("%d stream rows with two sources asked for, want 30", n)
	}
	if g := groupHTML(t, html, "src-003"); !strings.Contains(g, `<a class="toggle" href="?open=src-005#source-src-003" title="fold its streams">▾ src-003</a>`) {
		t.Errorf("src-003, asked for, has no link that folds it:\n%s", summaryRow(g))
	}
	if g := groupHTML(t, html, "src-001"); !strings.Contains(g, `href="?open=src-001&amp;open=src-003&amp;open=src-005#source-src-001"`) {
		t.Errorf("src-001's link does not keep the others open:\n%s", summaryRow(g))
	}
	if g := groupHTML(t, render(t, b, "/?open=src-003"), "src-003"); !strings.Contains(g, `href="?#source-src-003"`) {
		t.Errorf("folding the last source asked for:\n%s", summaryRow(g))
	}
}

// When every source fails, troubled sources open only while their rows
// fit in maxOpenRows: an outage does not make a page of megabytes.
func TestOutageKeepsThePageSmall(t *testing.T) {
	b, _ := manyBoard(50, 10, 50)
	html := render(t, b, "/")
	if n := len(rowsHTML(t, html)); n != maxOpenRows {
		t.Errorf("%d stream rows, want %d", n, maxOpenRows)
	}
	if g := groupHTML(t, html, "src-049"); !strings.Contains(g, `<tr class="source t-bad folded">`) {
		t.Errorf("the last failing source is not folded:\n%s", summaryRow(g))
	}
}

// manyBoard is a board of sources × streams, every stream collecting with
// a budget and records in the last hour, as a large deployment shows; the
// first failing sources have a failing stream.
func manyBoard(sources, streams, failing int) (*Board, *fakeClock) {
	c := &fakeClock{t: at("2026-11-22T09:00:00Z")}
	info := make([]SourceInfo, sources)
	for i := range info {
		info[i] = SourceInfo{Name: fmt.Sprintf("src-%03d", i), Tenant: fmt.Sprintf("tenant-%03d", i), Vendor: "forcepoint"}
	}
	b := New(c.now, WithSources(info...))
	for m := range Minutes {
		c.set(at("2026-11-22T09:00:30Z").Add(time.Duration(m) * time.Minute))
		for i := range sources {
			for j := range streams {
				if (m+j)%3 != 0 {
					continue
				}
				b.Observe(pipeline.Event{ID: record.StreamID{Source: info[i].Name, Stream: fmt.Sprintf("type-%02d", j)},
					Kind: pipeline.EventDelivered, Records: 100 + m*j, EventTime: c.now().Add(-90 * time.Second),
					Budget: &source.Budget{Used: m, Limit: 300, Remaining: 300 - m}})
			}
		}
	}
	for i := range failing {
		b.Observe(pipeline.Event{ID: record.StreamID{Source: info[i].Name, Stream: "type-00"}, Kind: pipeline.EventRetrying,
			Err: errors.New("503 Service Unavailable")})
	}
	return b, c
}

// render is the page as the handler serves it for target ("/?open=x").
func render(tb testing.TB, b *Board, target string) string {
	tb.Helper()
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	if rec.Code != 200 {
		tb.Fatalf("GET %s: %d", target, rec.Code)
	}
	return rec.Body.String()
}

// The page of 200 sources of 10 streams stays small: healthy sources fold
// to one row, and a chart costs little. The sizes are logged (go test -v).
func TestPageSizeAt2000Streams(t *testing.T) {
	for _, c := range []struct {
		name     string
		failing  int
		target   string
		maxBytes int
	}{
		{"all healthy", 0, "/", 250_000},
		{"10 sources failing", 10, "/", 800_000},
		{"all failing", 200, "/", 800_000},
		{"one asked for", 0, "/?open=src-100", 320_000},
	} {
		b, _ := manyBoard(200, 10, c.failing)
		start := time.Now()
		html := render(t, b, c.target)
		t.Logf("%-20s %9d bytes, %4d stream rows, rendered in %v", c.name, len(html), len(rowsHTML(t, html)), time.Since(start).Round(time.Millisecond))
		if len(html) > c.maxBytes {
			t.Errorf("%s: %d bytes, want at most %d", c.name, len(html), c.maxBytes)
		}
	}
}

func BenchmarkPage200x10(b *testing.B) {
	for _, c := range []struct {
		name    string
		failing int
	}{{"healthy", 0}, {"10failing", 10}} {
		b.Run(c.name, func(b *testing.B) {
			board, _ := manyBoard(200, 10, c.failing)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(render(b, board, "/"))
			}
			b.ReportMetric(float64(n), "bytes/page")
		})
	}
}
