package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
)

// runOnce loads the configuration at path and runs gatelog --once in-process.
func runOnce(t *testing.T, path string, maxWait time.Duration) []pipeline.Result {
	t.Helper()
	t.Setenv("TEST_FP_TOKEN", simulator.DemoToken)
	cfg, err := app.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	return a.Run(ctx, app.RunOptions{Once: true, MaxWait: maxWait,
		Backoff: retry.Backoff{Base: 10 * time.Millisecond, Max: 200 * time.Millisecond}})
}

func requireDone(t *testing.T, results []pipeline.Result, n int) {
	t.Helper()
	if len(results) != n {
		t.Fatalf("%d results, want %d", len(results), n)
	}
	for _, r := range results {
		if r.Status != pipeline.Done {
			t.Fatalf("%s: %s: %v", r.ID, r.Status, r.Err)
		}
	}
}

func TestCollectsAllNineTypesExactly(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(7, 1200, 250)})
	dir := t.TempDir()
	requireDone(t, runOnce(t, fpConfig(t, dir, sim.URL, nineTypes, ""), time.Minute), 9)
	for _, typ := range nineTypes {
		checkExact(t, filepath.Join(dir, "logs"), "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
	// A second run finds nothing new and writes nothing twice.
	requireDone(t, runOnce(t, fpConfig(t, dir, sim.URL, nineTypes, ""), time.Minute), 9)
	for _, typ := range nineTypes {
		checkExact(t, filepath.Join(dir, "logs"), "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
}

func TestCollectsExactlyWithTenPercentFaults(t *testing.T) {
	sim := startSim(t, simulator.Options{
		Forcepoint: simConfig(11, 1500, 100),
		Faults:     fault.Config{Rate: 0.10, Seed: 3, SlowDelay: 50 * time.Millisecond, RetryAfter: time.Second},
	})
	dir := t.TempDir()
	requireDone(t, runOnce(t, fpConfig(t, dir, sim.URL, nineTypes, ""), time.Minute), 9)
	for _, typ := range nineTypes {
		checkExact(t, filepath.Join(dir, "logs"), "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
	counts := sim.Faults.Counts()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total < 10 {
		t.Fatalf("only %d faults were injected (%v): the test did not exercise them", total, counts)
	}
	t.Logf("faults injected: %v", counts)
}

// stripRateHeaders hides X-RateLimit-*, as a server that does not send them
// would: the client then learns of the limit only from the 429.
func stripRateHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(headerFilter{w}, r)
	})
}

type headerFilter struct{ http.ResponseWriter }

func (f headerFilter) WriteHeader(code int) {
	for k := range f.Header() {
		if strings.HasPrefix(k, "X-Ratelimit") {
			f.Header().Del(k)
		}
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f headerFilter) Write(b []byte) (int, error) { return f.ResponseWriter.Write(b) }

// A daily limit far smaller than the pages to fetch: the collection still
// ends exact, and no request for a type follows its 429 before the reset.
func TestCollectsExactlyThroughASmallDailyLimit(t *testing.T) {
	const window = 2 * time.Second
	for _, withHeaders := range []bool{true, false} {
		name := map[bool]string{true: "rate-limit headers", false: "429 only"}[withHeaders]
		t.Run(name, func(t *testing.T) {
			c := simConfig(5, 600, 100)
			c.DailyLimit, c.BudgetWindow = 3, window
			srv := fpsim.New(c)
			var h http.Handler = srv
			if !withHeaders {
				h = stripRateHeaders(srv)
			}
			ts := httptest.NewServer(h)
			defer ts.Close()
			types := []string{"access", "swgweb"}
			dir := t.TempDir()
			requireDone(t, runOnce(t, fpConfig(t, dir, ts.URL, types, ""), time.Minute), 2)
			for _, typ := range types {
				checkExact(t, filepath.Join(dir, "logs"), "acme", typ, srv.Expected(typ, time.Time{}))
			}
			checkNoRequestBeforeReset(t, srv.Requests(), window, !withHeaders)
		})
	}
}

// checkNoRequestBeforeReset: after a 429 for a type, the next request for
// that type comes in a later budget window. want429 says whether the test
// expects the limit to have been hit at all.
func checkNoRequestBeforeReset(t *testing.T, reqs []fpsim.Request, window time.Duration, want429 bool) {
	t.Helper()
	blocked := map[string]time.Time{}
	n429 := 0
	for _, r := range reqs {
		if until, ok := blocked[r.Type]; ok && r.Time.Before(until) {
			t.Fatalf("a %s request at %s came before the reset at %s", r.Type, r.Time.Format(time.StampMilli), until.Format(time.StampMilli))
		}
		if r.Status == http.StatusTooManyRequests {
			n429++
			blocked[r.Type] = r.Time.Truncate(window).Add(window)
		}
	}
	if want429 && n429 == 0 {
		t.Fatal("the limit was never reached: the test did not exercise the 429 path")
	}
	if !want429 && n429 > 0 {
		t.Fatalf("%d requests got 429 although the headers announced the limit", n429)
	}
}
