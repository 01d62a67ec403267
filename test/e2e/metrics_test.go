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
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/httpx"
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
	cfg, err := config.Load(fpConfig(t, dir, sim.URL, []string{"admin"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	m := telemetry.New("test-version", "abc123")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	requireDone(t, a.Run(ctx, app.RunOptions{Once: true, Observe: m.Observe,
		Backoff: httpx.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}}), 1)
	srv := httptest.NewServer(m.Handler(telemetry.HandlerOptions{Poll: 15 * time.Minute}))
	defer srv.Close()
	body := get(t, srv.URL+"/metrics", 200)
	series := func(name string) float64 {
		t.Helper()
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{source="acme",stream="admin"\} (\S+)$`)
		mm := re.FindStringSubmatch(body)
		if mm == nil {
			t.Fatalf("no %s in:\n%s", name, body)
		}
		v, _ := strconv.ParseFloat(mm[1], 64)
		return v
	}
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
