package symantec

import (
	"net/http"
	"testing"
	"time"
)

func TestSyncWalkReturnsLinesThenSameTokenDone(t *testing.T) {
	clk := newClock()
	s := New(baseConfig(clk))
	c := start(t, s)
	want := raws(s.Lines(testStart, testEnd))
	if len(want) != 6*120 {
		t.Fatalf("Lines: %d, want 720", len(want))
	}

	seen := map[string]bool{}
	token := "none"
	var got [][]byte
	var statuses []string
	for len(statuses) == 0 || statuses[len(statuses)-1] != statusDone {
		r := c.sync(TrailerBody, syncQuery(testStart, "0", token))
		if r.code != http.StatusOK || len(r.token) != tokenLen || seen[r.token] {
			t.Fatalf("code %d token %q (seen %v)", r.code, r.token, seen[r.token])
		}
		seen[r.token] = true
		got = append(got, r.dataLines(t)...)
		statuses = append(statuses, r.status)
		token = r.token
	}
	sameLines(t, got, want)
	if len(statuses) != 8 { // 720 lines, 100 per archive
		t.Errorf("statuses %v, want 7 more then done", statuses)
	}

	// Nothing new: done with the same token and a trailer-only body.
	_, body := c.get(pathSync, syncQuery(testStart, "0", token))
	if wantBody := "X-sync-token: " + token + "\r\nX-sync-status: done\r\n"; string(body) != wantBody || len(body) != 105 {
		t.Errorf("empty answer %q, want %q", body, wantBody)
	}
}

func TestSyncStartDateNotOnHourIsFloored(t *testing.T) {
	clk := newClock()
	s := New(baseConfig(clk))
	got, _, _ := start(t, s).walk(TrailerBody, testStart.Add(17*time.Minute+123*time.Millisecond), "0", "none")
	sameLines(t, got, raws(s.Lines(testStart, testEnd)))
}

func TestSyncBoundedEnd(t *testing.T) {
	clk := newClock()
	s := New(baseConfig(clk))
	c := start(t, s)
	from, to := testStart.Add(time.Hour), testStart.Add(3*time.Hour)
	got, last, _ := c.walk(TrailerBody, from, ms(to), "none")
	sameLines(t, got, raws(s.Lines(from, to)))
	r := c.sync(TrailerBody, syncQuery(from, ms(to), last.token))
	if r.status != statusDone || r.token != last.token || r.zip != nil {
		t.Errorf("after the end: status %q, same token %v, zip %d bytes", r.status, r.token == last.token, len(r.zip))
	}
}

func TestSyncLiveLinesArriveOnLastToken(t *testing.T) {
	clk := newClock() // End + 30 min
	cfg := baseConfig(clk)
	cfg.Live, cfg.LiveRate = true, 0.5
	s := New(cfg)
	c := start(t, s)
	got, last, _ := c.walk(TrailerBody, testStart, "0", "none")
	sameLines(t, got, raws(s.Lines(testStart, clk.Now().Add(time.Second))))
	if n := len(got) - 720; n != 901 { // 30 min at 0.5/s, both ends included
		t.Errorf("live lines %d, want 901", n)
	}

	clk.Advance(50 * time.Minute) // crosses into the next hour
	more, _, _ := c.walk(TrailerBody, testStart, "0", last.token)
	sameLines(t, append(got, more...), raws(s.Lines(testStart, clk.Now().Add(time.Second))))
	if len(more) != 1500 {
		t.Errorf("new lines %d, want 1500", len(more))
	}
}

func TestSyncTrailerModes(t *testing.T) {
	for _, mode := range []string{TrailerBody, TrailerHTTPTrailer, TrailerHeader} {
		t.Run(mode, func(t *testing.T) {
			clk := newClock()
			cfg := baseConfig(clk)
			cfg.TrailerMode = mode
			s := New(cfg)
			c := start(t, s)
			got, last, statuses := c.walk(mode, testStart, "0", "none")
			sameLines(t, got, raws(s.Lines(testStart, testEnd)))
			if statuses[0] != statusMore {
				t.Errorf("statuses %v", statuses)
			}
			resp, body := c.get(pathSync, syncQuery(testStart, "0", last.token))
			checkEmptyAnswer(t, mode, resp, body, last.token)
		})
	}
}

// checkEmptyAnswer: with nothing new, only the trailer carries anything.
func checkEmptyAnswer(t *testing.T, mode string, resp *http.Response, body []byte, token string) {
	t.Helper()
	tok, st := resp.Header.Get("X-Sync-Token"), resp.Header.Get("X-Sync-Status")
	switch mode {
	case TrailerBody:
		_, tok, st = splitTrailer(t, body)
	case TrailerHTTPTrailer:
		tok, st = resp.Trailer.Get("X-Sync-Token"), resp.Trailer.Get("X-Sync-Status")
		if len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
			t.Errorf("transfer encoding %v, want chunked", resp.TransferEncoding)
		}
	}
	if mode != TrailerBody && len(body) != 0 {
		t.Errorf("body %q, want empty", body)
	}
	if tok != token || st != statusDone {
		t.Errorf("trailer %q %q, want same token and done", tok, st)
	}
}

func TestSyncResponseHeaders(t *testing.T) {
	clk := newClock()
	c := start(t, New(baseConfig(clk)))
	resp, _ := c.get(pathSync, syncQuery(testStart, "0", "none"))
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="cloud_archive_20261122123000.zip"`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/zip" {
		t.Errorf("Content-Type %q", got)
	}
}

func TestSyncMemberNames(t *testing.T) {
	clk := newClock()
	c := start(t, New(baseConfig(clk)))
	r := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	// 100 lines: 50 + 50 of hour 06, two cloud instances.
	if len(r.members) != 2 {
		t.Fatalf("%d members", len(r.members))
	}
	for _, m := range r.members {
		if len(m.name) != len("cloud_abcde_20261122060000.log.gz") || m.name[:6] != "cloud_" || m.name[11:] != "_20261122060000.log.gz" {
			t.Errorf("member name %q", m.name)
		}
	}
	if r.members[0].name == r.members[1].name {
		t.Errorf("members of one hour share the name %q", r.members[0].name)
	}
}

func TestSyncMaxMB(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.LongLineEvery, cfg.LongLineBytes, cfg.MaxLinesPerArchive = 10, 600<<10, 5000
	s := New(cfg)
	c := start(t, s)
	r := c.sync(TrailerBody, syncQuery(testStart, "0", "none")+"&maxMB=1")
	// Two 600 KiB lines pass 1 MiB: the cap is checked before each line.
	if n := len(r.dataLines(t)); r.status != statusMore || n != 20 {
		t.Errorf("status %q with %d lines, want more with 20", r.status, n)
	}
}
