package forcepoint_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/source/sourcetest"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/testutil/faultswitch"
)

// Every log type passes the source conformance suite against the simulator.
func TestConformance(t *testing.T) {
	for _, typ := range fpsim.AllTypes() {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			sourcetest.Run(t, fpHarness(typ))
		})
	}
}

// TestSourcetestMutant is the child of TestSuiteCatchesMutants.
func TestSourcetestMutant(t *testing.T) {
	sourcetest.MutantChild(t, map[string]sourcetest.Harness{"access": fpHarness("access")})
}

// Each subtest of the suite fails against a stream that breaks its promise.
// A Forcepoint stream holds nothing between fetches (a Close that does
// nothing leaks nothing) and reads one page per batch (holding bad items
// until the end changes nothing): those two mutants are the Symantec
// harness's to catch.
func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per mutant")
	}
	var names []string
	for _, m := range sourcetest.MutantNames() {
		if m != "closeNothing" && m != "holdBad" {
			names = append(names, m)
		}
	}
	sourcetest.CatchMutants(t, "TestSourcetestMutant", map[string][]string{"access": names})
}

const (
	fpToken     = "T0KEN-conformance"
	fpUser      = "sysadmin@acme.example"
	fpPassword  = "pa55word"
	fpForbidden = "auditor@acme.example" // authenticates, is no sysadmin: 403
	// fpRecords over pages of fpPageSize: several pages, the last one short.
	fpRecords  = 40
	fpPageSize = 9
	// fpBadItems is one page of garbage, within the page size the vendor serves.
	fpBadItems = 500
	fpMaxBad   = 1000
)

// minCV are the types with a minimum collector version (simulator docs).
var minCV = map[string]bool{"swgweb": true, "swgwebdlp": true, "ztna": true,
	"healthproxy": true, "healthapi": true, "healthsystem": true}

func fpHarness(typ string) sourcetest.Harness {
	return sourcetest.Harness{
		New:     func(t *testing.T) sourcetest.Fixture { return newFPFixture(t, typ) },
		Garbage: fpBadItems, MaxBad: fpMaxBad,
	}
}

type fpFixture struct {
	typ    string
	srv    *fpsim.Server
	sw     *faultswitch.Switch
	url    string
	client *http.Client
}

func newFPFixture(t *testing.T, typ string) *fpFixture {
	srv := fpsim.New(fpsim.Config{Seed: 11, Types: map[string]int{typ: fpRecords}, PageSize: fpPageSize,
		Token: fpToken, Username: fpUser, Password: fpPassword, Forbidden: []string{fpForbidden}})
	sw := faultswitch.New(srv)
	ts := httptest.NewServer(sw)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ts.CloseClientConnections() // ends a held answer
		ts.Close()
	})
	return &fpFixture{typ: typ, srv: srv, sw: sw, url: ts.URL, client: client}
}

func (f *fpFixture) config() forcepoint.Config {
	return forcepoint.Config{Name: "fp", BaseURL: f.url, Auth: forcepoint.Auth{Token: fpToken}, LogTypes: []string{f.typ},
		DailyRequestBudget: 10000, RequestTimeout: config.Duration(time.Minute),
		Backoff: retry.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}}
}

func (f *fpFixture) build(t *testing.T, cfg forcepoint.Config, store state.Store) source.Stream {
	t.Helper()
	src, err := forcepoint.New(cfg, f.client, store)
	if err != nil {
		t.Fatal(err)
	}
	return src.Streams()[0]
}

func (f *fpFixture) Stream(t *testing.T, store state.Store) source.Stream {
	return f.build(t, f.config(), store)
}

