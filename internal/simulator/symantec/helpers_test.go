package symantec

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

var (
	testStart = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	testEnd   = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
)

const (
	accessUser, accessPass = "4d6f1c2a-acce-55ed-a11b-000000000001", "acc:ess p@ss"
	auditUser, auditPass   = "4d6f1c2a-aud1-7000-b22c-000000000002", "audit-pass"
	locUser, locPass       = "4d6f1c2a-10ca-7000-c33d-000000000003", "loc-pass"
)

// baseConfig is a small tenant: 6 hours of 120 lines, 3 members an hour,
// 100 lines per archive, with the clock half an hour after End. The
// per-customer interval is off: most tests send their requests back to
// back at one instant of the fake clock; interval_test.go tests it.
func baseConfig(clk *testutil.Clock) Config {
	return Config{
		Seed: 7, Start: testStart, End: testEnd, LinesPerHour: 120, LinesPerMember: 50, MaxLinesPerArchive: 100,
		AccessUser: accessUser, AccessPassword: accessPass, AuditUser: auditUser, AuditPassword: auditPass,
		LocationsUser: locUser, LocationsPassword: locPass, Now: clk.Now, MinInterval: -1,
	}
}

func newClock() *testutil.Clock { return testutil.NewClock(testEnd.Add(30 * time.Minute)) }

// client talks to one simulator over real HTTP.
type client struct {
	t    *testing.T
	base string
	auth func(*http.Request)
}

func start(t *testing.T, s *Server) *client {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &client{t: t, base: ts.URL, auth: xapi(accessUser, accessPass)}
}

func xapi(u, p string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("X-APIUsername", u)
		r.Header.Set("X-APIPassword", p)
	}
}

func basic(u, p string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(u, p) }
}

func noAuth(*http.Request) {}

// get sends one GET with a raw query and returns the response and body.
func (c *client) get(path, rawQuery string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path+"?"+rawQuery, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	c.auth(req)
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

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func syncQuery(start time.Time, end, token string) string {
	return "startDate=" + ms(start) + "&endDate=" + end + "&token=" + url.QueryEscape(token)
}

// syncResp is one decoded sync answer.
type syncResp struct {
	code    int
	zip     []byte // nil when the answer holds no ZIP
	token   string
	status  string
	members []member
}

// sync calls the sync API and splits the answer according to mode.
func (c *client) sync(mode, q string) syncResp {
	c.t.Helper()
	resp, body := c.get(pathSync, q)
	r := syncResp{code: resp.StatusCode}
	if r.code != http.StatusOK {
		return r
	}
	switch mode {
	case TrailerHeader:
		r.zip, r.token, r.status = body, resp.Header.Get("X-Sync-Token"), resp.Header.Get("X-Sync-Status")
	case TrailerHTTPTrailer:
		r.zip, r.token, r.status = body, resp.Trailer.Get("X-Sync-Token"), resp.Trailer.Get("X-Sync-Status")
	default:
		r.zip, r.token, r.status = splitTrailer(c.t, body)
	}
	if len(r.zip) == 0 {
		r.zip = nil
		return r
	}
	r.members = readZip(c.t, r.zip)
	return r
}

// splitTrailer finds the trailer at the end of the body, as the vendor's
// collectors do, and returns what precedes it.
func splitTrailer(t *testing.T, body []byte) (zipPart []byte, token, status string) {
	t.Helper()
	k := bytes.LastIndex(body, []byte("X-sync-token: "))
	if k < 0 {
		t.Fatalf("no trailer in %d-byte body", len(body))
	}
	tr := strings.Split(string(body[k:]), "\r\n")
	if len(tr) != 3 || tr[2] != "" || !strings.HasPrefix(tr[1], "X-sync-status: ") {
		t.Fatalf("malformed trailer %q", body[k:])
	}
	return body[:k], strings.TrimPrefix(tr[0], "X-sync-token: "), strings.TrimPrefix(tr[1], "X-sync-status: ")
}

// member is one gz file of an archive, decompressed as far as possible.
type member struct {
	name string
	data []byte
	err  error // gzip error, e.g. a member cut by an abort
}

func readZip(t *testing.T, b []byte) []member {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	var out []member
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		m := member{name: f.Name}
		m.data, m.err = gunzip(rc)
		rc.Close()
		out = append(out, m)
	}
	return out
}

func gunzip(r io.Reader) ([]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// elff is one member's content split into directives and data lines.
type elff struct {
	directives []string
	fields     []string
	lines      [][]byte
}

func parseELFF(data []byte) elff {
	var e elff
	for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if !bytes.HasPrefix(l, []byte("#")) {
			e.lines = append(e.lines, l)
			continue
		}
		d := string(l)
		e.directives = append(e.directives, d)
		for _, p := range []string{"#Fields: ", "# Fields: "} {
			if strings.HasPrefix(d, p) {
				e.fields = strings.Fields(strings.TrimPrefix(d, p))
			}
		}
	}
	return e
}

// dataLines concatenates the data lines of complete members.
func (r syncResp) dataLines(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range r.members {
		if m.err != nil {
			t.Fatalf("member %s: %v", m.name, m.err)
		}
		out = append(out, parseELFF(m.data).lines...)
	}
	return out
}

// walk follows a sync session from token (none or a saved one) until
// done, failing on anything but 200 more/done.
func (c *client) walk(mode string, start time.Time, end, token string) (lines [][]byte, last syncResp, statuses []string) {
	c.t.Helper()
	for k := 0; k < 1000; k++ {
		r := c.sync(mode, syncQuery(start, end, token))
		if r.code != http.StatusOK || (r.status != statusMore && r.status != statusDone) {
			c.t.Fatalf("step %d: code %d status %q", k, r.code, r.status)
		}
		lines = append(lines, r.dataLines(c.t)...)
		statuses = append(statuses, r.status)
		token = r.token
		if r.status == statusDone {
			return lines, r, statuses
		}
	}
	c.t.Fatal("sync walk did not finish")
	return nil, syncResp{}, nil
}

func raws(ls []Line) [][]byte {
	out := make([][]byte, len(ls))
	for k, l := range ls {
		out[k] = l.Raw
	}
	return out
}

// sameLines reports the first difference between two line lists.
func sameLines(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	for k := range got {
		if !bytes.Equal(got[k], want[k]) {
			t.Fatalf("line %d:\n got %q\nwant %q", k, got[k], want[k])
		}
	}
}
