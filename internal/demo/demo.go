// Package demo runs gatelog end to end against the built-in simulators, so
// that a user sees what it does before connecting an account.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/source/symantec"
)

// Options configures a demo run.
type Options struct {
	Dir          string
	Live         bool
	Records      int
	PollInterval time.Duration
	// Listen is where --live serves the status page and metrics.
	Listen string
	Logger *slog.Logger
	Out    io.Writer
	// Command runs gatelog in the hints the demo prints ("gatelog",
	// "go run ./cmd/gatelog", ./bin/gatelog); empty: Command().
	Command string
}

// marker names the file that says a folder belongs to the demo, so that a
// demo never clears a folder it did not make.
const marker = ".gatelog-demo"

// The demo sources' names.
const (
	SourceName         = "demo-forcepoint"
	SymantecSourceName = "demo-symantec"
)

// Run starts the simulator, collects into Dir and prints a summary.
func Run(ctx context.Context, o Options) error {
	if err := prepareDir(o.Dir); err != nil {
		return err
	}
	fp := simulator.DefaultForcepoint()
	fp.DefaultCount, fp.Live, fp.DailyLimit = o.Records, o.Live, 0
	swg := simulator.DefaultSymantec()
	swg.End = time.Now().UTC().Truncate(time.Hour)
	swg.Start, swg.Live = swg.End.Add(-6*time.Hour), o.Live
	sim, err := simulator.Start("127.0.0.1:0", simulator.Options{Forcepoint: fp, Symantec: swg})
	if err != nil {
		return err
	}
	defer sim.Close()
	cfg := demoConfig(o, sim.URL)
	if err := writeConfig(o.Dir, cfg); err != nil {
		return err
	}
	run := app.RunOptions{Once: !o.Live}
	var hooks app.HTTPHooks
	if o.Live {
		mon := app.Serve(ctx, cfg, o.Logger)
		line := liveLine(o.Out)
		run.Observe = func(e pipeline.Event) { mon.Observe(e); line(e) }
		hooks.Observe = mon.ObserveHTTP
	}
	a, err := app.Open(cfg, app.Options{Logger: o.Logger, HTTP: hooks})
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(o.Out, "gatelog demo: collecting %d Forcepoint log types and Symantec access and audit logs from the simulators at %s into %s/\n",
		len(cfg.Sources[0].Settings.(*forcepoint.Config).LogTypes), sim.URL, o.Dir)
	if o.Live {
		fmt.Fprintf(o.Out, "following new records; Ctrl-C stops\nstatus page:   http://%s/\n", cfg.Listen)
	}
	results := a.Run(ctx, run)
	if o.Command == "" {
		o.Command = Command()
	}
	printSummary(o.Out, o.Command, o.Dir, cfg, results)
	return app.Outcome(results)
}

// liveLine prints each delivered batch while the demo follows new records.
func liveLine(w io.Writer) func(pipeline.Event) {
	var mu sync.Mutex
	return func(e pipeline.Event) {
		if e.Kind != pipeline.EventDelivered || e.Records == 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "  %s  +%-5d %-32s newest event %s\n", time.Now().Format(time.TimeOnly), e.Records, e.ID,
			e.EventTime.UTC().Format(time.DateTime))
	}
}

func demoConfig(o Options, url string) *config.Config {
	cfg := app.DefaultConfig()
	cfg.State = filepath.Join(o.Dir, "state.db")
	cfg.Sinks = []config.Sink{{Name: "files", Type: "file", Settings: &file.Config{Path: filepath.Join(o.Dir, "logs")}}}
	cfg.Sources = []config.Source{{Name: SourceName, Type: "forcepoint", Settings: &forcepoint.Config{
		BaseURL: url, Auth: forcepoint.Auth{Token: config.Secret(simulator.DemoToken)},
		PollInterval: config.Duration(o.PollInterval), RequestTimeout: config.Duration(time.Minute),
	}}, {Name: SymantecSourceName, Type: "symantec", Settings: &symantec.Config{
		BaseURL: url, AccessLogs: demoKey, Audit: demoKey, Locations: demoKey,
		PollInterval: config.Duration(o.PollInterval),
	}}}
	cfg.ApplyDefaults()
	if o.Listen != "" {
		cfg.Listen = o.Listen
	}
	return cfg
}

