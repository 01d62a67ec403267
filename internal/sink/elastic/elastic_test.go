package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink/nametmpl"
)

var testID = record.StreamID{Source: "Acme-FP", Stream: "access"}

// newTestSink returns a sink on f whose in-Write retries do not wait.
func newTestSink(t testing.TB, f *fakeES, edit func(*Config)) *Sink {
	t.Helper()
	cfg := Config{Name: "es", URLs: []string{f.srv.URL}, RetryBackoff: retry.Backoff{Base: time.Microsecond, Max: time.Microsecond}}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testRecs returns records n of testID, two a day from 2026-03-01 23:59 UTC.
func testRecs(from, to int) []record.Record {
	var out []record.Record
	base := time.Date(2026, 3, 1, 23, 59, 0, 123456789, time.UTC)
	for n := from; n < to; n++ {
		out = append(out, record.Record{
			Time: base.Add(time.Duration(n) * 12 * time.Hour), Vendor: "forcepoint",
			Source: testID.Source, Stream: testID.Stream, ID: fmt.Sprintf("tx-%04d", n),
			Fields: json.RawMessage(fmt.Sprintf(`{"n":%d, "user":"u\u00e9"}`, n)),
		})
	}
	return out
}

func write(s *Sink, recs []record.Record) error {
	_, err := s.Write(context.Background(), testID, recs)
	return err
}

func mustWrite(t *testing.T, s *Sink, recs []record.Record) {
	t.Helper()
	if err := write(s, recs); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func wantRecords(t *testing.T, f *fakeES, want []record.Record) {
	t.Helper()
	if d := cmp.Diff(want, f.records(t, testID)); d != "" {
		t.Errorf("destination (-want +got):\n%s", d)
	}
}

// TestDocuments checks what the cluster received: the lowercased daily
// index of each record's UTC day, _id = the record id, the document = the
// envelope plus @timestamp, byte for byte; the headers and filter_path.
func TestDocuments(t *testing.T) {
	f := newFakeES(t)
	f.apiKey = testAPIKey
	s := newTestSink(t, f, func(c *Config) { c.APIKey = testAPIKey })
	recs := testRecs(0, 4)
	mustWrite(t, s, recs)
	days := []string{"2026.03.01", "2026.03.02", "2026.03.02", "2026.03.03"}
	got := f.stored()
	if len(got) != len(recs) {
		t.Fatalf("%d documents, want %d", len(got), len(recs))
	}
	for i, d := range got {
		r := recs[i]
		env := r.AppendJSON(nil)
		want := storedDoc{index: "gatelog-acme-fp-access-" + days[i], id: r.ID,
			source: json.RawMessage(fmt.Sprintf(`%s,"@timestamp":"%s"}`, env[:len(env)-1], r.Time.Format(time.RFC3339Nano)))}
		if d.index != want.index || d.id != want.id || string(d.source) != string(want.source) {
			t.Errorf("document %d:\n got %s %s %s\nwant %s %s %s", i, d.index, d.id, d.source, want.index, want.id, want.source)
		}
	}
	req := f.received()[0]
	if h := req.header; h.Get("Authorization") != "ApiKey "+testAPIKey || h.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("headers %v", h)
	}
	if req.query != "filter_path=errors,items.*.status,items.*.error" {
		t.Errorf("query %q", req.query)
	}
}

// TestRedelivery: the same records written again are answered 409 and
// held once.
func TestRedelivery(t *testing.T) {
	f := newFakeES(t)
	s := newTestSink(t, f, nil)
	recs := testRecs(0, 5)
	mustWrite(t, s, recs[:3])
	mustWrite(t, s, recs)
	wantRecords(t, f, recs)
	if got := f.received()[1].statuses; !cmp.Equal(got, []int{409, 409, 409, 201, 201}) {
		t.Errorf("statuses of the redelivery: %v", got)
	}
}

// TestItemRetry: documents refused with 429 are sent again alone, with the
// others stored at once; retried ones are created last.
func TestItemRetry(t *testing.T) {
	f := newFakeES(t)
	s := newTestSink(t, f, nil)
	recs := testRecs(0, 5)
	f.failItem("tx-0001", rejected, rejected)
	f.failItem("tx-0003", rejected, scripted{503, "unavailable_shards_exception"})
	mustWrite(t, s, recs)
	var sent [][]string
	for _, r := range f.received() {
		sent = append(sent, r.ids)
	}
	want := [][]string{{"tx-0000", "tx-0001", "tx-0002", "tx-0003", "tx-0004"}, {"tx-0001", "tx-0003"}, {"tx-0001", "tx-0003"}}
	if d := cmp.Diff(want, sent); d != "" {
		t.Errorf("ids per request (-want +got):\n%s", d)
	}
	wantRecords(t, f, []record.Record{recs[0], recs[2], recs[4], recs[1], recs[3]})
}

// TestItemRetryExhausted: still refused after ItemRetries retries, the
// Write fails retryably; the pipeline's retry then completes the batch,
// the stored documents answered 409.
func TestItemRetryExhausted(t *testing.T) {
	f := newFakeES(t)
	s := newTestSink(t, f, func(c *Config) { c.ItemRetries = 2 })
	recs := testRecs(0, 4)
	f.failItem("tx-0002", rejected, rejected, rejected)
	err := write(s, recs)
	if err == nil || errclass.IsPermanent(err) || !strings.Contains(err.Error(), "1 of 4 documents still refused after 2 retries, last: 429 es_rejected_execution_exception") {
		t.Fatalf("Write = %v, want a retryable error naming the 429", err)
	}
	if n := len(f.received()); n != 3 {
		t.Errorf("%d requests, want 3 (the batch, then 2 retries)", n)
	}
	mustWrite(t, s, recs)
	wantRecords(t, f, []record.Record{recs[0], recs[1], recs[3], recs[2]})
}

// quarantine records what the sink quarantined.
type quarantine struct {
	mu      sync.Mutex
	ids     []string
	reasons []string
	err     error
}

func (q *quarantine) put(r record.Record, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids, q.reasons = append(q.ids, r.ID), append(q.reasons, reason)
	return q.err
}

// TestRejectedDocument: a 400 for one document quarantines it with the
// reason and the batch succeeds; without a quarantine the Write fails
// permanently; a failing quarantine fails the Write retryably.
func TestRejectedDocument(t *testing.T) {
	recs := testRecs(0, 3)
	t.Run("Quarantined", func(t *testing.T) {
		f := newFakeES(t)
		q := &quarantine{}
		s := newTestSink(t, f, func(c *Config) { c.Quarantine = q.put })
		f.failItem("tx-0001", badMapping)
		mustWrite(t, s, recs)
		wantRecords(t, f, []record.Record{recs[0], recs[2]})
		if !cmp.Equal(q.ids, []string{"tx-0001"}) || !strings.HasPrefix(q.reasons[0], "400 mapper_parsing_exception: ") {
			t.Errorf("quarantined %v %q", q.ids, q.reasons)
		}
	})
	t.Run("NoQuarantine", func(t *testing.T) {
		f := newFakeES(t)
		s := newTestSink(t, f, nil)
		f.failItem("tx-0001", badMapping)
		err := write(s, recs)
		if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), `record "tx-0001" rejected: 400 mapper_parsing_exception`) {
			t.Fatalf("Write = %v, want a permanent error naming the record", err)
		}
	})
	t.Run("QuarantineFails", func(t *testing.T) {
		f := newFakeES(t)
		q := &quarantine{err: errors.New("disk full")}
		s := newTestSink(t, f, func(c *Config) { c.Quarantine = q.put })
		f.failItem("tx-0001", badMapping)
		err := write(s, recs)
		if err == nil || errclass.IsPermanent(err) || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("Write = %v, want a retryable quarantine error", err)
		}
	})
}