func (f *fpFixture) Misconfigured(t *testing.T, store state.Store, code int) (source.Stream, string, bool) {
	cfg := f.config()
	var hint string
	switch code {
	case http.StatusUnauthorized:
		cfg.Auth.Token, hint = "not-the-token", "check the token in auth.token"
	case http.StatusForbidden:
		cfg.Auth = forcepoint.Auth{Username: fpForbidden, Password: fpPassword}
		hint = "the API user must be a sysadmin"
	case http.StatusBadRequest:
		cv := "bogus" // no minimum: only a malformed cv is refused
		if minCV[f.typ] {
			cv = "1.0.0"
		}
		hint = fmt.Sprintf("the server rejects collector version %s for %s: set cv", cv, f.typ)
		st := f.build(t, cfg, store)
		forcepoint.SendCV(st, cv) // below the minimum, which Config would raise
		return st, hint, true
	default:
		return nil, "", false
	}
	return f.build(t, cfg, store), hint, true
}

// Want: the simulator's records in time order, which is the order a
// stream delivers (new types' newest-first pages are put in time order),
// by the id the envelope promises: transactionid, else fileid, else a
// hash of the record's bytes.
func (f *fpFixture) Want(t *testing.T) []string {
	var ids []string
	for _, r := range f.srv.Expected(f.typ, time.Time{}) {
		var keys map[string]any
		if err := json.Unmarshal(r.JSON, &keys); err != nil {
			t.Fatalf("simulator record %s: %v", r.JSON, err)
		}
		id := record.HashID(r.JSON)
		if v, _ := keys["fileid"].(string); v != "" {
			id = v
		}
		if v, _ := keys["transactionid"].(string); v != "" {
			id = v
		}
		ids = append(ids, id)
	}
	return ids
}

func (f *fpFixture) Requests() int { return f.sw.Requests() }

func (f *fpFixture) Inject(ft sourcetest.Fault) (time.Time, bool) {
	n := max(ft.N, 1)
	switch ft.Kind {
	case sourcetest.Status503:
		f.sw.Fail(fault.Status503, n, fault.Config{})
	case sourcetest.Reset:
		f.sw.Fail(fault.Reset, n, fault.Config{})
	case sourcetest.Truncate:
		f.sw.Fail(fault.Truncate, n, fault.Config{})
	case sourcetest.Throttle429:
		f.sw.Fail(fault.Throttle429, n, fault.Config{RetryAfter: ft.RetryAfter})
	case sourcetest.Hold:
		f.sw.Hold(ft.For)
	case sourcetest.Daily429:
		return f.daily(n), true
	default:
		return time.Time{}, false // 423 and abort are Symantec's
	}
	return time.Time{}, true
}

// daily lets a second simulator, whose daily limit of one request is
// spent, answer the next n requests: its documented daily-limit 429 with
// X-RateLimit-* headers, resetting at the next UTC midnight.
func (f *fpFixture) daily(n int) time.Time {
	spent := fpsim.New(fpsim.Config{Seed: 11, Types: map[string]int{f.typ: 1}, Token: fpToken, DailyLimit: 1})
	req := httptest.NewRequest(http.MethodGet, "/api/bitglassapi/logs/v1/?type="+f.typ+"&cv="+fpsim.DefaultCV+
		"&responseformat=json&startdate="+time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05Z"), nil)
	req.Header.Set("Authorization", "Bearer "+fpToken)
	spent.ServeHTTP(httptest.NewRecorder(), req)
	f.sw.Override(spent, n)
	return time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
}

// Garbage answers every request with a page of n items that are not
// records, ending with the "{}" token: caught up.
func (f *fpFixture) Garbage(n int) bool {
	junk := []string{`"not a record"`, `42`, `{"user":"no time"}`, `{"time":"yesterday","transactionid":"x"}`, `[1,2]`, `null`, `{"time":7}`}
	items := make([]string, n)
	for i := range items {
		items[i] = junk[i%len(junk)]
	}
	body := `{"nextpagetoken": "e30=", "response": {"data": [` + strings.Join(items, ", ") +
		`], "dataencoding": "utf-8", "dataformat": "json"}, "status": "Request was successful"}`
	f.sw.Override(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}), -1)
	return true
}

func (f *fpFixture) SpoolDir() string { return "" }
func (f *fpFixture) CloseIdle()       { f.client.CloseIdleConnections() }
