package forcepoint

import (
	"strconv"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

func TestBudget(t *testing.T) {
	// 12:00:00.5 in a 2s window that resets at 12:00:02.
	clk := testutil.NewClock(testEnd.Add(500 * time.Millisecond))
	cfg := baseConfig(clk)
	cfg.DailyLimit, cfg.BudgetWindow = 3, 2*time.Second
	s := New(cfg)
	c := start(t, s)
	reset := testEnd.Add(2 * time.Second)
	q := params("access", "startdate", startOf(s))
	for i := 1; i <= 3; i++ {
		resp, _ := c.get(q)
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
		checkQuotaHeaders(t, resp.Header.Get, 3, 3-i, strconv.FormatInt(reset.Unix(), 10))
	}
	resp, body := c.get(q)
	if resp.StatusCode != 429 {
		t.Fatalf("4th request: status %d", resp.StatusCode)
	}
	want := `{"status": "You have exceeded your allowance of 3 requests per day for access logs. Limit will reset at 2026-11-22 12:00:02+00:00"}`
	if string(body) != want {
		t.Errorf("body %s\nwant %s", body, want)
	}
	checkHeader(t, resp.Header, "Retry-After", "") // the vendor's daily 429 has none
	checkQuotaHeaders(t, resp.Header.Get, 3, 0, strconv.FormatInt(reset.Unix(), 10))

	// Another type has its own budget.
	if resp, _ := c.get(params("admin", "startdate", startOf(s))); resp.StatusCode != 200 {
		t.Errorf("admin after access budget spent: %d", resp.StatusCode)
	}
	// Another identity has its own budget.
	c.auth = basic(testUser, testPass)
	if resp, _ := c.get(q); resp.StatusCode != 200 {
		t.Errorf("basic identity after bearer budget spent: %d", resp.StatusCode)
	}
	c.auth = bearer(testToken)

	clk.Advance(1500 * time.Millisecond) // exactly the reset
	resp, _ = c.get(q)
	if resp.StatusCode != 200 {
		t.Fatalf("after reset: status %d", resp.StatusCode)
	}
	checkQuotaHeaders(t, resp.Header.Get, 3, 2, strconv.FormatInt(reset.Add(2*time.Second).Unix(), 10))
}

func checkQuotaHeaders(t *testing.T, get func(string) string, limit, remaining int, reset string) {
	t.Helper()
	if got := get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Errorf("X-RateLimit-Limit %q, want %d", got, limit)
	}
	if got := get("X-RateLimit-Remaining"); got != strconv.Itoa(remaining) {
		t.Errorf("X-RateLimit-Remaining %q, want %d", got, remaining)
	}
	if got := get("X-RateLimit-Reset"); got != reset {
		t.Errorf("X-RateLimit-Reset %q, want %s", got, reset)
	}
}

// TestBudgetCountsFailures: a 400 costs a request too; a 401 has no
// identity to charge.
func TestBudgetCountsFailures(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.DailyLimit = 2
	s := New(cfg)
	c := start(t, s)
	bad := params("access", "startdate", "yesterday")
	if resp, _ := c.get(bad); resp.StatusCode != 400 || resp.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("400: %d remaining %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
	c.auth = ""
	if resp, _ := c.get(bad); resp.StatusCode != 401 || resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Fatalf("401 carried rate headers or wrong status %d", resp.StatusCode)
	}
	c.auth = bearer(testToken)
	c.get(bad)
	if resp, _ := c.get(params("access", "startdate", startOf(s))); resp.StatusCode != 429 {
		t.Fatalf("3rd request: %d, want 429", resp.StatusCode)
	}
}

// TestBudgetCalendarDay: the default window is the UTC day, the reset
// datetime format is selectable.
func TestBudgetCalendarDay(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 22, 23, 59, 30, 0, time.UTC))
	cfg := baseConfig(clk)
	cfg.DailyLimit, cfg.ResetFormat = 1, "datetime"
	s := New(cfg)
	c := start(t, s)
	q := params("admin", "startdate", startOf(s))
	c.get(q)
	resp, body := c.get(q)
	want := `{"status": "You have exceeded your allowance of 1 requests per day for admin logs. Limit will reset at 2026-11-23 00:00:00+00:00"}`
	if resp.StatusCode != 429 || string(body) != want {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-RateLimit-Reset"); got != "2026-11-23 00:00:00+00:00" {
		t.Errorf("X-RateLimit-Reset %q", got)
	}
	checkHeader(t, resp.Header, "Retry-After", "") // the vendor's daily 429 has none
	clk.Advance(30 * time.Second)
	if resp, _ := c.get(q); resp.StatusCode != 200 {
		t.Errorf("next day: %d", resp.StatusCode)
	}
}

func TestNoBudgetHeadersWhenUnlimited(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	s := New(baseConfig(clk))
	c := start(t, s)
	for range 5 {
		resp, _ := c.get(params("access", "startdate", startOf(s)))
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("unlimited: %d %v", resp.StatusCode, resp.Header)
		}
	}
}
