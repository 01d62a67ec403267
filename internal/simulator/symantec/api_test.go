package symantec

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthPerEndpoint(t *testing.T) {
	sq := syncQuery(testStart, "0", "none")
	cases := []struct {
		name, path, q string
		auth          func(*http.Request)
		code          int
		msg           string
	}{
		{"sync ok", pathSync, sq, xapi(accessUser, accessPass), 200, ""},
		{"sync none", pathSync, sq, noAuth, 401, "Invalid credentials"},
		{"sync wrong pass", pathSync, sq, xapi(accessUser, "nope"), 401, "Invalid credentials"},
		{"sync basic", pathSync, sq, basic(accessUser, accessPass), 401, "Invalid credentials"},
		{"sync audit key", pathSync, sq, xapi(auditUser, auditPass), 403, "Reporting Access Logs role"},
		{"list locations key", pathList, "type=hour&api&startDate=0&endDate=0", xapi(locUser, locPass), 403, "Reporting Access Logs role"},
		{"download none", pathDownload, "type=hour&api&items=0", noAuth, 401, "Invalid credentials"},
		{"audit ok", pathAudit, "startDate=2026-11-22&endDate=2026-11-22", basic(auditUser, auditPass), 200, ""},
		{"audit access key", pathAudit, "startDate=2026-11-22&endDate=2026-11-22", basic(accessUser, accessPass), 403, "Audit Logs role"},
		{"audit x-api", pathAudit, "startDate=2026-11-22&endDate=2026-11-22", xapi(auditUser, auditPass), 401, "Invalid credentials"},
		{"audit wrong", pathAudit, "", basic(auditUser, "x"), 401, "Invalid credentials"},
		{"locations ok", pathLocations, "", basic(locUser, locPass), 200, ""},
		{"locations audit key", pathLocations, "", basic(auditUser, auditPass), 403, "Location Management role"},
		{"locations none", pathLocations, "", noAuth, 401, "Invalid credentials"},
	}
	c := start(t, New(baseConfig(newClock())))
	for _, tc := range cases {
		c.auth = tc.auth
		resp, body := c.get(tc.path, tc.q)
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.msg) {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, resp.StatusCode, body, tc.code, tc.msg)
		}
	}
}

func TestSyncValidation(t *testing.T) {
	clk := newClock()
	c := start(t, New(baseConfig(clk)))
	future := ms(clk.Now().Add(time.Millisecond))
	for q, want := range map[string]string{
		"startDate=abc&endDate=0&token=none":                                     "startDate",
		"startDate=" + ms(testStart) + "&endDate=x&token=none":                   "endDate",
		"startDate=" + ms(testStart) + "&endDate=0":                              "Missing token",
		"startDate=" + ms(testEnd) + "&endDate=" + ms(testStart) + "&token=none": "earlier",
		"startDate=" + ms(testEnd) + "&endDate=" + ms(testEnd) + "&token=none":   "earlier",
		"startDate=" + ms(testStart) + "&endDate=" + future + "&token=none":      "future",
		"startDate=" + ms(testStart) + "&endDate=0&token=none&maxMB=0":           "maxMB",
	} {
		resp, body := c.get(pathSync, q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %.200q, want 400 with %q", q, resp.StatusCode, body, want)
		}
	}
}

func TestUnknownPathAndRequestLog(t *testing.T) {
	s := New(baseConfig(newClock()))
	c := start(t, s)
	resp, body := c.get("/reportpod/logs/nope", "a=1")
	var js map[string]any
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal(body, &js) != nil {
		t.Errorf("unknown path: %d %q, want 404 JSON", resp.StatusCode, body)
	}
	c.get(pathSync, syncQuery(testStart, "0", "none"))
	c.auth = basic(locUser, locPass)
	c.get(pathLocations, "")
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests logged", len(reqs))
	}
	r := reqs[1]
	if r.Path != pathSync || r.Status != 200 || r.SyncStatus != statusMore || r.Auth != "x-api" || r.Query.Get("token") != "none" {
		t.Errorf("sync request logged as %+v", r)
	}
	if r := reqs[2]; r.Auth != "basic" || r.Status != 200 || r.SyncStatus != "" {
		t.Errorf("locations request logged as %+v", r)
	}
}
