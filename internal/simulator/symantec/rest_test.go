package symantec

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func restClient(t *testing.T, s *Server, user, pass string) *client {
	c := start(t, s)
	c.auth = basic(user, pass)
	return c
}

// auditRows renders records as the CSV rows the API should serve.
func auditRows(recs []AuditRecord, keep func(AuditRecord) bool) [][]string {
	rows := [][]string{{"Date", "User", "Object Type", "Operation Type", "Object", "Details"}}
	for _, r := range recs {
		if keep(r) {
			rows = append(rows, []string{r.Time.Format(time.RFC3339), r.User, r.ObjectType, r.OperationType, r.Object, r.Details})
		}
	}
	return rows
}

func TestAuditCSVRoundTrips(t *testing.T) {
	cfg := baseConfig(newClock())
	cfg.Start = testStart.Add(-50 * time.Hour) // three UTC days of data
	s := New(cfg)
	c := restClient(t, s, auditUser, auditPass)
	resp, body := c.get(pathAudit, "startDate=2026-11-20&endDate=2026-11-21&format=CSV")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	got, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	end := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	want := auditRows(s.AuditRecords(), func(r AuditRecord) bool { return r.Time.Before(end) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("CSV rows (-want +got):\n%s", diff)
	}
	if n := len(got) - 1; n != 2*auditPerDay { // both days, each with its own 50
		t.Errorf("%d records, want %d", n, 2*auditPerDay)
	}
	tricky := map[string]bool{}
	for _, row := range got[1:] {
		for _, cell := range row[4:] {
			for _, p := range []string{"=", "+", "-", "@"} {
				tricky[p] = tricky[p] || strings.HasPrefix(cell, p)
			}
			tricky[","] = tricky[","] || strings.Contains(cell, ",")
			tricky[`"`] = tricky[`"`] || strings.Contains(cell, `"`)
			tricky["\n"] = tricky["\n"] || strings.Contains(cell, "\n")
		}
	}
	for _, p := range []string{"=", "+", "-", "@", ",", `"`, "\n"} {
		if !tricky[p] {
			t.Errorf("no Object or Details cell with %q (seen %v)", p, tricky)
		}
	}
}

type auditJSONRow struct {
	Date, User, ObjectType, OperationType, Object, Details string
}

func TestAuditJSONFilters(t *testing.T) {
	s := New(baseConfig(newClock()))
	c := restClient(t, s, auditUser, auditPass)
	resp, body := c.get(pathAudit, "startDate=2026-11-22&endDate=2026-11-22&format=json&objectType=user&operationType=LOGIN")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	var got []auditJSONRow
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	var want []auditJSONRow
	for _, r := range s.AuditRecords() {
		if r.ObjectType == "User" && r.OperationType == "Login" {
			want = append(want, auditJSONRow{r.Time.Format(time.RFC3339), r.User, r.ObjectType, r.OperationType, r.Object, r.Details})
		}
	}
	if len(want) == 0 || len(s.AuditRecords()) != auditPerDay {
		t.Fatalf("%d matching of %d records", len(want), len(s.AuditRecords()))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	if !bytes.Contains(body, []byte(`"objectType":"User"`)) {
		t.Errorf("keys not as documented: %s", body[:min(len(body), 200)])
	}
}

func TestAuditValidation(t *testing.T) {
	c := restClient(t, New(baseConfig(newClock())), auditUser, auditPass)
	for _, q := range []string{
		"startDate=2026-11-22&endDate=2026-11-22&format=XML",
		"startDate=1795341600000&endDate=2026-11-22",
		"startDate=2026-11-22",
		"startDate=2026-11-22&endDate=2026-11-21",
	} {
		if resp, body := c.get(pathAudit, q); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", q, resp.StatusCode, body)
		}
	}
	resp, body := c.get(pathAudit, "startDate=2026-10-01&endDate=2026-10-02")
	if resp.StatusCode != http.StatusOK || string(body) != "Date,User,Object Type,Operation Type,Object,Details\r\n" {
		t.Errorf("empty range: %d %q, want the CSV header only", resp.StatusCode, body)
	}
}

func TestLocations(t *testing.T) {
	s := New(baseConfig(newClock()))
	c := restClient(t, s, locUser, locPass)
	resp, body := c.get(pathLocations, "")
	var got []map[string]any
	if err := json.Unmarshal(body, &got); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("locations: %d %v", resp.StatusCode, err)
	}
	if diff := cmp.Diff(s.Locations(), got); diff != "" || len(got) != 12 {
		t.Fatalf("%d locations, diff:\n%s", len(got), diff)
	}
	kinds := map[string]bool{}
	for _, l := range got {
		name, _ := l["name"].(string)
		if _, ok := l["id"].(float64); !ok || name == "" {
			t.Errorf("location without numeric id or name: %v", l)
		}
		kinds["long"] = kinds["long"] || len(name) > 100
		kinds["non-ascii"] = kinds["non-ascii"] || strings.ContainsRune(name, '東')
		_, kinds["nested"] = l["settings"].(map[string]any)
		kinds["null"] = kinds["null"] || l["description"] == nil
	}
	if len(kinds) != 4 || !kinds["long"] || !kinds["non-ascii"] || !kinds["null"] {
		t.Errorf("shapes seen %v", kinds)
	}
}
