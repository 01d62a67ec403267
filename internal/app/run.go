package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/retry"
)

// RunOptions tunes Run.
type RunOptions struct {
	Once    bool
	MaxWait time.Duration
	Observe func(pipeline.Event)
	Backoff retry.Backoff
}

// Run collects every stream into every sink until ctx ends or, with Once,
// until every stream has caught up, failed or been deferred.
func (a *App) Run(ctx context.Context, o RunOptions) []pipeline.Result {
	return pipeline.Run(ctx, a.Sources, a.pipelineOptions(o))
}

// pipelineOptions is what a run is given: the configuration's and o.
func (a *App) pipelineOptions(o RunOptions) pipeline.Options {
	return pipeline.Options{
		Store: a.Store, Sinks: a.Sinks, Quarantine: a.Quarantine, Logger: a.Logger,
		Once: o.Once, MaxWait: o.MaxWait, Observe: o.Observe, Backoff: o.Backoff, SinkRetry: a.sinkRetry(),
		Schemas: a.schemas(), Routes: a.routes(), Tenants: a.tenants(),
		Owner: owner(), LeaseTTL: a.Cfg.LeaseTTL.Std(), MaxBatches: a.Cfg.MaxBatchesInFlight,
	}
}

// owner names this process in stream leases.
func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// ExitError is the error a run ends with, given its results: a run cut
// short by a signal first (Interrupted; the caller picks 130 or 143 by the
// signal), then failures (exit 1), then deferred streams (exit 3).
type ExitError struct {
	Code int
	Msg  string
	// Interrupted: a signal stopped the run before every stream caught
	// up. Code is then 130; main replaces it with 128 + the signal.
	Interrupted bool
}

func (e *ExitError) Error() string { return e.Msg }

// Outcome summarises results into nil or an *ExitError.
func Outcome(results []pipeline.Result) error {
	var failed, deferred int
	var interrupted []string
	for _, r := range results {
		switch {
		case r.Status == pipeline.Interrupted:
			interrupted = append(interrupted, r.ID.String())
		case r.Status == pipeline.Failed, len(r.Stopped) > 0: // a stopped sink misses records
			failed++
		case r.Status == pipeline.Deferred:
			deferred++
		}
	}
	switch {
	case len(interrupted) > 0:
		msg := fmt.Sprintf("interrupted: %d of %d streams not caught up (%s); their checkpoints are consistent, run again to resume",
			len(interrupted), len(results), strings.Join(interrupted, ", "))
		if failed > 0 {
			msg += fmt.Sprintf("; %d failed (see the lines above)", failed)
		}
		return &ExitError{Code: 130, Msg: msg, Interrupted: true}
	case failed > 0:
		return &ExitError{Code: 1, Msg: fmt.Sprintf("%d of %d streams failed (see the lines above)", failed, len(results))}
	case deferred > 0:
		return &ExitError{Code: 3, Msg: fmt.Sprintf("%d of %d streams are waiting for a request budget reset; run again later", deferred, len(results))}
	}
	return nil
}

// sinkRetry is each sink's retry policy from the configuration.
func (a *App) sinkRetry() map[string]pipeline.SinkRetry {
	m := make(map[string]pipeline.SinkRetry, len(a.Cfg.Sinks))
	for _, s := range a.Cfg.Sinks {
		m[s.Name] = pipeline.SinkRetry{Attempts: s.Retry.Attempts,
			Backoff: retry.Backoff{Base: time.Duration(s.Retry.Initial), Max: time.Duration(s.Retry.Max)}}
	}
	return m
}

// schemas is what each sink receives, by name.
func (a *App) schemas() map[string]string {
	m := make(map[string]string, len(a.Cfg.Sinks))
	for _, s := range a.Cfg.Sinks {
		m[s.Name] = s.Schema
	}
	return m
}

// routes are the sources that deliver to some sinks only.
func (a *App) routes() map[string][]string {
	m := map[string][]string{}
	for _, s := range a.Cfg.Sources {
		if s.Sinks != nil {
			m[s.Name] = s.Sinks
		}
	}
	return m
}

// tenants are the sources' tenants, by source name.
func (a *App) tenants() map[string]string {
	m := map[string]string{}
	for _, s := range a.Cfg.Sources {
		if s.Tenant != "" {
			m[s.Name] = s.Tenant
		}
	}
	return m
}

// PrintResults writes one line per stream: a failed one with its last
// error, an interrupted one saying it did not catch up.
func PrintResults(w io.Writer, results []pipeline.Result) {
	for _, r := range results {
		line := fmt.Sprintf("%-40s %-11s %8d records", r.ID, r.Status, r.Records)
		switch r.Status {
		case pipeline.Deferred:
			line += fmt.Sprintf("  (budget resets %s)", r.Until.UTC().Format("2006-01-02 15:04 UTC"))
		case pipeline.Failed:
			line += "  " + strings.ReplaceAll(fmt.Sprint(r.Err), "\n", "; ")
		case pipeline.Interrupted:
			line += "  (not caught up: run again to resume)"
		}
		if len(r.Stopped) > 0 {
			line += fmt.Sprintf("  (stopped sinks: %s)", strings.Join(r.Stopped, ", "))
		}
		fmt.Fprintln(w, line)
	}
}