// TestTooLarge: a request over the cluster's limit (413) is halved until
// it fits; a document alone over it is quarantined.
func TestTooLarge(t *testing.T) {
	f := newFakeES(t)
	recs := testRecs(0, 10)
	one := len(newTestSink(t, f, nil).appendItem(nil, newTargets(mustTemplate(DefaultIndex)), &recs[0]))
	f.maxBody = 3 * one
	q := &quarantine{}
	s := newTestSink(t, f, func(c *Config) { c.Quarantine = q.put })
	big := testRecs(10, 11)
	big[0].Fields = json.RawMessage(`{"blob":"` + strings.Repeat("x", 4*one) + `"}`)
	mustWrite(t, s, append(recs, big...))
	wantRecords(t, f, recs)
	var sizes []int
	for _, r := range f.received() {
		sizes = append(sizes, len(r.ids))
	}
	// 11 -> 5 + 6 -> (2 + 3) + (3 + (3 -> 1 + (2 -> 1 + the big one, alone refused)))
	if d := cmp.Diff([]int{2, 3, 3, 1, 1}, sizes); d != "" {
		t.Errorf("documents per accepted request (-want +got):\n%s", d)
	}
	if !cmp.Equal(q.ids, []string{"tx-0010"}) || !strings.HasPrefix(q.reasons[0], "413") {
		t.Errorf("quarantined %v %q", q.ids, q.reasons)
	}
}

