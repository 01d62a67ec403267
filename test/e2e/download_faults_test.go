package e2e

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
)

// symantec download retries the list and each hour through dropped
// connections, cut bodies, 503s, 423s, timeouts and short 429s, and ends
// with every hour whole: each served line once.
func TestSymantecDownloadRetriesTransientFailures(t *testing.T) {
	c := swgData(18)
	c.Start, c.LinesPerHour = c.End.Add(-16*time.Hour), 200 // one request per hour: enough to meet faults
	c.AccessUser, c.AccessPassword = swgUser, swgPass
	srv := swgsim.New(c)
	inj := fault.Wrap(srv, fault.Config{Rate: 0.3, Seed: 12, RetryAfter: time.Second, TimeoutDelay: 3 * time.Second,
		Kinds: []fault.Kind{fault.Status503, fault.Reset, fault.Truncate, fault.Locked423, fault.Throttle429, fault.Timeout}}, nil)
	ts := httptest.NewServer(inj)
	t.Cleanup(ts.Close)
	url := ts.URL
	dir := t.TempDir()
	cfg := swgConfig(t, dir, url, []string{"accesslog"}, "    request_timeout: 1s")
	hoursDir := filepath.Join(dir, "hours")
	cmd := gatelogCmd(dir, "symantec", "download", "-c", cfg, "--from", c.Start.Format(time.RFC3339),
		"--to", c.End.Format(time.RFC3339), "-o", hoursDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("download failed through transient faults: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "download: retrying") {
		t.Errorf("no retry was logged:\n%s", out)
	}
	files, _ := filepath.Glob(filepath.Join(hoursDir, "*.zip"))
	got := map[string]int{}
	for _, f := range files {
		for _, id := range archiveIDs(t, f) {
			got[id]++
		}
	}
	want := srv.Lines(c.Start, c.End)
	for _, l := range want {
		if got[lineID(l)] != 1 {
			t.Fatalf("line %s appears %d times in the download", lineID(l), got[lineID(l)])
		}
	}
	if n := sum(got); n != len(want) || len(files) != 16 {
		t.Fatalf("%d hour files holding %d lines; the server has 16 hours of %d lines", len(files), n, len(want))
	}
	n := 0
	for _, k := range inj.Counts() {
		n += k
	}
	if n < 3 {
		t.Fatalf("only %d faults were injected: the test did not exercise the retries", n)
	}
	t.Logf("faults injected: %v", inj.Counts())
}
