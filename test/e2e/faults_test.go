package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
	"github.com/gatelog/gatelog/internal/telemetry"
)

var tenTypes = append(append([]string(nil), nineTypes...), "ztna")

// reasonsOf is the retries_total reason a fault kind is counted under; a
// reset may reach the client as a cut body, so the two share a count.
var reasonsOf = map[fault.Kind][]string{
	fault.Status503:   {errclass.Reason503},
	fault.Throttle429: {errclass.ReasonThrottle},
	fault.Reset:       {errclass.ReasonReset, errclass.ReasonTruncated},
	fault.Truncate:    {errclass.ReasonReset, errclass.ReasonTruncated},
	fault.Timeout:     {errclass.ReasonTimeout},
	fault.Locked423:   {errclass.ReasonLocked},
	fault.Abort:       {errclass.ReasonAbort},
	fault.Gone410:     {errclass.ReasonGone},
}

// The fault matrix: each fault kind alone at 10%, then every kind at 30%,
// over real HTTP against both simulators with their daily rate window, on
// every Forcepoint type and on Symantec access logs and audit. Each run
// ends with every stream caught up, every record delivered exactly once,
// and every injected fault counted in /metrics under its reason.
func TestFaultMatrix(t *testing.T) {
	cases := []struct {
		name  string
		kinds []fault.Kind
		rate  float64
	}{{"all kinds at 30%", fault.AllKinds(), 0.3}}
	for _, k := range fault.AllKinds() {
		cases = append(cases, struct {
			name  string
			kinds []fault.Kind
			rate  float64
		}{k.String() + " at 10%", []fault.Kind{k}, 0.1})
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, int64(100+i), fault.Config{Rate: c.rate, Seed: int64(7 + i), Kinds: c.kinds,
				SlowDelay: 50 * time.Millisecond, TimeoutDelay: 8 * time.Second, RetryAfter: time.Second})
		})
	}
}