func mustTemplate(s string) nametmpl.Template {
	t, err := parseTarget(s, true)
	if err != nil {
		panic(err)
	}
	return t
}

// TestBatchLimits: a Write is cut into requests by BatchRecords and
// BatchBytes, in order.
func TestBatchLimits(t *testing.T) {
	f := newFakeES(t)
	recs := testRecs(0, 7)
	s := newTestSink(t, f, func(c *Config) { c.BatchRecords = 3 })
	mustWrite(t, s, recs)
	one := len(s.appendItem(nil, newTargets(s.target), &recs[0]))
	s2 := newTestSink(t, f, func(c *Config) { c.BatchBytes = 2*one + one/2 })
	mustWrite(t, s2, testRecs(7, 12))
	var sizes []int
	for _, r := range f.received() {
		sizes = append(sizes, len(r.ids))
	}
	if d := cmp.Diff([]int{3, 3, 1, 2, 2, 1}, sizes); d != "" {
		t.Errorf("documents per request (-want +got):\n%s", d)
	}
	wantRecords(t, f, testRecs(0, 12))
}

// TestErrorClasses maps whole-request and item answers to error classes.
func TestErrorClasses(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		whole     *wholeFailure
		item      *scripted
		permanent bool
		until     time.Time
		contains  string
	}{
		{name: "Unavailable", whole: &unavailable, contains: "503 cluster_block_exception"},
		{name: "RetryAfter", whole: &wholeFailure{503, unavailable.body, "9"}, until: now.Add(9 * time.Second), contains: "503"},
		{name: "TooMany", whole: &wholeFailure{429, `{"error":{"type":"es_rejected_execution_exception","reason":"rejected"},"status":429}`, "4"}, until: now.Add(4 * time.Second), contains: "429"},
		{name: "BadGateway", whole: &wholeFailure{502, `<html>bad gateway</html>`, ""}, contains: "502"},
		{name: "Unauthorized", whole: &unauthorized, permanent: true, contains: "check api_key"},
		{name: "Forbidden", whole: &wholeFailure{403, `{"error":{"type":"security_exception","reason":"action [indices:data/write/bulk] is unauthorized"},"status":403}`, ""}, permanent: true, contains: "create_doc"},
		{name: "NotFound", whole: &wholeFailure{404, `{"error":"no handler found for uri [/_bulk]"}`, ""}, permanent: true, contains: "check url"},
		{name: "HTML200", whole: &wholeFailure{200, `<html>sign in</html>`, ""}, permanent: true, contains: "not a _bulk answer"},
		{name: "EchoedKey", whole: &wholeFailure{400, `{"error":{"type":"x","reason":"bad header ApiKey ` + testAPIKey + `"},"status":400}`, ""}, permanent: true, contains: "[REDACTED]"},
		{name: "ItemForbidden", item: &scripted{403, "security_exception"}, permanent: true, contains: "create_doc"},
		{name: "ItemNoIndex", item: &scripted{404, "index_not_found_exception"}, permanent: true, contains: "index_not_found_exception"},
		{name: "ItemBadIndex", item: &scripted{400, "invalid_index_name_exception"}, permanent: true, contains: "invalid_index_name_exception"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeES(t)
			q := &quarantine{}
			s := newTestSink(t, f, func(c *Config) { c.APIKey, c.Quarantine = testAPIKey, q.put })
			s.now = func() time.Time { return now }
			if tc.whole != nil {
				f.failNext(*tc.whole)
			} else {
				f.failItem("tx-0000", *tc.item)
			}
			checkClass(t, write(s, testRecs(0, 2)), tc.permanent, tc.until, tc.contains)
			if len(q.ids) != 0 {
				t.Errorf("quarantined %v: not a document problem", q.ids)
			}
		})
	}
}

