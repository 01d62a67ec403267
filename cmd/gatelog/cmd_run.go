package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/app"
)

type runOptions struct {
	once    bool
	maxWait time.Duration
}

func newRunCommand(g *globals) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Collect every configured stream into every sink",
		Long: `run collects every log type of every configured source into every sink.

As a daemon (the default) each stream polls on its interval until SIGINT or
SIGTERM, which shut down cleanly within seconds. The daemon serves a status
page at http://LISTEN/ (listen, default 127.0.0.1:9470), Prometheus metrics at
/metrics and probes at /healthz and /readyz.

With --once each stream catches up to now and gatelog exits: use it from
cron, CI or for a backfill. --once always ends. --max-wait (default 10m)
means two things there: a stream throttled until a known reset (a spent
request budget, a 429) further away than --max-wait is deferred; and a
stream that makes no progress (no batch delivered, not caught up) for
--max-wait through errors and retries (an unreachable host, a sink that
keeps failing, a full disk) is given up as failed, naming its last error.
The daemon never gives up: it keeps retrying, its state on the status page.

A checkpoint moves only after every sink durably accepted a batch, so a
crash or kill at any instant loses nothing, and the file sink holds no
duplicate after a restart. SIGINT or SIGTERM stops at a batch boundary.

Exit codes (--once): 0 every stream caught up; 1 a stream failed
(permanently, e.g. bad credentials or a missing permission, or it made no
progress for --max-wait); 2 a usage or configuration error; 3 a stream waits
for a request budget reset longer than --max-wait; 130 (SIGINT) or 143
(SIGTERM) the signal stopped streams before they caught up (they are
listed; run again to resume). A signal after every stream caught up changes
nothing. The daemon exits 0 on SIGINT or SIGTERM.`,
		Example: "  gatelog run -c gatelog.yaml\n  gatelog run -c gatelog.yaml --once",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.once, "once", false, "catch every stream up to now, then exit")
	cmd.Flags().DurationVar(&o.maxWait, "max-wait", 10*time.Minute,
		"with --once: the longest throttle worth waiting for (longer: deferred, exit 3), and the longest a stream may go without progress through errors (then failed, exit 1)")
	return cmd
}

func runRun(cmd *cobra.Command, g *globals, o runOptions) error {
	logger, cfg, err := g.setup(cmd)
	if err != nil {
		return err
	}
	ro := app.RunOptions{Once: o.once, MaxWait: o.maxWait}
	hooks := g.hooks(logger)
	if !o.once && cfg.Listen != "" {
		mon := app.Serve(cmd.Context(), cfg, logger)
		ro.Observe, hooks.Observe = mon.Observe, mon.ObserveHTTP
	}
	a, err := app.Open(cfg, app.Options{Logger: logger, Stdout: cmd.OutOrStdout(), HTTP: hooks})
	if err != nil {
		return err
	}
	defer a.Close()
	logger.Info("gatelog started", "sources", len(a.Sources), "sinks", len(a.Sinks), "state", cfg.StateShown(), "once", o.once)
	results := a.Run(cmd.Context(), ro)
	if o.once {
		app.PrintResults(cmd.ErrOrStderr(), results)
	}
	logger.Info("gatelog stopped")
	if cmd.Context().Err() != nil && !o.once {
		return nil
	}
	return app.Outcome(results)
}
