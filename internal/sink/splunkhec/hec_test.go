package splunkhec

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/nametmpl"
)

var testID = record.StreamID{Source: "acme-fp", Stream: "access"}

// testRecs returns n records of testID, vendors alternating every three.
func testRecs(from, to int) []record.Record {
	var out []record.Record
	base := time.Date(2026, 3, 1, 23, 59, 58, 987654321, time.UTC)
	for n := from; n < to; n++ {
		vendor := "forcepoint"
		if n/3%2 == 1 {
			vendor = "symantec"
		}
		out = append(out, record.Record{
			Time: base.Add(time.Duration(n) * 1500 * time.Millisecond), Vendor: vendor,
			Source: testID.Source, Stream: testID.Stream, ID: fmt.Sprintf("tx-%04d", n),
			Fields: json.RawMessage(fmt.Sprintf(`{"n":%d, "user":"u\u00e9"}`, n)),
		})
	}
	return out
}

func write(t *testing.T, s *Sink, recs []record.Record) error {
	t.Helper()
	if err := s.Recover(context.Background(), testID, nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.Write(context.Background(), testID, recs)
	return err
}

func mustWrite(t *testing.T, s *Sink, recs []record.Record) {
	t.Helper()
	if err := write(t, s, recs); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func wantRecords(t *testing.T, f *fakeHEC, want []record.Record) {
	t.Helper()
	got := f.records(t, testID)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("destination (-want +got):\n%s", d)
	}
}

// TestEventFormat checks every key of every event HEC received: the time in
// epoch seconds with milliseconds, the rendered metadata, and the envelope
// as the event, byte for byte.
func TestEventFormat(t *testing.T) {
	f := newFakeHEC(t, testToken, true)
	s := newTestSink(t, f, func(c *Config) {
		c.Index = "sec_{vendor}"
		c.Host = "collector-1"
	})
	defer s.Close()
	recs := testRecs(0, 7)
	mustWrite(t, s, recs)
	events := f.events()
	if len(events) != len(recs) {
		t.Fatalf("%d events, want %d", len(events), len(recs))
	}
	for i, ev := range events {
		r := recs[i]
		want := map[string]string{
			"time":       fmt.Sprintf("%d.%03d", r.Time.Unix(), r.Time.Nanosecond()/1e6),
			"host":       "collector-1",
			"source":     "acme-fp/access",
			"sourcetype": "gatelog:" + r.Vendor + ":access",
			"index":      "sec_" + r.Vendor,
			"event":      string(r.AppendJSON(nil)),
		}
		got := map[string]string{
			"time": string(ev.Time), "host": deref(ev.Host), "source": deref(ev.Source),
			"sourcetype": deref(ev.SourceType), "index": deref(ev.Index), "event": string(ev.Event),
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("event %d (-want +got):\n%s", i, d)
		}
	}
	h := f.received()[0].header
	for k, v := range map[string]string{
		"Authorization": "Splunk " + testToken, "Content-Encoding": "gzip",
		"Content-Type": "application/json", "X-Splunk-Request-Channel": channelFor("siem"),
	} {
		if h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return "<absent>"
	}
	return *p
}

// TestEpochBefore1970 keeps the fraction positive, as a decimal reads.
func TestEpochBefore1970(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Unix(-1, 500e6):            "-1.500",
		time.Unix(0, -1e6):              "-1.999",
		time.Unix(1772409599, 999999e3): "1772409599.999",
	} {
		if got := string(appendEpoch(nil, in)); got != want {
			t.Errorf("appendEpoch(%v) = %s, want %s", in, got, want)
		}
	}
}

// TestOmittedMetadata: without Index and Host, the keys are left out so
// that Splunk applies the token's defaults.
func TestOmittedMetadata(t *testing.T) {
	f := newFakeHEC(t, testToken, false)
	s := newTestSink(t, f, nil)
	defer s.Close()
	mustWrite(t, s, testRecs(0, 1))
	ev := f.events()[0]
	if ev.Index != nil || ev.Host != nil {
		t.Errorf("index %q, host %q: want both absent", deref(ev.Index), deref(ev.Host))
	}
}

// TestBatchLimits: a Write is cut into requests by BatchRecords and
// BatchBytes, in order; one record larger than BatchBytes goes alone.
func TestBatchLimits(t *testing.T) {
	recs := testRecs(0, 10)
	one := len(appendEventFor(&recs[0]))
	for _, tc := range []struct {
		name    string
		records int
		bytes   int
		want    []int
	}{
		{"Records", 3, 0, []int{3, 3, 3, 1}},
		{"Bytes", 0, 2*one + one/2, []int{2, 2, 2, 2, 2}},
		{"OneOverBytes", 0, 10, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeHEC(t, testToken, true)
			s := newTestSink(t, f, func(c *Config) { c.BatchRecords, c.BatchBytes = tc.records, tc.bytes })
			defer s.Close()
			mustWrite(t, s, recs)
			var got []int
			for _, r := range f.received() {
				got = append(got, r.events)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("events per request (-want +got):\n%s", d)
			}
			wantRecords(t, f, recs)
		})
	}
}