// demoKey is the simulator's demo API key (it opens nothing else).
var demoKey = config.Credential{Username: config.Secret(simulator.DemoSWGUsername), Password: config.Secret(simulator.DemoSWGPassword)}

// prepareDir makes Dir, or clears what an earlier demo left in it.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("demo folder: %w", err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return fmt.Errorf("%s exists and was not made by gatelog demo: pass --dir to use another folder", dir)
		}
		for _, name := range []string{"state.db", "logs", "quarantine", "gatelog.yaml"} {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("clear the previous demo: %w", err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("demo folder: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, marker), []byte("made by gatelog demo\n"), 0o640)
}

// writeConfig leaves the equivalent configuration beside the output, so a
// user can run `gatelog state show -c gatelog-demo/gatelog.yaml` and see
// what a real configuration looks like.
func writeConfig(dir string, cfg *config.Config) error {
	fp := cfg.Sources[0].Settings.(*forcepoint.Config)
	text := fmt.Sprintf(`# What "gatelog demo" ran, as a configuration file. The simulator it used
# is gone now; for a real account set base_url and auth.
state: %s
sources:
  - name: %s
    type: forcepoint
    base_url: %s          # real: https://portal.bitglass.com
    auth: {token: %s}   # real: {token: ${FORCEPOINT_TOKEN}}
    log_types: [%s]
    start: 24h
  - name: %s
    type: symantec
    base_url: %s          # real: https://portal.threatpulse.com
    access_logs: {username: %s, password: %s}   # real: ${SWG_LOGS_USERNAME} ...
    audit: {username: %s, password: %s}
    log_types: [accesslog, audit]
sinks:
  - {name: files, type: file, path: %s}
`, cfg.State, SourceName, fp.BaseURL, simulator.DemoToken, strings.Join(fp.LogTypes, ", "),
		SymantecSourceName, fp.BaseURL, simulator.DemoSWGUsername, simulator.DemoSWGPassword,
		simulator.DemoSWGUsername, simulator.DemoSWGPassword, logDir(cfg))
	return os.WriteFile(filepath.Join(dir, "gatelog.yaml"), []byte(text), 0o640)
}

// logDir is where the demo's file sink writes.
func logDir(cfg *config.Config) string { return cfg.Sinks[0].Settings.(*file.Config).Path }

// printSummary tells what the demo collected and what to run next; command
// is how to run gatelog (Command).
func printSummary(w io.Writer, command, dir string, cfg *config.Config, results []pipeline.Result) {
	var total uint64
	fmt.Fprintln(w)
	for _, r := range results {
		status := string(r.Status)
		if r.Err != nil {
			status += ": " + r.Err.Error()
		}
		fmt.Fprintf(w, "  %-32s %7d records  %s\n", r.ID, r.Records, status)
		total += r.Records
	}
	files, _ := filepath.Glob(filepath.Join(logDir(cfg), "*", "*", "*.jsonl"))
	fmt.Fprintf(w, "\n%d records in %d files under %s/\n", total, len(files), logDir(cfg))
	if len(files) > 0 {
		fmt.Fprintf(w, "look at one:   head -n 2 %s | jq .\n", files[0])
	}
	fmt.Fprintf(w, "checkpoints:   %s state show -c %s\n", command, shellQuote(filepath.Join(dir, "gatelog.yaml")))
	fmt.Fprintf(w, "your account:  see \"Configuration\" in the README, then %s run -c gatelog.yaml\n", command)
}
