package telemetry

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/testutil"
)

func readyz(t *testing.T, m *Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(HandlerOptions{Poll: 5 * time.Minute}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code, rec.Body.String()
}

// /readyz: ready while every stream succeeded within two poll intervals or
// waits on a known throttle; a stale or failed stream makes it 503.
func TestReadyz(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	m := New("v", "c")
	m.now = clk.Now
	a := record.StreamID{Source: "acme", Stream: "admin"}
	b := record.StreamID{Source: "acme", Stream: "access"}
	m.Observe(pipeline.Event{ID: a, Kind: pipeline.EventCaughtUp})
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventDelivered, Records: 3, EventTime: clk.Now()})
	if code, _ := readyz(t, m); code != 200 {
		t.Fatalf("fresh streams: %d", code)
	}
	clk.Advance(11 * time.Minute)
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventWaiting, Until: clk.Now().Add(time.Hour)})
	code, body := readyz(t, m)
	if code != 503 || !strings.Contains(body, "acme/admin") || strings.Contains(body, "acme/access") {
		t.Fatalf("stale admin, throttled access: %d %q", code, body)
	}
	m.Observe(pipeline.Event{ID: a, Kind: pipeline.EventCaughtUp})
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventFailed, Err: errors.New("401")})
	if code, body := readyz(t, m); code != 503 || !strings.Contains(body, "acme/access (failed)") {
		t.Fatalf("failed stream: %d %q", code, body)
	}
}

// A paced stream whose small budget spaces its requests further apart than
// two poll intervals is ready while its next request is not overdue.
func TestReadyzWaitsForAPacedStreamsNextRequest(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	m := New("v", "c")
	m.now = clk.Now
	a := record.StreamID{Source: "acme", Stream: "admin"}
	next := clk.Now().Add(2 * time.Hour) // 10 requests a day
	m.Observe(pipeline.Event{ID: a, Kind: pipeline.EventCaughtUp, Budget: &source.Budget{Used: 4, Limit: 10, Remaining: 6,
		Plan: source.Plan{Every: 2 * time.Hour, BudgetBound: true, Next: next}}})
	clk.Advance(119 * time.Minute)
	if code, body := readyz(t, m); code != 200 {
		t.Fatalf("waiting for its next request: %d %q", code, body)
	}
	clk.Advance(10 * time.Minute) // the request is 9 minutes late: within two poll intervals (10m)
	if code, _ := readyz(t, m); code != 200 {
		t.Fatalf("shortly after its next request: %d", code)
	}
	clk.Advance(time.Hour)
	if code, body := readyz(t, m); code != 503 || !strings.Contains(body, "acme/admin") {
		t.Fatalf("an hour after its next request was due: %d %q", code, body)
	}
}

// A stream another instance runs does not make this one unready, even
// when it failed here before the other took it; once this instance runs it
// again it is judged again.
func TestReadyzSkipsStreamsOnOtherInstances(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	m := New("v", "c")
	m.now = clk.Now
	a := record.StreamID{Source: "acme", Stream: "admin"}
	b := record.StreamID{Source: "acme", Stream: "access"}
	m.Observe(pipeline.Event{ID: a, Kind: pipeline.EventCaughtUp})
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventFailed, Err: errors.New("lease lost")})
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventElsewhere, Owner: "host-2/7"})
	if code, body := readyz(t, m); code != 200 {
		t.Fatalf("a stream on another instance: %d %q", code, body)
	}
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventStarted, Owner: "host-1/1"})
	if code, body := readyz(t, m); code != 503 || !strings.Contains(body, "acme/access") {
		t.Fatalf("a stream claimed back but not yet delivered: %d %q", code, body)
	}
}

// Per-sink series follow the sink events: queue depth rises while batches
// wait for a sink and falls when their write ends; failed attempts count as
// errors, never as records.
func TestSinkSeries(t *testing.T) {
	m := New("v", "c")
	id := record.StreamID{Source: "acme", Stream: "admin"}
	ev := func(kind pipeline.EventKind, records int, err error) {
		m.Observe(pipeline.Event{ID: id, Kind: kind, Sink: "siem", Records: records, Err: err})
	}
	depth := func() float64 { return promtest.ToFloat64(m.sinkQueue.WithLabelValues("siem")) }
	ev(pipeline.EventSinkQueued, 0, nil)
	ev(pipeline.EventSinkQueued, 0, nil)
	if d := depth(); d != 2 {
		t.Fatalf("queue depth with two batches waiting = %v", d)
	}
	ev(pipeline.EventSinkRetrying, 0, errors.New("503"))
	ev(pipeline.EventSinkWritten, 0, errors.New("503 again"))
	ev(pipeline.EventSinkWritten, 10, nil)
	if d, e, r, b := depth(), promtest.ToFloat64(m.sinkErrors.WithLabelValues("siem")),
		promtest.ToFloat64(m.sinkRecords.WithLabelValues("siem")), promtest.ToFloat64(m.sinkBatches.WithLabelValues("siem")); d != 0 || e != 2 || r != 10 || b != 1 {
		t.Fatalf("depth %v errors %v records %v batches %v; want 0 2 10 1", d, e, r, b)
	}
	if n := promtest.CollectAndCount(m.records); n != 0 {
		t.Fatalf("sink events counted as stream records (%d series)", n)
	}
}

