package forcepoint

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// scriptServer answers each request with the next scripted response and
// records the query it got.
type scriptServer struct {
	mu      sync.Mutex
	replies []reply
	queries []map[string]string
}

type reply struct {
	status int
	header map[string]string
	body   string
}

func (s *scriptServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = v[0]
	}
	q["auth"] = r.Header.Get("Authorization")
	s.queries = append(s.queries, q)
	var rep reply
	if len(s.replies) > 0 {
		rep, s.replies = s.replies[0], s.replies[1:]
	} else {
		rep = reply{status: 500, body: `{"status":"script ran out"}`}
	}
	s.mu.Unlock()
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	fmt.Fprint(w, rep.body)
}

func tok(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }

func pageBody(token string, recs ...string) string {
	return fmt.Sprintf(`{"nextpagetoken":%q,"response":{"data":[%s],"dataformat":"json","dataencoding":"utf-8"},"status":"Request was successful"}`,
		token, strings.Join(recs, ","))
}

func rec(tm, txid string) string {
	if txid == "" {
		return fmt.Sprintf(`{"time":%q,"user":"u"}`, tm)
	}
	return fmt.Sprintf(`{"time":%q,"transactionid":%q}`, tm, txid)
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newTestStream(t *testing.T, srv *scriptServer, logType string, store state.Store) *stream {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	src, err := New(Config{Name: "acme", BaseURL: ts.URL, Auth: Auth{Token: "T0KEN"}, LogTypes: []string{logType},
		Now: func() time.Time { return now }, DailyRequestBudget: 10, MaxAttempts: 3,
		Backoff: retry.Backoff{Base: time.Millisecond, Max: time.Millisecond}}, ts.Client(), store)
	if err != nil {
		t.Fatal(err)
	}
	st := src.Streams()[0].(*stream)
	if err := st.Resume(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return st
}

func ids(recs []record.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func TestFirstRequestUsesStartdateThenToken(t *testing.T) {
	t1 := tok(`{"log_id":"a","datetime":"x"}`)
	srv := &scriptServer{replies: []reply{
		{200, nil, pageBody(t1, rec("22 Nov 2026 10:00:00", "A"), rec("22 Nov 2026 10:00:01", "B"))},
		{200, nil, pageBody(t1)}, // old types: the same token back means caught up
	}}
	st := newTestStream(t, srv, "access", memstate.New())
	b, err := st.Fetch(t.Context())
	if err != nil || b.CaughtUp || strings.Join(ids(b.Records), ",") != "A,B" {
		t.Fatalf("batch 1: %+v %v", b, err)
	}
	b, err = st.Fetch(t.Context())
	if err != nil || !b.CaughtUp || len(b.Records) != 0 {
		t.Fatalf("batch 2: %+v %v", b, err)
	}
	q0, q1 := srv.queries[0], srv.queries[1]
	if q0["startdate"] != "2026-11-21T12:00:00Z" || q0["nextpagetoken"] != "" || q0["responseformat"] != "json" || q0["cv"] != "1.1.5" {
		t.Errorf("first query %v", q0)
	}
	if q1["nextpagetoken"] != t1 || q1["startdate"] != "" {
		t.Errorf("second query %v: want the token and no startdate", q1)
	}
	if q0["auth"] != "Bearer T0KEN" {
		t.Errorf("auth header %q", q0["auth"])
	}
}

func TestEndTokenIsNeverSaved(t *testing.T) {
	t1 := tok(`{"start_time":"1","end_time":"2","page":1}`)
	srv := &scriptServer{replies: []reply{
		{200, nil, pageBody(t1, rec("22 Nov 2026 10:00:02", "C"), rec("22 Nov 2026 10:00:01", "B"))},
		{200, nil, pageBody("e30=")},
		{200, nil, pageBody("e30=")},
	}}
	st := newTestStream(t, srv, "swgweb", memstate.New())
	b, _ := st.Fetch(t.Context())
	if got := strings.Join(ids(b.Records), ","); got != "B,C" {
		t.Fatalf("newest-first page not put in time order: %s", got)
	}
	for i := range 2 {
		b, err := st.Fetch(t.Context())
		if err != nil || !b.CaughtUp {
			t.Fatalf("poll %d: %+v %v", i, b, err)
		}
		var c cursor
		json.Unmarshal(b.Cursor, &c)
		if c.Token != t1 {
			t.Fatalf("cursor token %q after the {} token, want the last good one", c.Token)
		}
	}
	if srv.queries[2]["nextpagetoken"] != t1 {
		t.Errorf("the poll after {} sent %q", srv.queries[2]["nextpagetoken"])
	}
}

// Resuming by time re-reads the newest second: what was delivered there is
// dropped by id, and a new record in that second is kept.
func TestResumeByTimeDropsTheDeliveredBoundary(t *testing.T) {
	srv := &scriptServer{replies: []reply{
		{200, nil, pageBody("", rec("22 Nov 2026 10:00:00", "A"), rec("22 Nov 2026 10:00:05", "B"), rec("22 Nov 2026 10:00:05", ""))},
		{200, nil, pageBody("", rec("22 Nov 2026 10:00:05", "B"), rec("22 Nov 2026 10:00:05", ""), rec("22 Nov 2026 10:00:05", "N"), rec("22 Nov 2026 10:00:06", "M"))},
	}}
	st := newTestStream(t, srv, "admin", memstate.New())
	b, _ := st.Fetch(t.Context())
	if len(b.Records) != 3 {
		t.Fatalf("batch 1: %v", ids(b.Records))
	}
	// Restart from the committed cursor.
	if err := st.Resume(t.Context(), b.Cursor); err != nil {
		t.Fatal(err)
	}
	b, _ = st.Fetch(t.Context())
	if got := strings.Join(ids(b.Records), ","); got != "N,M" {
		t.Fatalf("after resuming by time got %s, want N,M", got)
	}
	if srv.queries[1]["startdate"] != "2026-11-22T10:00:05Z" {
		t.Errorf("resumed from %q", srv.queries[1]["startdate"])
	}
}

func TestBadTimeIsQuarantined(t *testing.T) {
	srv := &scriptServer{replies: []reply{
		{200, nil, pageBody("", rec("22 Nov 2026 10:00:00", "A"), `{"time":"yesterday"}`, `"not an object"`, `{"user":"no time"}`)},
	}}
	st := newTestStream(t, srv, "admin", memstate.New())
	b, err := st.Fetch(t.Context())
	if err != nil || len(b.Records) != 1 || len(b.Bad) != 3 {
		t.Fatalf("%+v %v", b, err)
	}
	if !strings.Contains(b.Bad[0].Reason, `"yesterday"`) || !strings.Contains(b.Bad[0].Context, "data[1]") {
		t.Errorf("quarantine context %+v", b.Bad[0])
	}
}

func TestBudgetSurvivesRestartAndBlocksUntilReset(t *testing.T) {
	store := memstate.New()
	reset := now.Add(90 * time.Minute)
	srv := &scriptServer{replies: []reply{
		{200, map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(reset.Unix())},
			pageBody("", rec("22 Nov 2026 10:00:00", "A"))},
	}}
	st := newTestStream(t, srv, "access", store)
	if _, err := st.Fetch(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A new stream over the same store (a restarted gatelog) sends nothing.
	st2 := newTestStream(t, srv, "access", store)
	_, err := st2.Fetch(t.Context())
	until, ok := errclass.ThrottledUntil(err)
	if !ok || !until.Equal(reset) {
		t.Fatalf("err %v, want throttled until %v", err, reset)
	}
	if len(srv.queries) != 1 {
		t.Fatalf("%d requests sent, want 1", len(srv.queries))
	}
}

func TestOwnDailyBudgetIsEnforced(t *testing.T) {
	store := memstate.New()
	id := record.StreamID{Source: "acme", Stream: "access"}
	store.SetBudget(id, state.Budget{Day: now.Format(time.DateOnly), Used: 10, Remaining: -1})
	srv := &scriptServer{}
	st := newTestStream(t, srv, "access", store)
	_, err := st.Fetch(t.Context())
	until, ok := errclass.ThrottledUntil(err)
	if !ok || !until.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) || len(srv.queries) != 0 {
		t.Fatalf("err %v until %v, %d requests", err, until, len(srv.queries))
	}
	// A new UTC day starts a new count.
	store.SetBudget(id, state.Budget{Day: "2026-11-21", Used: 10, Remaining: -1})
	srv.replies = []reply{{200, nil, pageBody("")}}
	if _, err := st.Fetch(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b, _ := store.Budget(id); b.Used != 1 || b.Day != "2026-11-22" {
		t.Fatalf("budget %+v", b)
	}
}

func TestTooManyRequestsWaitsForTheLaterOfRetryAfterAndReset(t *testing.T) {
	store := memstate.New()
	reset := now.Add(2 * time.Hour)
	srv := &scriptServer{replies: []reply{{429, map[string]string{"Retry-After": "30", "X-RateLimit-Reset": reset.Format("2006-01-02 15:04:05-07:00")},
		`{"status":"You have exceeded your allowance of 300 requests per day for access logs."}`}}}
	st := newTestStream(t, srv, "access", store)
	_, err := st.Fetch(t.Context())
	if until, ok := errclass.ThrottledUntil(err); !ok || !until.Equal(reset) {
		t.Fatalf("err %v", err)
	}
	if len(srv.queries) != 1 {
		t.Fatalf("a 429 was retried: %d requests", len(srv.queries))
	}
	if b, _ := store.Budget(record.StreamID{Source: "acme", Stream: "access"}); !b.BlockedUntil.Equal(reset) {
		t.Fatalf("block not saved: %+v", b)
	}
}

func TestTransientFailuresAreRetriedAndCounted(t *testing.T) {
	store := memstate.New()
	srv := &scriptServer{replies: []reply{
		{503, nil, `{"status":"Temporarily unavailable"}`},
		{200, nil, `{"response":{"data":[{"time":"22 Nov`}, // truncated
		{200, nil, pageBody("", rec("22 Nov 2026 10:00:00", "A"))},
	}}
	st := newTestStream(t, srv, "access", store)
	b, err := st.Fetch(t.Context())
	if err != nil || len(b.Records) != 1 || b.Requests != 3 {
		t.Fatalf("%+v %v", b, err)
	}
	if bud, _ := store.Budget(record.StreamID{Source: "acme", Stream: "access"}); bud.Used != 3 {
		t.Fatalf("budget used %d, want every retry counted (3)", bud.Used)
	}
}

func TestRejectedTokenFallsBackToTime(t *testing.T) {
	srv := &scriptServer{replies: []reply{
		{400, nil, `{"status":"Invalid next page token"}`},
		{200, nil, pageBody("", rec("22 Nov 2026 11:00:09", "Z"))},
	}}
	st := newTestStream(t, srv, "access", memstate.New())
	cur, _ := json.Marshal(cursor{Token: "c3RhbGU=", LastTime: now.Add(-time.Hour), Boundary: []string{"Y"}})
	st.Resume(t.Context(), cur)
	b, err := st.Fetch(t.Context())
	if err != nil || len(b.Records) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	if srv.queries[1]["startdate"] != "2026-11-22T11:00:00Z" || srv.queries[1]["nextpagetoken"] != "" {
		t.Fatalf("fallback query %v", srv.queries[1])
	}
}

func TestStaleCheckpointDropsToken(t *testing.T) {
	srv := &scriptServer{replies: []reply{{200, nil, pageBody("")}}}
	st := newTestStream(t, srv, "access", memstate.New())
	cur, _ := json.Marshal(cursor{Token: "old", LastTime: now.Add(-40 * 24 * time.Hour)})
	st.Resume(t.Context(), cur)
	st.Fetch(t.Context())
	q := srv.queries[0]
	if q["nextpagetoken"] != "" || q["startdate"] != "2026-10-23T13:00:00Z" {
		t.Fatalf("query %v: want the stale token dropped and startdate 30 days back", q)
	}
}

// Each permanent answer names the problem and what to change.
func TestPermanentErrorMessages(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"status":"Invalid credentials"}`, "401 Invalid credentials: check the token in auth.token"},
		{401, `{"status":"Authorization required"}`, "401 Authorization required: no credentials reached the server"},
		{401, `{"status":"Basic auth required"}`, "401 Basic auth required: this server wants HTTP Basic: set auth.username and auth.password"},
		{403, `{"status":"Unauthorized"}`, "403 Unauthorized: the API user must be a sysadmin and the API live setting must be enabled"},
		{400, `{"status":"Invalid type: access. Supported types are: cloudsummary, cloudaudit, and access"}`, `this server does not know log type "access": remove it from log_types`},
		{400, `{"status":"Invalid responseformat: csv. Supported values: csv, json"}`, "400 Invalid responseformat: csv. Supported values: csv, json: the server rejected gatelog's request"},
		{404, `<html>Not Found</html>`, "404 <html>Not Found</html>: check base_url, path and method"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status, c.want[:12]), func(t *testing.T) {
			srv := &scriptServer{replies: []reply{{c.status, nil, c.body}}}
			st := newTestStream(t, srv, "access", memstate.New())
			_, err := st.Fetch(t.Context())
			if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant permanent containing %q", err, c.want)
			}
			if len(srv.queries) != 1 {
				t.Fatalf("a permanent error was retried (%d requests)", len(srv.queries))
			}
			if strings.Contains(err.Error(), "T0KEN") {
				t.Fatal("the token leaked into the error")
			}
		})
	}
}

// A short throttle (Remaining > 0, Retry-After) waits its Retry-After only;
// the daily limit waits for the reset, read from X-RateLimit-Reset or, with
// the headers stripped, from the message. Either block is saved.
func TestThrottleAndDailyLimitWaitDifferently(t *testing.T) {
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		headers map[string]string
		body    string
		until   time.Time
		reason  string
	}{
		"short throttle": {map[string]string{"Retry-After": "2", "X-RateLimit-Remaining": "280", "X-RateLimit-Limit": "300",
			"X-RateLimit-Reset": strconv.FormatInt(midnight.Unix(), 10)}, `{"status": "Too many requests, slow down"}`, now.Add(2 * time.Second), "429_throttle"},
		"daily, headers": {map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "300",
			"X-RateLimit-Reset": strconv.FormatInt(midnight.Unix(), 10)}, `{"status": "You have exceeded your allowance of 300 requests per day for access logs. Limit will reset at 2026-11-23 00:00:00+00:00"}`, midnight, "429_daily"},
		"daily, headers stripped": {nil, `{"status": "You have exceeded your allowance of 300 requests per day for access logs. Limit will reset at 2026-11-22 18:00:00+00:00"}`,
			time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC), "429_daily"},
		// A reset sooner than an unexplained 429 would wait is kept as is.
		"daily, headers stripped, reset soon": {nil, `{"status": "You have exceeded your allowance of 3 requests per day for access logs. Limit will reset at 2026-11-22 12:00:30+00:00"}`,
			now.Add(30 * time.Second), "429_daily"},
		"unexplained": {nil, `{"status": "Too many requests"}`, now.Add(unexplained429), "429_throttle"},
	} {
		t.Run(name, func(t *testing.T) {
			store := memstate.New()
			srv := &scriptServer{replies: []reply{{429, tc.headers, tc.body}}}
			st := newTestStream(t, srv, "access", store)
			_, err := st.Fetch(t.Context())
			until, ok := errclass.ThrottledUntil(err)
			if !ok || !until.Equal(tc.until) || errclass.Reason(err) != tc.reason {
				t.Fatalf("err %v (reason %s), want throttled until %v, %s", err, errclass.Reason(err), tc.until, tc.reason)
			}
			b, _ := store.Budget(record.StreamID{Source: "acme", Stream: "access"})
			if !b.BlockedUntil.Equal(tc.until) {
				t.Fatalf("block saved until %v, want %v", b.BlockedUntil, tc.until)
			}
			// A restart honours it: nothing is sent before it passes.
			st2 := newTestStream(t, srv, "access", store)
			_, err = st2.Fetch(t.Context())
			if _, ok := errclass.ThrottledUntil(err); !ok || len(srv.queries) != 1 {
				t.Fatalf("restarted stream: err %v after %d requests; want throttled without a request", err, len(srv.queries))
			}
		})
	}
}

// Whatever the 429 text, dailyLimit never panics, recognises only the
// documented daily-limit message, and never resets before the answer.
func FuzzDailyLimit(f *testing.F) {
	f.Add("You have exceeded your allowance of 300 requests per day for access logs. Limit will reset at 2026-11-23 00:00:00+00:00")
	f.Add("You have exceeded your allowance of 3 requests per day. Limit will reset at soon")
	f.Add("Too many requests, slow down")
	f.Fuzz(func(t *testing.T, msg string) {
		reset, daily := dailyLimit(msg, time.Time{}, now)
		if daily != strings.Contains(strings.ToLower(msg), "exceeded your allowance") {
			t.Fatalf("%q: daily = %v", msg, daily)
		}
		if daily && reset.IsZero() {
			t.Fatalf("%q: a daily limit without a reset", msg)
		}
	})
}