func runFaultCase(t *testing.T, seed int64, faults fault.Config) {
	fp := simConfig(seed, 360, 100)
	fp.DailyLimit = 300 // the documented limit, per UTC day
	end := time.Now().UTC().Truncate(time.Hour)
	sw := simulator.DefaultSymantec()
	// Small archives: enough sync requests (about 60) that a Symantec-only
	// fault kind at 10% is met several times.
	sw.Seed, sw.Start, sw.End, sw.LinesPerHour, sw.MaxLinesPerArchive, sw.LinesPerMember = seed, end.Add(-3*time.Hour), end, 240, 12, 12
	sw.MinInterval = -1 // tested on its own below: here it would only slow the matrix
	sim := startSim(t, simulator.Options{Forcepoint: fp, Symantec: sw, Faults: faults})
	dir := t.TempDir()
	m := runMetered(t, bothConfig(t, dir, sim.URL))
	logs := filepath.Join(dir, "logs")
	for _, typ := range tenTypes {
		checkExact(t, logs, "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
	checkLinesOf(t, logs, "demo-wss", sim.Symantec.Lines(sw.Start, sw.End))
	checkAuditOnce(t, logs, "demo-wss", sim.Symantec, time.Now().Add(-6*time.Hour))
	checkFaultsCounted(t, m, sim.Faults.Counts())
}

// bothConfig writes a configuration with both simulated vendors: every
// Forcepoint type (ztna included) and Symantec access logs and audit.
func bothConfig(t *testing.T, dir, url string) string {
	t.Helper()
	text := fmt.Sprintf(`state: %s
sources:
  - name: acme
    type: forcepoint
    base_url: %[2]s
    auth: {token: %[3]s}
    log_types: [%[4]s]
    start: 24h
    request_timeout: 3s
  - name: demo-wss
    type: symantec
    base_url: %[2]s
    access_logs: {username: %[5]s, password: %[6]s}
    audit: {username: %[5]s, password: %[6]s}
    start: 6h
    request_timeout: 3s
sinks:
  - {name: archive, type: file, path: %[7]s}
`, filepath.Join(dir, "state.db"), url, simulator.DemoToken, strings.Join(tenTypes, ", "),
		simulator.DemoSWGUsername, simulator.DemoSWGPassword, filepath.Join(dir, "logs"))
	path := filepath.Join(dir, "gatelog.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runMetered runs the configuration once in-process, as `run --once`
// does, and returns /metrics as scraped afterwards.
func runMetered(t *testing.T, path string) string {
	t.Helper()
	cfg, err := app.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	m := telemetry.New("test", "test")
	fast := retry.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	a, err := app.Open(cfg, app.Options{HTTP: app.HTTPHooks{Observe: m.ObserveHTTP}, SourceBackoff: fast})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	results := a.Run(ctx, app.RunOptions{Once: true, MaxWait: time.Minute, Observe: m.Observe, Backoff: fast})
	requireDone(t, results, len(a.Sources[0].Streams())+len(a.Sources[1].Streams()))
	srv := httptest.NewServer(m.Handler(telemetry.HandlerOptions{Poll: 15 * time.Minute}))
	defer srv.Close()
	return get(t, srv.URL+"/metrics", 200)
}

var retriesLine = regexp.MustCompile(`(?m)^gatelog_retries_total\{reason="([^"]+)",source="[^"]+",stream="[^"]+"\} (\S+)$`)

// checkFaultsCounted: every injected fault (a slow answer is none) is
// counted once in gatelog_retries_total under its reason.
func checkFaultsCounted(t *testing.T, metrics string, injected map[fault.Kind]int) {
	t.Helper()
	counted := map[string]int{}
	for _, m := range retriesLine.FindAllStringSubmatch(metrics, -1) {
		n, _ := strconv.ParseFloat(m[2], 64)
		counted[m[1]] += int(n)
	}
	want := map[string]int{}
	total := 0
	for k, n := range injected {
		if rs := reasonsOf[k]; len(rs) > 0 {
			want[strings.Join(rs, "+")] += n
			total += n
		}
	}
	for group, n := range want {
		got := 0
		for _, r := range strings.Split(group, "+") {
			got += counted[r]
		}
		if got != n {
			t.Errorf("retries counted under %s: %d, injected: %d (all injected %v, counted %v)", group, got, n, injected, counted)
		}
	}
	if total == 0 && injected[fault.Slow] == 0 {
		t.Errorf("no fault was injected (%v): the case tested nothing", injected)
	}
	t.Logf("injected %v; counted %v", injected, counted)
	for r, n := range counted {
		if !knownReason(r) || (r == errclass.ReasonOther && n > 0) {
			t.Errorf("retries counted under %q: %d (injected %v)", r, n, injected)
		}
	}
}

func knownReason(r string) bool {
	for _, rs := range reasonsOf {
		for _, x := range rs {
			if x == r {
				return true
			}
		}
	}
	return r == errclass.ReasonPaced
}

// checkAuditOnce: every audit event since the stream's first day is
// delivered once.
func checkAuditOnce(t *testing.T, logs, source string, srv *swgsim.Server, since time.Time) {
	t.Helper()
	start := since.UTC().Truncate(24 * time.Hour)
	want := 0
	for _, r := range srv.AuditRecords() {
		if !r.Time.Before(start) {
			want++
		}
	}
	got := readStream(t, logs, source, "audit")
	ids := map[string]bool{}
	for _, l := range got {
		if ids[l.ID] {
			t.Fatalf("audit event %s delivered twice", l.ID)
		}
		ids[l.ID] = true
	}
	if len(got) != want || want == 0 {
		t.Fatalf("%s/audit: %d events delivered, %d served since %s", source, len(got), want, start)
	}
}

// A walk of more than 20 sync archives against a server that enforces a
// minimum interval between requests: gatelog learns the interval from the
// first 429 and meets no other.
func TestSymantecWalkKeepsTheMinimumInterval(t *testing.T) {
	end := time.Now().UTC().Truncate(time.Hour)
	c := swgsim.Config{Seed: 61, Start: end.Add(-3 * time.Hour), End: end, LinesPerHour: 700, MaxLinesPerArchive: 100,
		LinesPerMember: 50, MinInterval: time.Second}
	srv, url := swgSim(t, c, nil)
	dir := t.TempDir()
	requireDone(t, runOnce(t, swgConfig(t, dir, url, []string{"accesslog", "audit"}, ""), 3*time.Minute), 2)
	checkLines(t, filepath.Join(dir, "logs"), srv.Lines(c.Start, c.End))
	archives, throttled := 0, 0
	for _, r := range srv.Requests() {
		switch {
		case r.Status == 429:
			throttled++
		case r.SyncStatus == "more" || r.SyncStatus == "done":
			archives++
		}
	}
	t.Logf("%d archives, %d answered 429", archives, throttled)
	if archives < 20 || throttled > 1 {
		t.Fatalf("%d archives walked, %d requests answered 429: want at least 20 and at most one 429", archives, throttled)
	}
}

// A real gatelog is killed with SIGKILL at 20 random moments while both
// vendors answer a third of its requests with a short 429: every record
// arrives exactly once.
func TestKillNineUnderAStormOfShortThrottles(t *testing.T) {
	fp := simConfig(43, 0, 200)
	fp.Types = map[string]int{"access": 6000, "swgweb": 6000, "admin": 3000}
	fp.DailyLimit = 300
	fp.Latency = 30 * time.Millisecond
	end := time.Now().UTC().Truncate(time.Hour)
	sw := simulator.DefaultSymantec()
	sw.Seed, sw.Start, sw.End, sw.LinesPerHour, sw.MaxLinesPerArchive, sw.LinesPerMember = 43, end.Add(-3*time.Hour), end, 1500, 500, 250
	sim := startSim(t, simulator.Options{Forcepoint: fp, Symantec: sw,
		Faults: fault.Config{Rate: 0.3, Seed: 4, Kinds: []fault.Kind{fault.Throttle429}, RetryAfter: time.Second}})
	dir := t.TempDir()
	cfg := bothConfig(t, dir, sim.URL)
	text := strings.Replace(readFile(t, cfg), "log_types: ["+strings.Join(tenTypes, ", ")+"]", "log_types: [access, swgweb, admin]", 1)
	writeFile(t, cfg, strings.Replace(text, "    start: 6h\n", "    start: 6h\n    log_types: [accesslog]\n", 1))

	killLoop(t, dir, []string{"run", "--once", "-c", cfg, "--log-level", "error"}, 20, 2*time.Second)
	final := gatelogCmd(dir, "run", "--once", "-c", cfg)
	if out, err := final.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	logs := filepath.Join(dir, "logs")
	for _, typ := range []string{"access", "swgweb", "admin"} {
		checkExact(t, logs, "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
	checkLinesOf(t, logs, "demo-wss", sim.Symantec.Lines(sw.Start, sw.End))
	if n := sim.Faults.Counts()[fault.Throttle429]; n < 20 {
		t.Fatalf("only %d short 429s were answered: the storm did not happen", n)
	}
}