func checkClass(t *testing.T, err error, permanent bool, until time.Time, contains string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatal("Write succeeded")
	case errclass.IsPermanent(err) != permanent:
		t.Errorf("IsPermanent = %v, want %v: %v", !permanent, permanent, err)
	case !strings.Contains(err.Error(), contains):
		t.Errorf("error %q does not contain %q", err, contains)
	case strings.Contains(err.Error(), testAPIKey) || strings.Contains(err.Error(), testPassword):
		t.Errorf("error contains a credential: %v", err)
	}
	got, throttled := errclass.ThrottledUntil(err)
	if throttled != !until.IsZero() || !got.Equal(until) {
		t.Errorf("ThrottledUntil = %v %v, want %v: %v", got, throttled, until, err)
	}
}

// TestWrongCredentials: the fake's own checks, by credential kind, named
// without their values.
func TestWrongCredentials(t *testing.T) {
	f := newFakeES(t)
	f.user, f.pass = "gatelog", "right"
	s := newTestSink(t, f, func(c *Config) { c.Username, c.Password = "gatelog", testPassword })
	checkClass(t, write(s, testRecs(0, 1)), true, time.Time{}, "check username and password")
	anon := newTestSink(t, f, nil)
	checkClass(t, write(anon, testRecs(0, 1)), true, time.Time{}, "none are configured")
}

// TestFailover: a node that refuses connections is skipped, whichever node
// a request starts with; with every node down the error is retryable.
func TestFailover(t *testing.T) {
	dead := deadURL(t)
	f := newFakeES(t)
	s := newTestSink(t, f, func(c *Config) { c.URLs = []string{dead, f.srv.URL} })
	recs := testRecs(0, 4)
	for i := range recs {
		mustWrite(t, s, recs[i:i+1]) // starts alternate between the nodes
	}
	wantRecords(t, f, recs)
	down := newTestSink(t, f, func(c *Config) { c.URLs = []string{dead} })
	checkClass(t, write(down, recs), false, time.Time{}, "connect")
}

func deadURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

// TestIDs: a target that does not separate streams qualifies _id with the
// stream, so that equal ids of two streams do not meet as a 409; an id
// over 512 bytes is hashed; both stay idempotent.
func TestIDs(t *testing.T) {
	f := newFakeES(t)
	s := newTestSink(t, f, func(c *Config) { c.Index = "security-{date}" })
	other := record.StreamID{Source: testID.Source, Stream: "audit"}
	a, b := testRecs(0, 1), testRecs(0, 1)
	b[0].Stream = other.Stream
	long := testRecs(1, 2)
	long[0].ID = strings.Repeat("é", 300)
	for range 2 {
		mustWrite(t, s, append(a, long...))
		if _, err := s.Write(context.Background(), other, b); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, d := range f.stored() {
		ids = append(ids, d.id)
	}
	want := []string{"Acme-FP/access/tx-0000", record.HashID([]byte("Acme-FP/access/" + long[0].ID)), "Acme-FP/audit/tx-0000"}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("_ids (-want +got):\n%s", d)
	}
}

// TestDataStream: documents go to the rendered data stream, with
// @timestamp; {date} is refused in a data stream name.
func TestDataStream(t *testing.T) {
	f := newFakeES(t)
	f.streams["logs-gatelog.forcepoint-default"] = true
	s := newTestSink(t, f, func(c *Config) { c.DataStream = "logs-gatelog.{vendor}-default" })
	mustWrite(t, s, testRecs(0, 2))
	for _, d := range f.stored() {
		if d.index != "logs-gatelog.forcepoint-default" || d.id != "Acme-FP/access/"+d.id[len("Acme-FP/access/"):] {
			t.Errorf("document %s in %s", d.id, d.index)
		}
	}
	wantRecords(t, f, testRecs(0, 2))
	if _, err := New(Config{Name: "x", URLs: []string{f.srv.URL}, DataStream: "logs-{date}"}); !errclass.IsPermanent(err) {
		t.Errorf("New with {date} in a data stream = %v", err)
	}
}

