package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/demo"
)

func newDemoCommand(g *globals) *cobra.Command {
	var o demo.Options
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Collect from the built-in vendor simulators into ./gatelog-demo/ (no account needed)",
		Long: `demo starts the vendor simulators in-process, collects every log type into
the file sink under ./gatelog-demo/ exactly as "gatelog run" would, and prints
what it collected and where to look. With --live it keeps following new
records until Ctrl-C and serves the status page, /metrics and the health
endpoints on --listen.

Each demo starts afresh: it clears what an earlier demo left in its folder.`,
		Example: "  gatelog demo\n  gatelog demo --live",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			o.Logger, o.Out = logger, cmd.OutOrStdout()
			return demo.Run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Dir, "dir", "gatelog-demo", "where the demo keeps its logs and state")
	fl.BoolVar(&o.Live, "live", false, "keep following new records until Ctrl-C")
	fl.IntVar(&o.Records, "records", 1000, "records per log type in the simulator")
	fl.StringVar(&o.Listen, "listen", config.DefaultListen, "with --live: where to serve the status page and metrics")
	fl.DurationVar(&o.PollInterval, "poll-interval", 5*time.Second, "with --live: how often each stream polls")
	return cmd
}
