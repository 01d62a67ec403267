package forcepoint

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
	"github.com/gatelog/gatelog/internal/testutil"
)

// rateConfig has a budget of limit requests per 2s window; at the clock's
// 12:00:00.5 the window resets at 12:00:02.
func rateConfig(limit int) (Config, time.Time) {
	clk := testutil.NewClock(testEnd.Add(500 * time.Millisecond))
	cfg := baseConfig(clk)
	cfg.DailyLimit, cfg.BudgetWindow = limit, 2*time.Second
	return cfg, testEnd.Add(2 * time.Second)
}

// startThrottled serves s behind a fault injector that offers every
// request a short 429 with the given Retry-After.
func startThrottled(t *testing.T, s *Server, retryAfter time.Duration) (*client, *fault.Injector) {
	t.Helper()
	inj := fault.Wrap(s, fault.Config{Rate: 1, Kinds: []fault.Kind{fault.Throttle429}, RetryAfter: retryAfter}, nil)
	ts := httptest.NewServer(inj)
	t.Cleanup(ts.Close)
	return &client{t: t, base: ts.URL, auth: bearer(testToken)}, inj
}

// TestRateLimitHeadersOnEveryAuthenticatedAnswer: every authenticated
// request is charged, and its answer says so, whatever its status.
func TestRateLimitHeadersOnEveryAuthenticatedAnswer(t *testing.T) {
	ok := params("access", "startdate", "2026-11-21T00:00:00Z")
	tests := []struct {
		name      string
		spent     int // earlier requests with the same query
		throttle  bool
		noAuth    bool
		q         url.Values
		status    int
		remaining int // -1: no X-RateLimit-* headers at all
	}{
		{"200 json", 0, false, false, ok, 200, 3},
		{"200 csv", 1, false, false, params("access", "startdate", "2026-11-21T00:00:00Z", "responseformat", "csv"), 200, 2},
		{"200 end page", 0, false, false, params("swgweb", "startdate", "2026-11-23T00:00:00Z"), 200, 3},
		{"400 responseformat", 0, false, false, params("access", "startdate", "2026-11-21T00:00:00Z", "responseformat", "xml"), 400, 3},
		{"400 type", 2, false, false, params("dns", "startdate", "2026-11-21T00:00:00Z"), 400, 1},
		{"400 end token", 0, false, false, params("access", "nextpagetoken", "e30="), 400, 3},
		{"400 cv", 0, false, false, params("healthapi", "startdate", "2026-11-21T00:00:00Z", "cv", "1.0.1"), 400, 3},
		{"daily 429", 4, false, false, ok, 429, 0},
		{"short 429", 1, true, false, ok, 429, 2},
		{"401 is not charged", 0, false, true, ok, 401, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, reset := rateConfig(4)
			s := New(cfg)
			plain := start(t, s)
			for range tt.spent {
				plain.get(tt.q)
			}
			c := plain
			if tt.throttle {
				c, _ = startThrottled(t, s, time.Second)
			}
			if tt.noAuth {
				c.auth = ""
			}
			resp, body := c.get(tt.q)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.remaining < 0 {
				for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
					checkHeader(t, resp.Header, h, "")
				}
				return
			}
			checkQuotaHeaders(t, resp.Header.Get, 4, tt.remaining, strconv.FormatInt(reset.Unix(), 10))
		})
	}
}

// TestDailyAndShort429 tells the two 429s apart: the daily limit has the
// vendor's text, Remaining 0 and no Retry-After; the short throttle has a
// Retry-After, budget left, and another text.
func TestDailyAndShort429(t *testing.T) {
	ok := params("access", "startdate", "2026-11-21T00:00:00Z")
	const (
		daily = `{"status": "You have exceeded your allowance of 2 requests per day for access logs. Limit will reset at 2026-11-22 12:00:02+00:00"}`
		short = `{"status": "Too many requests, slow down"}`
	)
	tests := []struct {
		name         string
		limit, spent int
		throttle     bool
		q            url.Values
		status       int
		body         string // "" for a page
		retryAfter   string // "" means the header must be absent
		remaining    string // "" means the header must be absent
		throttled    bool   // a short 429 was produced and counted
	}{
		{"daily", 2, 2, false, ok, 429, daily, "", "0", false},
		{"daily although a throttle is offered", 2, 2, true, ok, 429, daily, "", "0", false},
		{"short", 5, 1, true, ok, 429, short, "3", "3", true},
		{"short before parameter checks", 5, 0, true, params("access", "responseformat", "xml"), 429, short, "3", "4", true},
		{"short without a limit", 0, 0, true, ok, 429, short, "3", "", true},
		{"no short on the last request of the budget", 1, 0, true, ok, 200, "", "", "0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := rateConfig(tt.limit)
			s := New(cfg)
			plain := start(t, s)
			for range tt.spent {
				plain.get(ok)
			}
			c := plain
			var inj *fault.Injector
			if tt.throttle {
				c, inj = startThrottled(t, s, 2500*time.Millisecond)
			}
			resp, body := c.get(tt.q)
			if resp.StatusCode != tt.status || (tt.body != "" && string(body) != tt.body) {
				t.Fatalf("got %d %s\nwant %d %s", resp.StatusCode, body, tt.status, tt.body)
			}
			checkHeader(t, resp.Header, "Retry-After", tt.retryAfter)
			checkHeader(t, resp.Header, "X-RateLimit-Remaining", tt.remaining)
			reqs := s.Requests()
			if got := reqs[len(reqs)-1].Throttled; got != tt.throttled {
				t.Errorf("Request.Throttled = %v, want %v", got, tt.throttled)
			}
			if inj != nil && (inj.Counts()[fault.Throttle429] == 1) != tt.throttled {
				t.Errorf("injector counted %v, want a throttle: %v", inj.Counts(), tt.throttled)
			}
		})
	}
}

func checkHeader(t *testing.T, h http.Header, key, want string) {
	t.Helper()
	got := h.Values(key)
	switch {
	case want == "" && len(got) > 0:
		t.Errorf("%s: %q, want none", key, got)
	case want != "" && (len(got) != 1 || got[0] != want):
		t.Errorf("%s: %q, want %q", key, got, want)
	}
}