// TestConfig rejects what retrying cannot fix, without the secrets.
func TestConfig(t *testing.T) {
	ok := Config{Name: "es", URLs: []string{"https://es.example:9200/"}, APIKey: testAPIKey}
	for name, edit := range map[string]func(*Config){
		"NoURL":         func(c *Config) { c.URLs = nil },
		"PlainHTTP":     func(c *Config) { c.URLs = []string{"http://es.example:9200"} },
		"KeyAndBasic":   func(c *Config) { c.Username, c.Password = "u", testPassword },
		"PasswordOnly":  func(c *Config) { c.APIKey, c.Password = "", testPassword },
		"IndexAndDS":    func(c *Config) { c.Index, c.DataStream = "a", "b" },
		"Unknown":       func(c *Config) { c.Index = "gatelog-{host}" },
		"Unclosed":      func(c *Config) { c.Index = "gatelog-{date" },
		"NegativeBatch": func(c *Config) { c.BatchRecords = -1 },
	} {
		c := ok
		c.URLs = append([]string(nil), ok.URLs...)
		edit(&c)
		_, err := New(c)
		if !errclass.IsPermanent(err) || strings.Contains(fmt.Sprint(err), testAPIKey) || strings.Contains(fmt.Sprint(err), testPassword) {
			t.Errorf("%s: New = %v, want a permanent error without secrets", name, err)
		}
	}
	s, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.cfg.URLs[0] != "https://es.example:9200" || ok.URLs[0] != "https://es.example:9200/" || s.cfg.Index != DefaultIndex {
		t.Errorf("URLs %q (caller's %q), index %q", s.cfg.URLs, ok.URLs, s.cfg.Index)
	}
}

// TestCloseStopsWrite: Close ends a Write waiting between item retries,
// and later Writes fail.
func TestCloseStopsWrite(t *testing.T) {
	f := newFakeES(t)
	s := newTestSink(t, f, func(c *Config) { c.RetryBackoff = retry.Backoff{Base: time.Hour, Max: time.Hour} })
	f.failItem("tx-0000", rejected)
	done := make(chan error, 1)
	go func() { done <- write(s, testRecs(0, 1)) }()
	for len(f.received()) == 0 {
		select {
		case err := <-done:
			t.Fatalf("Write returned before its first request: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("Write waiting to retry succeeded after Close")
	}
	if err := write(s, testRecs(1, 2)); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// TestAllCreated: the fast path takes only the exact answer for n created
// documents; anything else goes to the decoder.
func TestAllCreated(t *testing.T) {
	const item = `{"create":{"status":201}}`
	for _, tc := range []struct {
		body string
		n    int
		want bool
	}{
		{`{"errors":false,"items":[` + item + `,` + item + `]}`, 2, true},
		{` {"errors":false,"items":[` + item + `]}` + "\n", 1, true},
		{`{"errors":false,"items":[` + item + `]}`, 2, false},
		{`{"errors":false,"items":[` + item + `,` + item + `]}`, 1, false},
		{`{"errors":true,"items":[` + item + `]}`, 1, false},
		{`{"errors":false,"items":[{"create":{"status":409}}]}`, 1, false},
		{`{"errors":false,"items":[` + item + ` ,` + item + `]}`, 2, false},
		{`{"errors":false,"items":[]}`, 0, true},
	} {
		if got := allCreated([]byte(tc.body), tc.n); got != tc.want {
			t.Errorf("allCreated(%s, %d) = %v", tc.body, tc.n, got)
		}
	}
}

// TestAnswers: an unfiltered answer (a proxy dropped filter_path) is read
// as well; an answer with fewer items than documents is not success.
func TestAnswers(t *testing.T) {
	full := `{"took":3,"errors":false,"items":[` +
		`{"create":{"_index":"i","_id":"tx-0000","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}},` +
		`{"create":{"_index":"i","_id":"tx-0001","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[tx-0001]: version conflict, document already exists (current version [1])","index_uuid":"x","shard":"0","index":"i"}}}]}`
	f := newFakeES(t)
	s := newTestSink(t, f, nil)
	f.failNext(wholeFailure{200, full, ""})
	mustWrite(t, s, testRecs(0, 2))
	f.failNext(wholeFailure{200, `{"errors":false,"items":[{"create":{"status":201}}]}`, ""})
	checkClass(t, write(s, testRecs(0, 2)), false, time.Time{}, "1 items for 2 documents")
}
