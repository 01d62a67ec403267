package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	"github.com/gatelog/gatelog/internal/telemetry"
)

// After a collection from the simulator, /metrics holds the main series
// with the values of that collection, and the health endpoints answer.
func TestMetricsAfterACollection(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(71, 450, 100),
		Faults: fault.Config{Rate: 0.2, Seed: 5, Kinds: []fault.Kind{fault.Status503}}})
	dir := t.TempDir()
	t.Setenv("TEST_FP_TOKEN", simulator.DemoToken)
	cfg, err := app.LoadConfig(fpConfig(t, dir, sim.URL, []string{"admin"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	m := telemetry.New("test-version", "abc123")
	a, err := app.Open(cfg, app.Options{HTTP: app.HTTPHooks{Observe: m.ObserveHTTP}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	nonEmpty := 0 // batches with records that the sink took
	observe := func(e pipeline.Event) {
		m.Observe(e)
		if e.Kind == pipeline.EventSinkWritten && e.Sink == "archive" && e.Records > 0 && e.Err == nil {
			nonEmpty++
		}
	}
	requireDone(t, a.Run(ctx, app.RunOptions{Once: true, Observe: observe,
		Backoff: retry.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}}), 1)
	srv := httptest.NewServer(m.Handler(telemetry.HandlerOptions{Poll: 15 * time.Minute}))
	defer srv.Close()
	body := get(t, srv.URL+"/metrics", 200)
	labelled := func(name, labels string) float64 {
		t.Helper()
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`)
		mm := re.FindStringSubmatch(body)
		if mm == nil {
			t.Fatalf("no %s{%s} in:\n%s", name, labels, body)
		}
		v, _ := strconv.ParseFloat(mm[1], 64)
		return v
	}
	series := func(name string) float64 { t.Helper(); return labelled(name, `source="acme",stream="admin"`) }
	if v := series("gatelog_records_total"); v != 450 {
		t.Errorf("records_total = %v, want 450", v)
	}
	requests := 0
	for _, r := range sim.Forcepoint.Requests() {
		if r.Type == "admin" {
			requests++
		}
	}
	if v := series("gatelog_requests_total"); int(v) < 6 || sim.Faults.Counts()[fault.Status503] == 0 {
		t.Errorf("requests_total = %v (server saw %d, %v faults)", v, requests, sim.Faults.Counts())
	}
	if v := series("gatelog_batches_total"); v < 5 {
		t.Errorf("batches_total = %v", v)
	}
	ok, unavailable := labelled("gatelog_http_responses_total", `code="200",source="acme",stream="admin"`),
		labelled("gatelog_http_responses_total", `code="503",source="acme",stream="admin"`)
	if int(ok) != requests || int(unavailable) != sim.Faults.Counts()[fault.Status503] {
		t.Errorf("responses by status: 200=%v 503=%v; the server answered %d and injected %v", ok, unavailable, requests, sim.Faults.Counts())
	}
	if v := series("gatelog_request_budget_limit"); v != 100000 {
		t.Errorf("budget limit = %v, want daily_request_budget 100000", v)
	}
	if v := series("gatelog_request_budget_remaining"); int(v) != 100000-int(ok+unavailable) {
		t.Errorf("budget remaining = %v, want 100000 - %v requests", v, ok+unavailable)
	}
	midnight := float64(httpx.NextUTCMidnight(time.Now()).Unix())
	if v := series("gatelog_request_budget_reset_timestamp_seconds"); v != midnight {
		t.Errorf("budget reset = %v, want the next UTC midnight %v", v, midnight)
	}
	sinkRecords, sinkBatches := labelled("gatelog_sink_records_total", `sink="archive"`), labelled("gatelog_sink_batches_total", `sink="archive"`)
	if sinkRecords != 450 || int(sinkBatches) != nonEmpty || nonEmpty < 5 {
		t.Errorf("sink archive: %v records in %v batches; want 450 in %d", sinkRecords, sinkBatches, nonEmpty)
	}
	if v := labelled("gatelog_sink_queue_depth", `sink="archive"`); v != 0 {
		t.Errorf("queue depth after the run = %v", v)
	}
	if v := series("gatelog_checkpoint_lag_seconds"); v < 3600 || v > 3*3600 {
		t.Errorf("checkpoint lag %v s, want about an hour (the newest record is an hour old)", v)
	}
	if v := series("gatelog_last_success_timestamp_seconds"); time.Since(time.Unix(int64(v), 0)) > time.Minute {
		t.Errorf("last success %v is not recent", v)
	}
	if !regexp.MustCompile(`gatelog_build_info\{commit="abc123",version="test-version"\} 1`).MatchString(body) {
		t.Error("no build_info")
	}
	if regexp.MustCompile(simulator.DemoToken).MatchString(body) {
		t.Fatal("the token is in /metrics")
	}
	get(t, srv.URL+"/healthz", 200)
	get(t, srv.URL+"/readyz", 200)
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return string(b)
}
