package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/doctor"
)

func newDoctorCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, state, disks, vendor APIs and sinks, one line each",
		Long: `doctor checks everything gatelog needs, one line per check with ✓ or ✗ and
what to fix: the configuration; the state store (readable, not locked by a
running gatelog); free, writable disk for state and file sinks; for each
source that its base URL answers, that this machine's clock agrees with the
server's, and one cheap authenticated request per API role (a Forcepoint
type whose request budget is nearly spent today is skipped, and said so);
and that each network sink accepts a connection.

It exits 1 when any check fails.`,
		Example: "  gatelog doctor -c gatelog.yaml\n" +
			"  gatelog doctor --json | jq '.[] | select(.ok | not)'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var report doctor.Report
			cfg, err := g.loadConfig()
			if err != nil {
				report = doctor.Report{{Name: "config", Msg: err.Error(), Fix: "fix the configuration"}}
			} else {
				report = doctor.Run(cmd.Context(), doctor.Options{Cfg: cfg, ConfigPath: g.configPath})
			}
			if asJSON {
				if err := report.WriteJSON(cmd.OutOrStdout()); err != nil {
					return err
				}
			} else {
				report.Write(cmd.OutOrStdout())
			}
			if report.Failed() {
				return &app.ExitError{Code: 1, Msg: fmt.Sprintf("%d checks failed", failedCount(report))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of lines")
	return cmd
}

func failedCount(r doctor.Report) int {
	n := 0
	for _, c := range r {
		if !c.OK && !c.Skip {
			n++
		}
	}
	return n
}