func appendEventFor(r *record.Record) []byte {
	var e encoder
	m := meta{}
	m.source, _ = nametmpl.Parse(DefaultSource, nametmpl.Base)
	m.sourceType, _ = nametmpl.Parse(DefaultSourceType, nametmpl.Base)
	m.index, _ = nametmpl.Parse("", nametmpl.Base)
	return e.appendEvent(nil, &m, r)
}

// TestAckWaitsForIndexing: HEC indexes each request on its fourth ack
// query; Write returns only then, having sent each id until it was true.
func TestAckWaitsForIndexing(t *testing.T) {
	f := newFakeHEC(t, testToken, true)
	f.ackDelay = 4
	s := newTestSink(t, f, func(c *Config) { c.BatchRecords = 2 })
	defer s.Close()
	recs := testRecs(0, 5)
	mustWrite(t, s, recs)
	wantRecords(t, f, recs)
	if n := f.ackQueries(); n != 4 {
		t.Errorf("%d ack queries, want 4 (all pending ids each poll)", n)
	}
}

// TestAckTimeout: acks that never come make a retryable error once
// AckTimeout passes; the events may still be indexed later, so the retry
// can duplicate them (at-least-once).
func TestAckTimeout(t *testing.T) {
	f := newFakeHEC(t, testToken, true)
	f.ackDelay = 0 // never indexed
	s := newTestSink(t, f, func(c *Config) { c.AckTimeout = config.Duration(20 * time.Millisecond) })
	defer s.Close()
	err := write(t, s, testRecs(0, 3))
	if err == nil || errclass.IsPermanent(err) || !strings.Contains(err.Error(), "1 of 1 requests not confirmed") {
		t.Fatalf("Write = %v, want a retryable ack timeout", err)
	}
}

// TestAckDisabledOnToken: ack configured but off on the token is a
// configuration error, named as such.
func TestAckDisabledOnToken(t *testing.T) {
	f := newFakeHEC(t, testToken, false)
	s := newTestSink(t, f, func(c *Config) { c.Ack = true })
	defer s.Close()
	err := write(t, s, testRecs(0, 1))
	if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "set ack: false") {
		t.Fatalf("Write = %v, want a permanent error saying to set ack: false", err)
	}
}

// TestNoChannel: a token with acks on rejects requests without a channel
// (code 10): the sink without Ack sends none.
func TestNoChannel(t *testing.T) {
	f := newFakeHEC(t, testToken, true)
	s := newTestSink(t, f, func(c *Config) { c.Ack = false })
	defer s.Close()
	err := write(t, s, testRecs(0, 1))
	if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "(code 10)") || !strings.Contains(err.Error(), "set ack: true") {
		t.Fatalf("Write = %v, want a permanent code 10 error saying to set ack: true", err)
	}
}

// TestErrorClasses maps HEC's documented answers to error classes.
func TestErrorClasses(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		fail      failure
		permanent bool
		until     time.Time // for throttled
		contains  string
	}{
		{"Busy", busy, false, time.Time{}, "503 Server is busy (code 9)"},
		{"BusyRetryAfter", failure{503, busy.body, "7"}, false, now.Add(7 * time.Second), "code 9"},
		{"TooMany", failure{429, `{"text":"Too many requests","code":9}`, "30"}, false, now.Add(30 * time.Second), "429"},
		{"Internal", failure{500, `{"text":"Internal server error","code":8}`, ""}, false, time.Time{}, "code 8"},
		{"ProxyDown", failure{502, `<html>bad gateway</html>`, ""}, false, time.Time{}, "not a HEC reply"},
		{"InvalidToken", invalidToken, true, time.Time{}, "check token"},
		{"TokenDisabled", failure{403, `{"text":"Token disabled","code":1}`, ""}, true, time.Time{}, "check token"},
		{"TokenRequired", failure{401, `{"text":"Token is required","code":2}`, ""}, true, time.Time{}, "check token"},
		{"InvalidAuth", failure{401, `{"text":"Invalid authorization","code":3}`, ""}, true, time.Time{}, "check token"},
		{"BadFormat", failure{400, `{"text":"Invalid data format","code":6,"invalid-event-number":2}`, ""}, true, time.Time{}, "event 2"},
		{"NoEvent", failure{400, `{"text":"Event field is required","code":12,"invalid-event-number":0}`, ""}, true, time.Time{}, "code 12"},
		{"BadIndex", failure{400, `{"text":"Incorrect index","code":7,"invalid-event-number":0}`, ""}, true, time.Time{}, "check index"},
		{"NotHEC", failure{404, `not found`, ""}, true, time.Time{}, "no HEC endpoint"},
		{"HTMLOK", failure{200, `<html>login</html>`, ""}, true, time.Time{}, "not a HEC reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeHEC(t, testToken, false)
			s := newTestSink(t, f, nil)
			s.now = func() time.Time { return now }
			defer s.Close()
			f.failNext(tc.fail)
			err := write(t, s, testRecs(0, 2))
			checkClass(t, err, tc.permanent, tc.until, tc.contains)
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
	case strings.Contains(err.Error(), testToken):
		t.Errorf("error contains the token: %v", err)
	}
	got, throttled := errclass.ThrottledUntil(err)
	if throttled != !until.IsZero() || !got.Equal(until) {
		t.Errorf("ThrottledUntil = %v %v, want %v: %v", got, throttled, until, err)
	}
}

