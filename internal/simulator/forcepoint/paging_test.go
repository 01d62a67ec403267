package forcepoint

import (
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

// TestWalkCollectsExactlyExpected pages every type from before its first
// record to caught up, with both auth schemes, and checks that the records
// are exactly Expected(): none missing, none twice, in order.
func TestWalkCollectsExactlyExpected(t *testing.T) {
	clk := testutil.NewClock(testEnd.Add(time.Hour))
	cfg := baseConfig(clk)
	cfg.Types = map[string]int{}
	for i, typ := range AllTypes() {
		cfg.Types[typ] = 45 + i // several pages, the last one partial
	}
	s := New(cfg)
	for _, auth := range []string{bearer(testToken), basic(testUser, testPass)} {
		c := start(t, s)
		c.auth = auth
		for _, typ := range AllTypes() {
			got, _ := walk(t, c, typ, startOf(s))
			sameRecords(t, got, expectedBytes(s.Expected(typ, time.Time{})))
		}
	}
}

func TestPageOrder(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	for _, typ := range []string{"access", "healthapi", "swgweb", "ztna"} {
		resp, body := c.get(params(typ, "startdate", startOf(s)))
		p := decodePage(t, resp, body)
		first := recordTime(t, p.Response.Data[0])
		last := recordTime(t, p.Response.Data[len(p.Response.Data)-1])
		if newestFirst := first.After(last); newestFirst != isNewType(typ) {
			t.Errorf("%s: first %v, last %v; want newest first = %v", typ, first, last, isNewType(typ))
		}
		// Pages still advance forward in time.
		resp, body = c.get(params(typ, "nextpagetoken", p.NextPageToken))
		p2 := decodePage(t, resp, body)
		for _, rec := range p2.Response.Data {
			if tm := recordTime(t, rec); tm.Before(first) || tm.Before(last) {
				t.Errorf("%s: page 2 has %v, older than page 1", typ, tm)
			}
		}
	}
}

func TestTokenFormats(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	for _, typ := range AllTypes() {
		resp, body := c.get(params(typ, "startdate", startOf(s)))
		p := decodePage(t, resp, body)
		m := decodeToken(t, p.NextPageToken)
		if isNewType(typ) {
			_, a := m["start_time"]
			_, b := m["end_time"]
			if page, ok := m["page"].(float64); !a || !b || !ok || page != 1 {
				t.Errorf("%s: token %v, want start_time, end_time, page 1", typ, m)
			}
			continue
		}
		id, _ := m["log_id"].(string)
		dt, _ := m["datetime"].(string)
		tm, err := time.Parse("2006-01-02T15:04:05.000000Z", dt)
		if len(id) != 40 || err != nil {
			t.Fatalf("%s: token %v", typ, m)
		}
		newest := recordTime(t, p.Response.Data[len(p.Response.Data)-1])
		if !tm.After(newest) || tm.Sub(newest) > 2*time.Second {
			t.Errorf("%s: token datetime %v, want a little after newest event %v", typ, tm, newest)
		}
	}
}

func TestStartdateInclusive(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	all := s.Expected("access", time.Time{})
	// Record 9 starts a burst of records sharing one second.
	at := all[9].Time
	resp, body := c.get(params("access", "startdate", at.Format(layoutStartDate)))
	p := decodePage(t, resp, body)
	sameRecords(t, pageInOrder("access", p.Response.Data)[:3], expectedBytes(all[9:12]))
}

func TestTokenBoundToType(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	resp, body := c.get(params("access", "startdate", startOf(s)))
	tok := decodePage(t, resp, body).NextPageToken
	resp, body = c.get(params("admin", "nextpagetoken", tok))
	if resp.StatusCode != 400 || string(body) != `{"status": "Invalid next page token"}` {
		t.Errorf("access token used for admin: %d %s", resp.StatusCode, body)
	}
}

func TestLiveArrival(t *testing.T) {
	for _, typ := range []string{"access", "swgweb"} {
		clk := testutil.NewClock(testEnd.Add(10 * time.Second))
		cfg := baseConfig(clk)
		cfg.Live, cfg.LiveRate = true, 4
		s := New(cfg)
		c := start(t, s)
		got, lastGood := walk(t, c, typ, startOf(s))
		sameRecords(t, got, expectedBytes(s.Expected(typ, clk.Now())))
		if want := cfg.DefaultCount + 40; len(got) != want {
			t.Fatalf("%s: %d records after 10s at 4/s, want %d", typ, len(got), want)
		}
		clk.Advance(2*time.Second + 100*time.Millisecond)
		var more [][]byte
		q := params(typ, "nextpagetoken", lastGood)
		for {
			resp, body := c.get(q)
			p := decodePage(t, resp, body)
			if len(p.Response.Data) == 0 {
				break
			}
			more = append(more, pageInOrder(typ, p.Response.Data)...)
			q = params(typ, "nextpagetoken", p.NextPageToken)
		}
		all := expectedBytes(s.Expected(typ, clk.Now()))
		sameRecords(t, more, all[len(got):])
		if len(more) != 8 {
			t.Errorf("%s: %d new records after 2.1s at 4/s, want 8", typ, len(more))
		}
	}
}

func TestLiveRecordTimes(t *testing.T) {
	clk := testutil.NewClock(testEnd.Add(time.Minute))
	cfg := baseConfig(clk)
	cfg.Live, cfg.LiveRate = true, 5
	s := New(cfg)
	recs := s.Expected("ztna", clk.Now())
	live := recs[cfg.DefaultCount:]
	if len(live) != 300 {
		t.Fatalf("%d live records after 60s at 5/s, want 300", len(live))
	}
	for j, r := range live {
		want := testEnd.Add(time.Duration(j+1) * time.Second / 5).Truncate(time.Second)
		if !r.Time.Equal(want) || !recordTime(t, r.JSON).Equal(want) {
			t.Fatalf("live record %d at %v, want %v", j, r.Time, want)
		}
	}
}

func TestPathsAndMethods(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	q := params("admin", "startdate", startOf(s))
	for _, path := range []string{"/api/bitglassapi/logs/v1/", "/api/bitglassapi/logs/v1", "/api/bitglassapi/logs/", "/api/bitglassapi/logs"} {
		for _, m := range []string{"GET", "POST"} {
			resp, body := c.do(m, path, q)
			if got := len(decodePage(t, resp, body).Response.Data); got != 20 {
				t.Errorf("%s %s: %d records", m, path, got)
			}
		}
	}
	if resp, _ := c.do("GET", "/api/bitglassapi/config/v1/", q); resp.StatusCode != 404 {
		t.Errorf("other path: %d", resp.StatusCode)
	}
	if resp, _ := c.do("DELETE", logsPath, q); resp.StatusCode != 405 {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
}

func TestCSVIsTheDefault(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	q := params("access", "startdate", startOf(s))
	q.Del("responseformat")
	resp, body := c.get(q)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	header := "action,activity,application,details,"
	if len(body) < len(header) || string(body[:len(header)]) != header {
		t.Errorf("CSV starts %.60q", body)
	}
}

func TestRequestLog(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	var mu sync.Mutex
	var told []Request
	cfg.OnRequest = func(r Request) { mu.Lock(); told = append(told, r); mu.Unlock() }
	s := New(cfg)
	c := start(t, s)
	c.get(params("access", "startdate", "2026-11-21T00:00:00Z"))
	c.auth = basic(testUser, testPass)
	c.do("POST", logsPath, params("swgweb", "nextpagetoken", "bogus"))
	c.auth = ""
	c.get(params("admin", "startdate", "2026-11-21T00:00:00Z"))
	want := []Request{
		{Time: testEnd, Type: "access", Status: 200, StartDate: "2026-11-21T00:00:00Z", Method: "GET", Auth: "bearer",
			Records: cfg.PageSize, Oldest: s.Expected("access", time.Time{})[0].Time}, // a full page from the first record
		{Time: testEnd, Type: "swgweb", Status: 400, Token: "bogus", Method: "POST", Auth: "basic"},
		{Time: testEnd, Type: "admin", Status: 401, StartDate: "2026-11-21T00:00:00Z", Method: "GET", Auth: "none"},
	}
	got := s.Requests()
	if len(got) != len(want) || s.RequestCount() != 3 {
		t.Fatalf("got %d requests: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != len(got) || told[0] != got[0] || told[2] != got[2] {
		t.Errorf("OnRequest was told %+v; want the request log %+v", told, got)
	}
}

func TestManyPagesLargeType(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.Types = map[string]int{"swgwebdlp": 5003}
	cfg.PageSize = 1000
	s := New(cfg)
	c := start(t, s)
	got, _ := walk(t, c, "swgwebdlp", startOf(s))
	sameRecords(t, got, expectedBytes(s.Expected("swgwebdlp", time.Time{})))
	if n := s.RequestCount(); n != 7 {
		t.Errorf("%d requests for 5003 records at 1000 a page, want 7 (6 pages + caught up)", n)
	}
	if n := len(s.Expected("access", time.Time{})); n != 0 {
		t.Errorf("type missing from Types has %d records", n)
	}
}

// TestStartdateOverlap: a startdate query for swgweb, swgwebdlp or ztna
// also returns the records of the Overlap before startdate (the vendor's
// documented overlap); old types start exactly at startdate.
func TestStartdateOverlap(t *testing.T) {
	// 50 records over 490s: bursts of three every 30s, record i at
	// first + (i - i%3)*10s. Record 24 is at first+240s.
	const span = 490 * time.Second
	first := testEnd.Add(-span)
	at24, after := first.Add(240*time.Second), testEnd.Add(30*time.Second)
	tests := []struct {
		name     string
		typ      string
		overlap  time.Duration
		start    time.Time
		wantFrom int
	}{
		{"swgweb default 60s", "swgweb", 0, at24, 18},
		{"swgwebdlp default 60s", "swgwebdlp", 0, at24, 18},
		{"ztna default 60s", "ztna", 0, at24, 18},
		{"swgweb 5m", "swgweb", 5 * time.Minute, at24, 0},
		{"swgweb none", "swgweb", -1, at24, 24},
		{"access never", "access", 0, at24, 24},
		{"healthapi never", "healthapi", 5 * time.Minute, at24, 24},
		{"swgweb after all data", "swgweb", 0, after, 48},
		{"swgweb long after all data", "swgweb", 0, testEnd.Add(time.Hour), 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(testutil.NewClock(testEnd))
			cfg.Span, cfg.Overlap = span, tt.overlap
			s := New(cfg)
			c := start(t, s)
			resp, body := c.get(params(tt.typ, "startdate", tt.start.Format(layoutStartDate)))
			got := pageInOrder(tt.typ, decodePage(t, resp, body).Response.Data)
			all := expectedBytes(s.Expected(tt.typ, time.Time{}))
			sameRecords(t, got, all[tt.wantFrom:min(tt.wantFrom+20, len(all))])
		})
	}
}