// Budget gauges follow the budget an event carries; HTTP answers count by
// status, a transport error as code "error".
func TestBudgetAndResponseSeries(t *testing.T) {
	m := New("v", "c")
	id := record.StreamID{Source: "acme", Stream: "admin"}
	reset := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	m.Observe(pipeline.Event{ID: id, Kind: pipeline.EventWaiting, Budget: &source.Budget{Used: 300, Limit: 300, Remaining: 0, Reset: reset}})
	l := []string{"acme", "admin"}
	if lim, rem, rs := promtest.ToFloat64(m.budgetLimit.WithLabelValues(l...)), promtest.ToFloat64(m.budgetRemaining.WithLabelValues(l...)),
		promtest.ToFloat64(m.budgetReset.WithLabelValues(l...)); lim != 300 || rem != 0 || rs != float64(reset.Unix()) {
		t.Fatalf("budget limit %v remaining %v reset %v", lim, rem, rs)
	}
	m.ObserveHTTP(httpx.Exchange{Stream: id, Status: 429})
	m.ObserveHTTP(httpx.Exchange{Stream: id, Status: 429})
	m.ObserveHTTP(httpx.Exchange{Client: "acme", Err: errors.New("reset")})
	if n := promtest.ToFloat64(m.responses.WithLabelValues("acme", "admin", "429")); n != 2 {
		t.Fatalf("429s = %v", n)
	}
	if n := promtest.ToFloat64(m.responses.WithLabelValues("acme", "", "error")); n != 1 {
		t.Fatalf("transport errors = %v", n)
	}
}

// A paced stream's plan: records behind, the wait between requests, and
// the time to catch up counted down at scrape time.
func TestPlanSeries(t *testing.T) {
	m := New("v", "c")
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	id := record.StreamID{Source: "acme", Stream: "access"}
	l := []string{"acme", "access"}
	m.Observe(pipeline.Event{ID: id, Kind: pipeline.EventDelivered, Budget: &source.Budget{Used: 12, Limit: 300, Remaining: 288,
		Plan: source.Plan{Behind: 48000, CatchUpAt: now.Add(3 * time.Hour), Every: 288 * time.Second, Next: now.Add(time.Minute)}}})
	if b, e := promtest.ToFloat64(m.recordsBehind.WithLabelValues(l...)), promtest.ToFloat64(m.pollInterval.WithLabelValues(l...)); b != 48000 || e != 288 {
		t.Errorf("records behind %v, poll interval %v; want 48000 and 288", b, e)
	}
	now = now.Add(time.Hour)
	const want = `
# HELP gatelog_catch_up_seconds How long a paced stream expects to take to catch up at its pace: 0 caught up, -1 not at this budget or unknown.
# TYPE gatelog_catch_up_seconds gauge
gatelog_catch_up_seconds{source="acme",stream="access"} 7200
`
	if err := promtest.CollectAndCompare(m.Registry, strings.NewReader(want), "gatelog_catch_up_seconds"); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		plan source.Plan
		want float64
	}{
		{source.Plan{Every: time.Minute}, 0},
		{source.Plan{Behind: 5, Every: time.Minute}, -1},
		{source.Plan{Behind: -1}, -1},
		{source.Plan{Behind: 5, CatchUpAt: now.Add(-time.Minute)}, 0},
	} {
		if got := catchUpSeconds(c.plan, now); got != c.want {
			t.Errorf("catchUpSeconds(%+v) = %v; want %v", c.plan, got, c.want)
		}
	}
	// A stream without a plan has none of these series.
	m.Observe(pipeline.Event{ID: record.StreamID{Source: "swg", Stream: "sync"}, Kind: pipeline.EventDelivered, Budget: &source.Budget{Limit: 10}})
	if n := promtest.CollectAndCount(m.recordsBehind); n != 1 {
		t.Errorf("%d records_behind series; want 1", n)
	}
}

// listen_auth guards the page and /metrics, never the probes; a wrong
// username or password gets the same 401.
func TestBasicAuth(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("the page")) })
	h := New("v", "c").Handler(HandlerOptions{Poll: time.Minute, Page: page, Username: "ops", Password: "pw"})
	for _, tc := range []struct {
		path, user, pass string
		want             int
	}{
		{"/", "ops", "pw", 200},
		{"/metrics", "ops", "pw", 200},
		{"/", "", "", 401},
		{"/", "ops", "nope", 401},
		{"/metrics", "root", "pw", 401},
		{"/healthz", "", "", 200},
		{"/readyz", "", "", 200},
		{"/nothing-here", "ops", "pw", 404},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s as %q/%q: %d, want %d", tc.path, tc.user, tc.pass, rec.Code, tc.want)
		}
		if rec.Code == 401 && (!strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") || strings.Contains(rec.Body.String(), "pw")) {
			t.Errorf("401 without a Basic challenge, or echoing the password: %q %q", rec.Header(), rec.Body.String())
		}
	}
	open := New("v", "c").Handler(HandlerOptions{Page: page})
	rec := httptest.NewRecorder()
	open.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 200 || rec.Body.String() != "the page" {
		t.Fatalf("without listen_auth: %d %q", rec.Code, rec.Body.String())
	}
}
