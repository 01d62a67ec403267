package symantec

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
)

func TestSyncAbortCutsLastMemberAndKeepsToken(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.AbortEvery = 2
	s := New(cfg)
	c := start(t, s)
	first := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	if first.status != statusMore {
		t.Fatalf("first status %q", first.status)
	}
	aborted := c.sync(TrailerBody, syncQuery(testStart, "0", first.token))
	if aborted.status != statusAbort || aborted.token != first.token {
		t.Fatalf("second: status %q, same token %v; want abort with the token sent", aborted.status, aborted.token == first.token)
	}
	n := len(aborted.members)
	if !errors.Is(aborted.members[n-1].err, io.ErrUnexpectedEOF) {
		t.Errorf("last member error %v, want unexpected EOF", aborted.members[n-1].err)
	}
	retry := c.sync(TrailerBody, syncQuery(testStart, "0", first.token))
	if retry.status != statusMore || len(retry.members) != n {
		t.Fatalf("retry: status %q, %d members, want more with %d", retry.status, len(retry.members), n)
	}
	for k, m := range aborted.members[:n-1] { // all but the last are whole
		if m.err != nil || !bytes.Equal(m.data, retry.members[k].data) {
			t.Errorf("member %d differs from the retry (err %v)", k, m.err)
		}
	}
	lines := append(first.dataLines(t), retry.dataLines(t)...)
	rest, _, _ := c.walkAborts(retry.token)
	sameLines(t, append(lines, rest...), raws(s.Lines(testStart, testEnd)))
}

// walkAborts finishes a session, retrying aborted answers with the same token.
func (c *client) walkAborts(token string) (lines [][]byte, aborts int, last syncResp) {
	c.t.Helper()
	for k := 0; k < 100; k++ {
		r := c.sync(TrailerBody, syncQuery(testStart, "0", token))
		switch r.status {
		case statusAbort:
			aborts++
			if r.token != token {
				c.t.Fatal("abort advanced the token")
			}
			continue
		case statusMore, statusDone:
			lines = append(lines, r.dataLines(c.t)...)
		default:
			c.t.Fatalf("code %d status %q", r.code, r.status)
		}
		if token = r.token; r.status == statusDone {
			return lines, aborts, r
		}
	}
	c.t.Fatal("walk did not finish")
	return nil, 0, syncResp{}
}

func TestSyncExpiredTokens(t *testing.T) {
	clk := newClock()
	s := New(baseConfig(clk))
	c := start(t, s)
	r := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))

	s.ExpireTokens()
	resp, body := c.get(pathSync, syncQuery(testStart, "0", r.token))
	if resp.StatusCode != http.StatusGone || string(body) != goneMsg+"\n" {
		t.Errorf("after ExpireTokens: %d %q", resp.StatusCode, body)
	}
	fresh := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	if fresh.code != http.StatusOK {
		t.Fatalf("new session: %d", fresh.code)
	}
	clk.Advance(24 * time.Hour)
	if r := c.sync(TrailerBody, syncQuery(testStart, "0", fresh.token)); r.code != http.StatusOK {
		t.Errorf("token exactly 24h old: %d, want 200", r.code)
	}
	clk.Advance(time.Second)
	if r := c.sync(TrailerBody, syncQuery(testStart, "0", fresh.token)); r.code != http.StatusGone {
		t.Errorf("token older than TTL: %d, want 410", r.code)
	}
	if r := c.sync(TrailerBody, syncQuery(testStart, "0", "AAAA")); r.code != http.StatusGone {
		t.Errorf("unknown token: %d, want 410", r.code)
	}
}

func TestMinIntervalAnswers429WithRetryAfter(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.MinInterval = 5 * time.Minute
	c := start(t, New(cfg))
	q := syncQuery(testStart, "0", "none")
	if resp, _ := c.get(pathSync, q); resp.StatusCode != http.StatusOK {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	clk.Advance(time.Minute + 500*time.Millisecond)
	resp, _ := c.get(pathList, "type=hour&startDate=0&endDate=0&api")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "240" {
		t.Fatalf("second: %d Retry-After %q, want 429 and 240 (239.5s rounded up)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clk.Advance(239 * time.Second)
	if resp, _ := c.get(pathSync, q); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("still early: %d", resp.StatusCode)
	}
	clk.Advance(time.Second)
	if resp, _ := c.get(pathSync, q); resp.StatusCode != http.StatusOK {
		t.Errorf("after Retry-After: %d", resp.StatusCode)
	}
}

func TestBlockEveryAnswers423(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.BlockEvery = 3
	s := New(cfg)
	c := start(t, s)
	var codes []int
	for k := 0; k < 6; k++ {
		resp, body := c.get(pathSync, syncQuery(testStart, "0", "none"))
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusLocked && !bytes.Contains(body, []byte("API access is blocked")) {
			t.Errorf("423 body %q", body)
		}
	}
	want := []int{200, 200, 423, 200, 200, 423}
	for k := range want {
		if codes[k] != want[k] {
			t.Fatalf("codes %v, want %v", codes, want)
		}
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.Latency = time.Hour // would hang the test if cancellation were ignored
	s := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, pathSync+"?"+syncQuery(testStart, "0", "none"), nil)
	xapi(accessUser, accessPass)(req)
	s.ServeHTTP(httptest.NewRecorder(), req)
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Status != 0 {
		t.Errorf("requests %+v, want one with status 0", reqs)
	}
}

// TestFaultWrapReplaysToken: a sync answer cut by the fault middleware
// leaves the server ahead of the client, so the token the client still
// holds must keep working.
func TestFaultWrapReplaysToken(t *testing.T) {
	s := New(baseConfig(newClock()))
	var n atomic.Int32
	h := fault.Wrap(s, fault.Config{Rate: 1, Kinds: []fault.Kind{fault.Truncate}}, func(*http.Request) bool {
		return n.Add(1) != 2 // cut only the second request
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c := &client{t: t, base: ts.URL, auth: xapi(accessUser, accessPass)}

	first := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	req, _ := http.NewRequest(http.MethodGet, ts.URL+pathSync+"?"+syncQuery(testStart, "0", first.token), nil)
	c.auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut answer read error %v, want unexpected EOF", err)
	}
	resp.Body.Close()
	rest, _, _ := c.walk(TrailerBody, testStart, "0", first.token)
	sameLines(t, append(first.dataLines(t), rest...), raws(s.Lines(testStart, testEnd)))
}
