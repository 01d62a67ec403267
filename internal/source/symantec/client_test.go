package symantec

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
)

func testClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c, err := NewClient(Config{Name: "wss", BaseURL: ts.URL, SpoolDir: t.TempDir(),
		AccessLogs: config.Credential{Username: "AK-ID", Password: "AK-S3CRET"}, Audit: config.Credential{Username: "AU-ID", Password: "AU-S3CRET"},
		Now: func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }}, ts.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Each status is classified, and a permanent one names the role to fix.
func TestStatusClasses(t *testing.T) {
	cases := []struct {
		status    int
		header    string
		permanent bool
		until     time.Duration
		want      string
	}{
		{401, "", true, 0, `check access_logs.username and access_logs.password: this key needs the "Reporting Access Logs" role`},
		{403, "", true, 0, `this key needs the "Reporting Access Logs" role`},
		{400, "", true, 0, "the server rejected the request; check base_url and paths"},
		{429, "120", false, 2 * time.Minute, "Broadcom throttles per customer"},
		{429, "", false, 5 * time.Minute, "Broadcom throttles per customer"},
		{423, "", false, 0, "423"},
		{503, "", false, 0, "503"},
		{410, "", false, 0, "no longer valid"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status, c.header), func(t *testing.T) {
			cl := testClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-APIUsername") != "AK-ID" || r.Header.Get("X-APIPassword") != "AK-S3CRET" {
					t.Errorf("access-log request without its X-API headers")
				}
				if c.header != "" {
					w.Header().Set("Retry-After", c.header)
				}
				w.WriteHeader(c.status)
				fmt.Fprint(w, "server says no")
			})
			_, err := cl.get(t.Context(), "/reportpod/logs/sync", url.Values{"token": {"none"}}, cl.accessRole())
			if err == nil || errclass.IsPermanent(err) != c.permanent || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want permanent=%v containing %q", err, c.permanent, c.want)
			}
			if until, ok := errclass.ThrottledUntil(err); c.until > 0 && (!ok || until.Sub(cl.cfg.Now()) != c.until) {
				t.Fatalf("throttled until %v, want now+%v", until, c.until)
			}
			if strings.Contains(err.Error(), "S3CRET") {
				t.Fatal("the credential leaked into the error")
			}
		})
	}
}

func TestAuditUsesBasicAuthAndTheBareAPIFlag(t *testing.T) {
	var got *http.Request
	cl := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		fmt.Fprint(w, `[{"date":"2026-11-21T10:00:00Z","user":"a"}]`)
	})
	n := 0
	err := cl.AuditJSON(t.Context(), AuditQuery{From: time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), ObjectType: "User"},
		func(json.RawMessage) error { n++; return nil })
	if err != nil || n != 1 {
		t.Fatalf("%v, %d events", err, n)
	}
	u, p, ok := got.BasicAuth()
	if !ok || u != "AU-ID" || p != "AU-S3CRET" || got.Header.Get("X-APIUsername") != "" {
		t.Fatalf("audit auth: basic %v %q", ok, u)
	}
	q := got.URL.Query()
	if q.Get("startDate") != "2026-11-20" || q.Get("endDate") != "2026-11-21" || q.Get("format") != "JSON" || q.Get("objectType") != "User" {
		t.Fatalf("audit query %v", q)
	}
	if enc := encodeQuery(url.Values{"type": {"hour"}, "api": {""}}); enc != "api&type=hour" {
		t.Fatalf("encodeQuery = %q, want the bare api flag", enc)
	}
}

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "plain": "plain", "": "", "a=b": "a=b",
	} {
		if got := Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVRoundTrips(t *testing.T) {
	rows := [][]string{{"Date", "Details"}, {"2026-11-21", "a, \"quoted\"\nnext line"}, {"x", "=1+1"}}
	var b bytes.Buffer
	w := NewCSVWriter(&b, false)
	for _, r := range rows {
		w.Write(r)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var got [][]string
	err := ReadAuditCSV(&b, func(h, r []string) error {
		if len(got) == 0 {
			got = append(got, append([]string(nil), h...))
		}
		got = append(got, append([]string(nil), r...))
		return nil
	})
	if err != nil || len(got) != 3 || got[1][1] != rows[1][1] || got[2][1] != "'=1+1" {
		t.Fatalf("%v %q", err, got)
	}
}

// FuzzReadAuditCSV: any body either reads as rows each as wide as the
// header, or fails with an error; it never panics.
func FuzzReadAuditCSV(f *testing.F) {
	for _, s := range []string{"Date,User\n2026-11-21,a\n", "a,b\n\"x,y\",\"z\"\"q\"\n", "a\n\"unterminated\n", "", "a,b\n1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = ReadAuditCSV(bytes.NewReader(body), func(h, r []string) error {
			if len(h) != len(r) {
				t.Fatalf("row of %d cells under a header of %d", len(r), len(h))
			}
			var b bytes.Buffer
			w := NewCSVWriter(&b, true)
			w.Write(r)
			w.Flush()
			back, err := csv.NewReader(&b).Read()
			if err != nil || len(back) != len(r) {
				t.Fatalf("row %q does not round-trip: %q %v", r, back, err)
			}
			return nil
		})
	})
}

