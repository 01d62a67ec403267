package forcepoint

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

func TestErrorMessages(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.Forbidden = []string{"viewer@acme-gizmo.com"}
	s := New(cfg)
	c := start(t, s)
	ok := params("access", "startdate", "2026-11-21T00:00:00Z")
	with := func(kv ...string) map[string][]string {
		q := params("access", "startdate", "2026-11-21T00:00:00Z")
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		return q
	}
	tests := []struct {
		name   string
		auth   string
		q      map[string][]string
		status int
		msg    string
	}{
		{"no header", "", ok, 401, "Authorization required"},
		{"other scheme", "Digest abc", ok, 401, "Basic auth required"},
		{"wrong bearer", bearer("nope"), ok, 401, "Invalid credentials"},
		{"wrong password", basic(testUser, "nope"), ok, 401, "Invalid credentials"},
		{"unknown user", basic("who@x", testPass), ok, 401, "Invalid credentials"},
		{"garbage basic", "Basic !!!", ok, 401, "Invalid credentials"},
		{"not sysadmin", basic("viewer@acme-gizmo.com", testPass), ok, 403, "Unauthorized"},
		{"bad format", bearer(testToken), with("responseformat", "xml"), 400, "Invalid responseformat: xml. Supported values: csv, json"},
		{"neither", bearer(testToken), with("startdate", ""), 400, "Start date and nextpagetoken is missing"},
		{"both", bearer(testToken), with("nextpagetoken", "abc"), 400, "Provide either the start date or nextpagetoken"},
		{"bad type", bearer(testToken), with("type", "dns"), 400, "Invalid type: dns. Supported types are: cloudsummary, cloudaudit, and access"},
		{"bad date", bearer(testToken), with("startdate", "2026-11-21 00:00:00"), 400, "Invalid start date format 2026-11-21 00:00:00 Expected format: %Y-%m-%dT%H:%M:%SZ"},
		{"fractional date", bearer(testToken), with("startdate", "2026-11-21T00:00:00.5Z"), 400, "Invalid start date format 2026-11-21T00:00:00.5Z Expected format: %Y-%m-%dT%H:%M:%SZ"},
		{"bad token", bearer(testToken), with("startdate", "", "nextpagetoken", "not base64!"), 400, "Invalid next page token"},
		{"forged token", bearer(testToken), with("startdate", "", "nextpagetoken", "eyJsb2dfaWQiOiAiMDAiLCAiZGF0ZXRpbWUiOiAiMjAyMS0xMi0yM1QxODozMjo1Ny4zMDgwMDBaIn0="), 400, "Invalid next page token"},
		{"no cv", bearer(testToken), with("cv", ""), 400, "cv is required"},
		{"cv too low swgweb", bearer(testToken), with("type", "swgweb", "cv", "1.0.9"), 400, "Invalid cv 1.0.9 for type swgweb"},
		{"cv too low health", bearer(testToken), with("type", "healthproxy", "cv", "1.1.0"), 400, "Invalid cv 1.1.0 for type healthproxy"},
		{"cv too low ztna", bearer(testToken), with("type", "ztna", "cv", "1.1.4"), 400, "Invalid cv 1.1.4 for type ztna"},
		{"cv garbage", bearer(testToken), with("cv", "latest"), 400, "Invalid cv latest for type access"},
		{"lowercase basic", "basic " + basic(testUser, testPass)[6:], ok, 200, ""},
		{"uppercase bearer", "BEARER " + testToken, ok, 200, ""},
		{"old cv for access", bearer(testToken), with("cv", "1.0.1"), 200, ""},
		{"cv ok swgweb", bearer(testToken), with("type", "swgweb", "cv", "1.1.0"), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.auth = tt.auth
			resp, body := c.get(tt.q)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 200 {
				return
			}
			if want := `{"status": "` + tt.msg + `"}`; string(body) != want {
				t.Errorf("body %s\nwant %s", body, want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestNoBearerWhenNoTokenConfigured(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.Token = ""
	c := start(t, New(cfg))
	c.auth = bearer("")
	resp, body := c.get(params("access", "startdate", "2026-11-21T00:00:00Z"))
	if resp.StatusCode != 401 || string(body) != `{"status": "Basic auth required"}` {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
}

func TestNoBasicWhenNoUserConfigured(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.Username, cfg.Password = "", ""
	c := start(t, New(cfg))
	c.auth = basic("", "")
	resp, body := c.get(params("access", "startdate", "2026-11-21T00:00:00Z"))
	if resp.StatusCode != 401 || string(body) != `{"status": "Invalid credentials"}` {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
}

// TestLatencyRespectsCancel would hang for an hour if the latency ignored
// the request context.
func TestLatencyRespectsCancel(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.Latency = time.Hour
	s := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", logsPath+"?"+params("access", "startdate", "2026-11-21T00:00:00Z").Encode(), nil).WithContext(ctx)
	r.Header.Set("Authorization", bearer(testToken))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Body.Len() != 0 {
		t.Errorf("answered a cancelled request: %s", w.Body)
	}
	if got := s.Requests(); len(got) != 1 || got[0].Status != 0 {
		t.Errorf("request log %+v, want one entry with status 0", got)
	}
}

func TestLatencyDelaysAnswer(t *testing.T) {
	clk := testutil.NewClock(testEnd)
	cfg := baseConfig(clk)
	cfg.Latency = time.Millisecond
	c := start(t, New(cfg))
	resp, _ := c.get(params("access", "startdate", "2026-11-21T00:00:00Z"))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
}
