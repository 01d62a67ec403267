package symantec

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"
)

const listAll = "type=hour&start=0&limit=1000&api&startDate=0&endDate=0"

// code sends one GET and returns its status and Retry-After.
func (c *client) code(path, q string) (int, string) {
	c.t.Helper()
	resp, body := c.get(path, q)
	if resp.StatusCode == http.StatusTooManyRequests && !bytes.Contains(body, []byte("Server failed to fulfill the request")) {
		c.t.Errorf("429 body %q lacks the KB232689 text", body)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestMinIntervalOnByDefault: a tenant configured without MinInterval
// still throttles two requests at one instant, across endpoints.
func TestMinIntervalOnByDefault(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.MinInterval = 0
	c := start(t, New(cfg))
	if code, _ := c.code(pathSync, syncQuery(testStart, "0", "none")); code != http.StatusOK {
		t.Fatalf("first: %d", code)
	}
	if code, ra := c.code(pathList, listAll); code != http.StatusTooManyRequests || ra != "1" {
		t.Fatalf("list at once: %d Retry-After %q, want 429 and 1", code, ra)
	}
	clk.Advance(DefaultMinInterval)
	if code, _ := c.code(pathDownload, "type=hour&api&items="+ms(testStart)); code != http.StatusOK {
		t.Errorf("download after the interval: %d", code)
	}
}

// TestMinIntervalRetryAfterNeverEarly: whatever the client's offset, the
// Retry-After it gets is enough, and no second earlier.
func TestMinIntervalRetryAfterNeverEarly(t *testing.T) {
	const interval = 1500 * time.Millisecond
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{{0, 2}, {time.Millisecond, 2}, {499 * time.Millisecond, 2}, {500 * time.Millisecond, 1}, {1499 * time.Millisecond, 1}} {
		clk := newClock()
		cfg := baseConfig(clk)
		cfg.MinInterval = interval
		c := start(t, New(cfg))
		c.code(pathList, listAll)
		clk.Advance(tc.after)
		code, ra := c.code(pathSync, syncQuery(testStart, "0", "none"))
		if code != http.StatusTooManyRequests || ra != strconv.Itoa(tc.want) {
			t.Errorf("%v after: %d Retry-After %q, want 429 and %d", tc.after, code, ra, tc.want)
			continue
		}
		if wait := interval - tc.after; time.Duration(tc.want-1)*time.Second >= wait {
			t.Errorf("%v after: Retry-After %d is more than a second late", tc.after, tc.want)
		}
		clk.Advance(time.Duration(tc.want) * time.Second)
		if code, _ := c.code(pathSync, syncQuery(testStart, "0", "none")); code != http.StatusOK {
			t.Errorf("%v after, then Retry-After: %d", tc.after, code)
		}
	}
}

// TestMinIntervalRefusalsDoNotRestartTheWait: 429s and failed logins are
// not served requests, so the wait runs from the last served one.
func TestMinIntervalRefusalsDoNotRestartTheWait(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.MinInterval = 1500 * time.Millisecond
	c := start(t, New(cfg))
	q := syncQuery(testStart, "0", "none")
	c.code(pathSync, q)
	clk.Advance(300 * time.Millisecond)
	if code, ra := c.code(pathSync, q); code != http.StatusTooManyRequests || ra != "2" {
		t.Fatalf("at 0.3s: %d %q, want 429 and 2 (1.2s rounded up)", code, ra)
	}
	clk.Advance(700 * time.Millisecond)
	if code, ra := c.code(pathList, listAll); code != http.StatusTooManyRequests || ra != "1" {
		t.Fatalf("at 1s: %d %q, want 429 and 1 (0.5s rounded up)", code, ra)
	}
	c.auth = xapi(accessUser, "wrong")
	if code, _ := c.code(pathList, listAll); code != http.StatusUnauthorized {
		t.Fatalf("bad login: %d, want 401 before any throttle", code)
	}
	c.auth = xapi(accessUser, accessPass)
	clk.Advance(500 * time.Millisecond)
	if code, _ := c.code(pathSync, q); code != http.StatusOK {
		t.Errorf("1.5s after the served request: %d, want 200", code)
	}
}

// TestMinIntervalPoliteClientNeverThrottled: a client that is too quick
// once, waits Retry-After, then keeps the interval walks a whole session
// and lists and downloads hours without another 429.
func TestMinIntervalPoliteClientNeverThrottled(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.MinInterval = 1500 * time.Millisecond
	s := New(cfg)
	c := start(t, s)
	c.code(pathList, listAll)
	clk.Advance(200 * time.Millisecond)
	code, ra := c.code(pathSync, syncQuery(testStart, "0", "none"))
	secs, err := strconv.Atoi(ra)
	if code != http.StatusTooManyRequests || err != nil {
		t.Fatalf("too quick: %d Retry-After %q", code, ra)
	}
	clk.Advance(time.Duration(secs) * time.Second)

	var got [][]byte
	for token, k := "none", 0; ; k++ {
		if k > 0 {
			clk.Advance(cfg.MinInterval) // exactly the interval, no more
			if code, _ := c.code(pathDownload, "type=hour&api&items="+ms(testStart)); code != http.StatusOK {
				t.Fatalf("download %d: %d", k, code)
			}
			clk.Advance(cfg.MinInterval)
		}
		r := c.sync(TrailerBody, syncQuery(testStart, "0", token))
		if r.code != http.StatusOK {
			t.Fatalf("sync %d: %d", k, r.code)
		}
		got = append(got, r.dataLines(t)...)
		if token = r.token; r.status == statusDone {
			break
		}
	}
	sameLines(t, got, raws(s.Lines(testStart, testEnd)))
}
