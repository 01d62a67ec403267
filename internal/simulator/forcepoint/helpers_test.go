package forcepoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

var testEnd = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const (
	testToken = "s3cr3t-oauth"
	testUser  = "api@acme-gizmo.com"
	testPass  = "pa:ss wörd"
	logsPath  = "/api/bitglassapi/logs/v1/"
)

// baseConfig is a small tenant with both credentials and a fixed clock.
func baseConfig(clk *testutil.Clock) Config {
	return Config{
		Seed: 7, End: testEnd, Token: testToken, Username: testUser, Password: testPass,
		Now: clk.Now, DefaultCount: 50, PageSize: 20,
	}
}

// start serves s over real HTTP.
func start(t *testing.T, s *Server) *client {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &client{t: t, base: ts.URL, auth: bearer(testToken)}
}

func bearer(tok string) string { return "Bearer " + tok }

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

type client struct {
	t    *testing.T
	base string
	auth string
}

// get sends one request and returns the response with its whole body.
func (c *client) get(q url.Values) (*http.Response, []byte) {
	return c.do(http.MethodGet, logsPath, q)
}

func (c *client) do(method, path string, q url.Values) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, body
}

// params builds a valid query for typ; kv adds or overrides parameters.
func params(typ string, kv ...string) url.Values {
	q := url.Values{"type": {typ}, "cv": {"1.1.5"}, "responseformat": {"json"}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

type pageResp struct {
	NextPageToken string `json:"nextpagetoken"`
	Response      struct {
		Data         []json.RawMessage `json:"data"`
		DataEncoding string            `json:"dataencoding"`
		DataFormat   string            `json:"dataformat"`
	} `json:"response"`
	Status string `json:"status"`
}

// decodePage checks the success envelope strictly.
func decodePage(t *testing.T, resp *http.Response, body []byte) pageResp {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var p pageResp
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode page: %v\n%.300s", err, body)
	}
	if p.Status != "Request was successful" || p.Response.DataEncoding != "utf-8" || p.Response.DataFormat != "json" {
		t.Fatalf("bad envelope: %+v", p)
	}
	return p
}

// walk pages typ from startdate until caught up, the way a careful client
// does: it reverses newest-first pages and stops on an empty page. It
// returns the records in time order and the last token that carried data.
func walk(t *testing.T, c *client, typ, startdate string) (recs [][]byte, lastGood string) {
	t.Helper()
	q := params(typ, "startdate", startdate)
	for range 10_000 {
		resp, body := c.get(q)
		p := decodePage(t, resp, body)
		if len(p.Response.Data) == 0 {
			return recs, lastGood
		}
		recs = append(recs, pageInOrder(typ, p.Response.Data)...)
		lastGood = p.NextPageToken
		q = params(typ, "nextpagetoken", lastGood)
	}
	t.Fatal("walk did not catch up")
	return nil, ""
}

func pageInOrder(typ string, data []json.RawMessage) [][]byte {
	out := make([][]byte, len(data))
	for i, d := range data {
		out[i] = d
	}
	if isNewType(typ) {
		slices.Reverse(out)
	}
	return out
}

func isNewType(typ string) bool { return typ == "swgweb" || typ == "swgwebdlp" || typ == "ztna" }

func expectedBytes(recs []Record) [][]byte {
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = r.JSON
	}
	return out
}

// sameRecords reports the first difference between two record lists.
func sameRecords(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d differs:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// recordTime parses the time field of a served record.
func recordTime(t *testing.T, rec []byte) time.Time {
	t.Helper()
	var m struct {
		Time string `json:"time"`
	}
	if err := json.Unmarshal(rec, &m); err != nil {
		t.Fatalf("record is not JSON: %v: %s", err, rec)
	}
	tm, err := time.Parse("02 Jan 2006 15:04:05", m.Time)
	if err != nil {
		t.Fatalf("time %q: %v", m.Time, err)
	}
	return tm
}

func decodeToken(t *testing.T, tok string) map[string]any {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		t.Fatalf("token %q is not base64: %v", tok, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("token %s is not JSON: %v", raw, err)
	}
	return m
}

func startOf(s *Server) string {
	return s.cfg.End.Add(-s.cfg.Span - time.Hour).Format(layoutStartDate)
}