// A line cut off by a broken member, or longer than the limit, is
// quarantined with its member and line, never delivered.
func TestConverterQuarantinesCutAndLongLines(t *testing.T) {
	var recs []record.Record
	var bad []source.Quarantined
	c := newConverter("wss", archive.DefaultLimits(), func(r record.Record) error { recs = append(recs, r); return nil },
		func(q source.Quarantined) error { bad = append(bad, q); return nil })
	lines := []archive.Line{
		{Member: "a.gz", Number: 1, Bytes: []byte("#Fields: date time cs-host x-bluecoat-transaction-uuid")},
		{Member: "a.gz", Number: 2, Bytes: []byte("2026-11-21 10:00:00 example.com u1")},
		{Member: "a.gz", Number: 3, Bytes: []byte("2026-11-21 10:00:01 example.com u"), Partial: true},
		{Member: "a.gz", Number: 4, Bytes: []byte("2026-11-21 10:00:02 exa"), TooLong: true},
		{Member: "b.gz", Number: 1, Bytes: []byte("2026-11-21 10:00:03 example.com u3")}, // no #Fields in b.gz
	}
	for _, l := range lines {
		if err := c.line(l); err != nil {
			t.Fatal(err)
		}
	}
	if len(recs) != 1 || recs[0].ID != "u1" || len(bad) != 3 {
		t.Fatalf("records %v, quarantined %+v", recs, bad)
	}
	for i, want := range []string{"member a.gz line 3", "member a.gz line 4", "member b.gz line 1"} {
		if bad[i].Context != want {
			t.Errorf("quarantine %d context %q, want %q", i, bad[i].Context, want)
		}
	}
}

// request_timeout bounds a request from when the pacer lets it go: the
// wait for the learned interval does not count against it.
func TestPacingDoesNotCountAgainstTheRequestTimeout(t *testing.T) {
	calls := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls++; calls == 2 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	t.Cleanup(ts.Close)
	c, err := NewClient(Config{Name: "wss", BaseURL: ts.URL, SpoolDir: t.TempDir(), RequestTimeout: config.Duration(300 * time.Millisecond),
		Audit: config.Credential{Username: "AU-ID", Password: "AU-S3CRET"}}, ts.Client())
	if err != nil {
		t.Fatal(err)
	}
	fetch := func() error {
		sp, err := c.fetchRaw(t.Context(), "/api/rest/audit/download", nil, c.auditRole())
		if err == nil {
			sp.discard()
		}
		return err
	}
	if err := fetch(); err != nil {
		t.Fatal(err)
	}
	if err := fetch(); err == nil {
		t.Fatal("the 429 was not reported")
	}
	time.Sleep(time.Second) // its Retry-After; the interval learned is longer than request_timeout
	for range 2 {
		if err := fetch(); err != nil {
			t.Fatalf("a request paced longer than request_timeout failed: %v", err)
		}
	}
}