// TestRealTokenErrors: the fake's own token check (not a scripted answer)
// for a wrong token, and a refused connection, which is retryable.
func TestRealTokenErrors(t *testing.T) {
	f := newFakeHEC(t, "the-right-token", false)
	s := newTestSink(t, f, nil) // sends testToken
	defer s.Close()
	err := write(t, s, testRecs(0, 1))
	checkClass(t, err, true, time.Time{}, "403 Invalid token (code 4)")

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_ = ln.Close()
	down, err := New(Config{Name: "down", URL: "http://" + addr, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	err = write(t, down, testRecs(0, 1))
	checkClass(t, err, false, time.Time{}, "connect")
}

// TestResumeAfterBusy: HEC is busy on the third request of a batch; the
// retried batch starts after the records already indexed, so none is
// indexed twice. A different batch is sent whole.
func TestResumeAfterBusy(t *testing.T) {
	for _, ack := range []bool{true, false} {
		t.Run(fmt.Sprintf("ack=%v", ack), func(t *testing.T) {
			f := newFakeHEC(t, testToken, ack)
			s := newTestSink(t, f, func(c *Config) { c.BatchRecords = 2 })
			defer s.Close()
			recs := testRecs(0, 7)
			mustWrite(t, s, recs[:1])
			resumeCase(t, f, s, recs)
		})
	}
}

// resumeCase fails the third request of recs[1:] and retries it.
func resumeCase(t *testing.T, f *fakeHEC, s *Sink, recs []record.Record) {
	t.Helper()
	batch := recs[1:]
	before := len(f.received())
	f.failAfter(2, busy)
	if err := write(t, s, batch); err == nil {
		t.Fatal("Write succeeded despite a busy HEC")
	}
	mustWrite(t, s, batch)
	wantRecords(t, f, recs)
	var sizes []int
	for _, r := range f.received()[before:] {
		sizes = append(sizes, r.events)
	}
	// 2+2 accepted, the third refused (not stored as a request), then the retry: 2.
	if d := cmp.Diff([]int{2, 2, 2}, sizes); d != "" {
		t.Errorf("events per accepted request (-want +got):\n%s", d)
	}
	// A different batch after a failure is not skipped into.
	f.failAfter(1, busy)
	other := testRecs(7, 12)
	if err := write(t, s, other); err == nil {
		t.Fatal("Write succeeded despite a busy HEC")
	}
	mustWrite(t, s, other[1:])
	wantRecords(t, f, append(append(recs, other[:2]...), other[1:]...))
}

// TestConfig rejects what retrying cannot fix, without the token.
func TestConfig(t *testing.T) {
	ok := Config{Name: "siem", URL: "https://splunk.example:8088/services/collector/event", Token: testToken}
	for name, edit := range map[string]func(*Config){
		"NoToken":          func(c *Config) { c.Token = "" },
		"PlainHTTP":        func(c *Config) { c.URL = "http://splunk.example:8088" },
		"BadScheme":        func(c *Config) { c.URL = "ftp://splunk.example" },
		"UnknownKey":       func(c *Config) { c.Source = "{host}" },
		"UnclosedTemplate": func(c *Config) { c.Index = "sec_{vendor" },
		"BadChannel":       func(c *Config) { c.Channel = "not-a-guid" },
		"Negative":         func(c *Config) { c.BatchBytes = -1 },
	} {
		c := ok
		edit(&c)
		_, err := New(c)
		if !errclass.IsPermanent(err) || strings.Contains(fmt.Sprint(err), testToken) {
			t.Errorf("%s: New = %v, want a permanent error without the token", name, err)
		}
	}
	s, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.eventURL != "https://splunk.example:8088/services/collector/event" || s.cfg.Channel != "" {
		t.Errorf("event URL %q, channel %q", s.eventURL, s.cfg.Channel)
	}
}

// TestChannel is a GUID, stable for a name and distinct between names.
func TestChannel(t *testing.T) {
	a, b := channelFor("siem"), channelFor("siem-2")
	if !guid.MatchString(a) || a != channelFor("siem") || a == b || a[14] != '5' {
		t.Errorf("channelFor: %q, %q", a, b)
	}
}

// TestCloseStopsWrite: Close ends a Write waiting for acks, and later
// Writes fail.
func TestCloseStopsWrite(t *testing.T) {
	f := newFakeHEC(t, testToken, true)
	f.ackDelay = 0 // never indexed: the Write waits until AckTimeout
	s := newTestSink(t, f, nil)
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(context.Background(), testID, testRecs(0, 1))
		done <- err
	}()
	for f.ackQueries() == 0 {
		select {
		case err := <-done:
			t.Fatalf("Write returned before querying acks: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("Write waiting for acks succeeded after Close")
	}
	if _, err := s.Write(context.Background(), testID, testRecs(1, 2)); err == nil {
		t.Error("Write after Close succeeded")
	}
}
