package symantec

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

type listResp struct {
	Items []struct {
		Date int64  `json:"date"`
		Size int64  `json:"size"`
		Type string `json:"type"`
	} `json:"items"`
	Total int `json:"total"`
}

func (c *client) list(q string) (int, listResp, string) {
	c.t.Helper()
	resp, body := c.get(pathList, q)
	var lr listResp
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &lr); err != nil {
			c.t.Fatalf("list JSON: %v in %s", err, body)
		}
	}
	return resp.StatusCode, lr, string(body)
}

func TestListOnlyCompleteHours(t *testing.T) {
	clk := newClock() // 12:30: the live hour 12:00 is not complete
	cfg := baseConfig(clk)
	cfg.Live = true
	s := New(cfg)
	c := start(t, s)
	code, lr, body := c.list("type=hour&start=0&limit=1000&api&startDate=" + ms(testStart.Add(-48*time.Hour)) + "&endDate=" + ms(clk.Now()))
	if code != http.StatusOK || lr.Total != 6 || len(lr.Items) != 6 {
		t.Fatalf("list: %d %s", code, body)
	}
	for k, it := range lr.Items {
		if want := testStart.Add(time.Duration(k) * time.Hour).UnixMilli(); it.Date != want || it.Type != "hour" || it.Size < 120*100 {
			t.Errorf("item %d = %+v, want date %d", k, it, want)
		}
	}

	clk.Advance(30 * time.Minute) // 13:00: the live hour is now complete
	_, lr, _ = c.list("type=hour&api&start=5&limit=2&startDate=" + ms(testStart) + "&endDate=0")
	if lr.Total != 7 || len(lr.Items) != 2 || lr.Items[1].Date != testEnd.UnixMilli() {
		t.Errorf("paged list %+v, want total 7 ending with the live hour", lr)
	}
}

func TestListValidation(t *testing.T) {
	c := start(t, New(baseConfig(newClock())))
	for q, want := range map[string]string{
		"type=hour&startDate=0&endDate=0":                                      "missing api parameter",
		"type=day&api&startDate=0&endDate=0":                                   "only hour",
		"type=hour&api&startDate=x&endDate=0":                                  "epoch milliseconds",
		"type=hour&api&startDate=" + ms(testEnd) + "&endDate=" + ms(testStart): "earlier",
	} {
		if code, _, body := c.list(q); code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q, want 400 with %q", q, code, body, want)
		}
	}
}

func TestDownloadMatchesSync(t *testing.T) {
	clk := newClock()
	s := New(baseConfig(clk))
	c := start(t, s)
	h1, h2 := testStart.Add(2*time.Hour), testStart.Add(4*time.Hour)
	resp, body := c.get(pathDownload, "type=hour&api&items="+ms(h2)+","+ms(h1))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s", resp.StatusCode, body)
	}
	dl := syncResp{members: readZip(t, body)}
	want := append(raws(s.Lines(h2, h2.Add(time.Hour))), raws(s.Lines(h1, h1.Add(time.Hour)))...)
	sameLines(t, dl.dataLines(t), want)

	// The sync API names and fills the members of those hours the same way.
	syncMembers := map[string][][]byte{}
	for token := "none"; ; {
		r := c.sync(TrailerBody, syncQuery(testStart, "0", token))
		if r.code != http.StatusOK {
			t.Fatalf("sync: %d", r.code)
		}
		for _, m := range r.members {
			syncMembers[m.name] = append(syncMembers[m.name], parseELFF(m.data).lines...)
		}
		if token = r.token; r.status == statusDone {
			break
		}
	}
	for _, m := range dl.members {
		if got := syncMembers[m.name]; !bytes.Equal(bytes.Join(got, nl), bytes.Join(parseELFF(m.data).lines, nl)) {
			t.Errorf("member %s: sync and download differ", m.name)
		}
	}
}

var nl = []byte("\n")

func TestDownloadValidation(t *testing.T) {
	clk := newClock()
	c := start(t, New(baseConfig(clk)))
	for q, want := range map[string]string{
		"type=hour&items=" + ms(testStart):                      "missing api parameter",
		"type=hour&api&items=2026-11-20":                        "hour id",
		"type=hour&api&items=" + ms(testStart) + ",2026-11-20":  "hour id",
		"type=hour&api&items=" + ms(testStart.Add(time.Minute)): "hour id",
		"type=hour&api&items=" + ms(testEnd):                    "hour not complete",
		"type=hour&api":                                         "missing items",
	} {
		resp, body := c.get(pathDownload, q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %q, want 400 with %q", q, resp.StatusCode, body, want)
		}
	}
}

// TestListItemFields: items[].date is the documented field, an integer
// epoch-ms hour id; size and type (and the top-level total) are ours.
func TestListItemFields(t *testing.T) {
	c := start(t, New(baseConfig(newClock())))
	resp, body := c.get(pathList, "type=hour&start=0&limit=1000&api&startDate="+ms(testStart)+"&endDate=0")
	var top struct {
		Items []map[string]json.RawMessage `json:"items"`
		Total json.RawMessage              `json:"total"`
	}
	var keys map[string]json.RawMessage
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &top) != nil || json.Unmarshal(body, &keys) != nil {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if len(keys) != 2 || string(top.Total) != "6" || len(top.Items) != 6 {
		t.Fatalf("answer %s, want items and total 6", body)
	}
	for k, it := range top.Items {
		want := ms(testStart.Add(time.Duration(k) * time.Hour))
		if len(it) != 3 || string(it["date"]) != want || string(it["type"]) != `"hour"` || !isDigits(it["size"]) {
			t.Errorf("item %d = %v, want date %s (a JSON integer), size and type", k, it, want)
		}
	}
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
