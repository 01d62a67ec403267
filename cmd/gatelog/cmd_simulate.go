package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	"github.com/gatelog/gatelog/internal/simulator/forcepoint"
)

type simulateFlags struct {
	addr         string
	faults       float64
	faultKinds   string
	seed         int64
	records      int
	pageSize     int
	dailyLimit   int
	budgetWindow time.Duration
	live         bool
	liveRate     float64
	latency      time.Duration
	swgHours     int
	swgLines     int
	swgArchive   int
	swgInterval  time.Duration
	timeoutDelay time.Duration
	requestLog   string
}

func newSimulateCommand(g *globals) *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Serve the vendor API simulators standalone (for trying, testing and benchmarking)",
		Long: `simulate serves faithful emulators of the vendor log APIs on a local address,
with deterministic data and optional fault injection. Point a source's
base_url at it (plain HTTP is allowed to loopback) and use the demo
credentials it prints.

Forcepoint ONE SSE: /api/bitglassapi/logs/v1/ with every log type, both auth
schemes, nextpagetoken paging ending in an empty page with the {} token, the
schema of the cv asked for, the per-type daily limit with X-RateLimit-* on
every answer (its 429 has no Retry-After), and the documented error messages.

Symantec Cloud SWG: /reportpod/logs/sync (ZIP of gzip'd ELFF with the sync
trailer after the ZIP bytes, more/done/abort, 410), list and download of whole
hours, /api/rest/audit/download (CSV or JSON) and /api/rest/locations; a
request closer than --swg-min-interval to the one before gets 429 with
Retry-After, as Broadcom throttles per customer.

--faults injects failures into that share of requests, of the --fault-kinds:
503, 429 (a short throttle with Retry-After; Forcepoint keeps X-RateLimit-*
with requests remaining), reset and truncate (a body cut part-way), slow (2s
late), timeout (no answer for --timeout-delay), and Symantec's 423, abort
(the archive's trailer says abort) and 410 (the sync token expired).`,
		Example: "  gatelog simulate --addr 127.0.0.1:8443 --faults 0.05\n" +
			"  gatelog simulate --faults 0.1 --fault-kinds 429,503\n" +
			"  gatelog simulate --records 500000 --daily-limit 0",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8443", "listen address")
	fl.Float64Var(&f.faults, "faults", 0, "share of requests that fail (0..1)")
	fl.StringVar(&f.faultKinds, "fault-kinds", "all", "which faults to inject: all, or a list of 503,429,reset,truncate,slow,timeout,423,abort,410")
	fl.DurationVar(&f.timeoutDelay, "timeout-delay", 3*time.Minute, "how long a timeout fault holds its answer (more than the source's request_timeout)")
	fl.Int64Var(&f.seed, "seed", 1, "data seed: the same seed serves the same records")
	fl.IntVar(&f.records, "records", 1000, "records per log type")
	fl.IntVar(&f.pageSize, "page-size", 1000, "records per page")
	fl.IntVar(&f.dailyLimit, "daily-limit", 300, "requests per log type per budget window (0: unlimited)")
	fl.DurationVar(&f.budgetWindow, "budget-window", 0, "budget window (0: the UTC day)")
	fl.BoolVar(&f.live, "live", false, "keep generating new records")
	fl.Float64Var(&f.liveRate, "live-rate", 5, "new records per second per log type, with --live")
	fl.DurationVar(&f.latency, "latency", 0, "added to every response")
	fl.IntVar(&f.swgHours, "swg-hours", 6, "Symantec: hours of access logs before the current hour")
	fl.IntVar(&f.swgLines, "swg-lines-per-hour", 600, "Symantec: access-log lines per hour")
	fl.IntVar(&f.swgArchive, "swg-archive-lines", 5000, "Symantec: lines per sync archive before status more")
	fl.DurationVar(&f.swgInterval, "swg-min-interval", time.Second, "Symantec: least time between access-log requests before 429 (0: none)")
	fl.StringVar(&f.requestLog, "request-log", "", "Forcepoint: append each request to this file as a JSON line: time, type, status, records served, when the oldest arrived (Unix seconds)")
	return cmd
}

func runSimulate(cmd *cobra.Command, f simulateFlags) error {
	if f.faults < 0 || f.faults > 1 {
		return &usageError{fmt.Errorf("--faults %v: give a share between 0 and 1", f.faults)}
	}
	kinds, err := fault.ParseKinds(f.faultKinds)
	if err != nil {
		return &usageError{fmt.Errorf("--fault-kinds: %w", err)}
	}
	fp := simulator.DefaultForcepoint()
	fp.Seed, fp.DefaultCount, fp.PageSize = f.seed, f.records, f.pageSize
	fp.DailyLimit, fp.BudgetWindow = f.dailyLimit, f.budgetWindow
	fp.Live, fp.LiveRate, fp.Latency = f.live, f.liveRate, f.latency
	if f.requestLog != "" {
		log, err := openRequestLog(f.requestLog)
		if err != nil {
			return err
		}
		defer log.close()
		fp.OnRequest = log.write
	}
	swg := simulator.DefaultSymantec()
	swg.Seed, swg.LinesPerHour, swg.MaxLinesPerArchive, swg.Latency, swg.Live = f.seed, f.swgLines, f.swgArchive, f.latency, f.live
	swg.MinInterval = f.swgInterval
	if f.swgInterval == 0 {
		swg.MinInterval = -1 // off
	}
	swg.End = time.Now().UTC().Truncate(time.Hour)
	swg.Start = swg.End.Add(-time.Duration(f.swgHours) * time.Hour)
	sim, err := simulator.Start(f.addr, simulator.Options{
		Forcepoint: fp, Symantec: swg,
		Faults: fault.Config{Rate: f.faults, Seed: f.seed, Kinds: kinds, SlowDelay: 2 * time.Second,
			TimeoutDelay: f.timeoutDelay, RetryAfter: time.Second},
	})
	if err != nil {
		return err
	}
	defer sim.Close()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "gatelog simulator listening on %s\n", sim.URL)
	fmt.Fprintf(out, "  Forcepoint: base_url %s  auth.token %s  (or auth.username %s, auth.password %s)\n",
		sim.URL, simulator.DemoToken, simulator.DemoUsername, simulator.DemoPassword)
	fmt.Fprintf(out, "  Symantec:   base_url %s  key %s / %s (every role)\n", sim.URL, simulator.DemoSWGUsername, simulator.DemoSWGPassword)
	fmt.Fprintf(out, "  %d records per Forcepoint log type, %d Symantec hours of %d lines, seed %d, faults %.0f%%. Ctrl-C stops.\n",
		f.records, f.swgHours, f.swgLines, f.seed, f.faults*100)
	<-cmd.Context().Done()
	return nil
}

// requestLog appends the Forcepoint simulator's requests to a file, one
// JSON object a line, as they are served (bench/economy.sh reads it).
type requestLog struct {
	mu  sync.Mutex
	f   *os.File
	enc *json.Encoder
}

func openRequestLog(path string) (*requestLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--request-log: %w", err)
	}
	return &requestLog{f: f, enc: json.NewEncoder(f)}, nil
}

// requestLine is one request in the log. Times are Unix seconds, for
// awk; oldest is 0 when the answer served no record.
type requestLine struct {
	Time    float64 `json:"time"`
	Type    string  `json:"type"`
	Status  int     `json:"status"`
	Records int     `json:"records"`
	Oldest  float64 `json:"oldest"`
}

func (l *requestLog) write(r forcepoint.Request) {
	line := requestLine{Time: unixSeconds(r.Time), Type: r.Type, Status: r.Status, Records: r.Records, Oldest: unixSeconds(r.Oldest)}
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.enc.Encode(line) // a full disk loses log lines, not requests
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func (l *requestLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.f.Close()
}
