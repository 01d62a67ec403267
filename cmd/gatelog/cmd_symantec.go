package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/progress"
)

func newSymantecCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "symantec",
		Short: "Ad-hoc commands against the Symantec / Broadcom Cloud SWG APIs",
		Long: `Ad-hoc commands against the Cloud SWG (WSS) APIs of a configured symantec
source (--source, default the first). Without a configuration file they use
https://portal.threatpulse.com and the credential in SWG_API_USERNAME and
SWG_API_PASSWORD (also read from .env), as Broadcom's own examples do.

Each API key is scoped to a role: access logs (download) need "Reporting
Access Logs", the audit log "Audit Logs", locations "Location Management";
a configured source gives each its own key (access_logs, audit, locations),
falling back to SWG_API_USERNAME and SWG_API_PASSWORD. A missing key is
reported before any request is sent.`,
		Example: "  gatelog symantec locations\n" +
			"  gatelog symantec audit --from 7d --format csv -o audit.csv\n" +
			"  gatelog symantec download --from 24h -o ./hours/",
	}
	var source string
	cmd.PersistentFlags().StringVar(&source, "source", "", "symantec source name in the configuration (default: the first)")
	cmd.AddCommand(newSymantecLocationsCommand(g, &source), newSymantecAuditCommand(g, &source), newSymantecDownloadCommand(g, &source))
	return cmd
}

// symantecRole is the API key a command needs: its config key on a
// symantec source and the portal role.
type symantecRole struct{ key, role string }

var (
	roleAccessLogs = symantecRole{"access_logs", "Reporting Access Logs"}
	roleAudit      = symantecRole{"audit", "Audit Logs"}
	roleLocations  = symantecRole{"locations", "Location Management"}
)

// symantecClient builds the client of the chosen source, or of a default
// source from the environment when there is no configuration file, after
// checking that it has the API key the command needs (role).
func (g *globals) symantecClient(cmd *cobra.Command, name string, role symantecRole) (*app.SymantecClient, *config.Config, error) {
	logger, err := g.logger(cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	cfg, err := g.loadConfig()
	var missing *missingConfigError
	if errors.As(err, &missing) && !cmd.Flags().Changed("config") {
		cfg, err = app.DefaultSymantecConfig(), nil
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range cfg.Sources {
		sc := &cfg.Sources[i]
		if sc.Type == "symantec" && (name == "" || sc.Name == name) {
			if err := needCredential(cmd, cfg, i, role); err != nil {
				return nil, nil, err
			}
			c, err := app.NewSymantecClient(cfg, sc, app.Options{Logger: logger, HTTP: g.hooks(logger)})
			return c, cfg, err
		}
	}
	return nil, nil, &usageError{fmt.Errorf("the configuration has no symantec source%s", named(name))}
}

func named(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" named %q", name)
}

// needCredential refuses, before any request, a source without the API
// key the command needs. A configuration file is cited at the key (or its
// source); the default configuration has none, so the message names the
// environment variables to set, and the key for when there is a file.
func needCredential(cmd *cobra.Command, cfg *config.Config, i int, r symantecRole) error {
	sc := &cfg.Sources[i]
	if app.SymantecCredential(sc, r.key).Set() {
		return nil
	}
	call := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	if cfg.File() != "" {
		return &usageError{cfg.Problem(fmt.Sprintf("sources[%d].%s", i, r.key),
			"%s needs an API key with the %q role: set %s: {username: ..., password: ...} on this source, or %s and %s, which it falls back to",
			call, r.role, r.key, app.SymantecEnvUsername, app.SymantecEnvPassword)}
	}
	vars := []string{app.SymantecEnvUsername, app.SymantecEnvPassword}
	var unset []string
	for _, v := range vars {
		if os.Getenv(v) == "" {
			unset = append(unset, v)
		}
	}
	if len(unset) == 0 {
		unset = vars
	}
	return &usageError{fmt.Errorf("%s needs an API key with the %q role: set %s (in the environment or .env), or pass -c FILE with a symantec source that sets %s: {username: ..., password: ...}",
		call, r.role, strings.Join(unset, " and "), r.key)}
}

func newSymantecLocationsCommand(g *globals, source *string) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "locations",
		Short: "List the account's locations (read-only)",
		Long: `locations lists the locations of the account. id and name are typed; every
other field is shown as the API sent it (--format json keeps them all).`,
		Example: "  gatelog symantec locations\n  gatelog symantec locations --format csv > locations.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := g.symantecClient(cmd, *source, roleLocations)
			if err != nil {
				return err
			}
			locs, err := c.Locations(cmd.Context())
			if err != nil {
				return fmt.Errorf("locations: %w", err)
			}
			return app.WriteLocations(cmd.OutOrStdout(), locs, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	return cmd
}

type auditFlags struct {
	from, to, objectType, operationType, format, out string
	rawCSV                                           bool
}

func newSymantecAuditCommand(g *globals, source *string) *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Export the admin audit log (streamed) as CSV or JSON Lines",
		Long: `audit exports the account's admin audit log for whole UTC days, streamed from
the API to the output. --from and --to take a look-back (7d) or a day
(2026-11-01); both days are included. Audit data is kept one year.

CSV that gatelog writes is safe to open in a spreadsheet: a cell starting
with =, +, -, @, tab or carriage return is prefixed with ' so it cannot run
as a formula (--raw-csv turns that off). Commas, quotes and newlines inside
cells are quoted and round-trip.`,
		Example: "  gatelog symantec audit --from 2026-11-01 --to 2026-11-21 --format csv -o audit.csv\n" +
			"  gatelog symantec audit --from 7d --operation-type Login --format json | jq .",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAudit(cmd, g, *source, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "7d", "first day: a look-back or a UTC day")
	fl.StringVar(&f.to, "to", "0d", "last day (included): a look-back or a UTC day")
	fl.StringVar(&f.objectType, "object-type", "", "only this object type, e.g. PolicyRule, Report, User")
	fl.StringVar(&f.operationType, "operation-type", "", "only this operation type, e.g. Delete, Execute, Login, Logout")
	fl.StringVar(&f.format, "format", "csv", "csv or json (JSON Lines)")
	fl.StringVarP(&f.out, "output", "o", "-", "output file, - for standard output")
	fl.BoolVar(&f.rawCSV, "raw-csv", false, "do not neutralise cells that spreadsheets run as formulas")
	return cmd
}

func runAudit(cmd *cobra.Command, g *globals, source string, f auditFlags) error {
	if f.format != "csv" && f.format != "json" {
		return &usageError{fmt.Errorf("--format %q: use csv or json", f.format)}
	}
	now := time.Now()
	from, err := app.ParseWhen(f.from, now)
	if err != nil {
		return &usageError{fmt.Errorf("--from: %w", err)}
	}
	to, err := app.ParseWhen(f.to, now)
	if err != nil {
		return &usageError{fmt.Errorf("--to: %w", err)}
	}
	c, _, err := g.symantecClient(cmd, source, roleAudit)
	if err != nil {
		return err
	}
	out, closeOut, err := openOutput(cmd.OutOrStdout(), f.out)
	if err != nil {
		return err
	}
	q := app.AuditQuery{From: from, To: to, ObjectType: f.objectType, OperationType: f.operationType}
	err = app.ExportAudit(cmd.Context(), c, q, f.format, f.rawCSV, out)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}

func newSymantecDownloadCommand(g *globals, source *string) *cobra.Command {
	var from, to, out string
	var toSinks bool
	cmd := &cobra.Command{
		Use:   "download",
		Short: "Download complete hours of access logs (list + download API)",
		Long: `download fetches whole hours of access logs with the list and download API:
one ZIP per hour, <dir>/YYYY-MM-DDTHH.zip. Each archive is read through
(every member and line, within the archive limits) before it is kept, and a
marker beside it records that; an interrupted download skips the hours that
are already verified when run again. Only complete hours are offered by the
API; --to is exclusive.

--to-sinks then delivers the hours' lines into the configured sinks as the
stream SOURCE/accesslog-backfill (records keep stream "accesslog"), with the
same dedup as the live stream: lines it delivered are dropped by id while its
seen marks are kept (a few hours), and a backfill run again delivers nothing
twice.`,
		Example: "  gatelog symantec download --from 2026-11-20T00:00Z --to 2026-11-21T00:00Z -o ./hours/",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDownload(cmd, g, *source, downloadFlags{from, to, out, toSinks})
		},
	}
	cmd.Flags().StringVar(&from, "from", "24h", "first hour: a look-back or a UTC time")
	cmd.Flags().StringVar(&to, "to", "0h", "end (exclusive): a look-back or a UTC time")
	cmd.Flags().StringVarP(&out, "output", "o", ".", "folder for the hour archives")
	cmd.Flags().BoolVar(&toSinks, "to-sinks", false, "also deliver the hours into the configured sinks")
	return cmd
}

type downloadFlags struct {
	from, to, dir string
	toSinks       bool
}

func runDownload(cmd *cobra.Command, g *globals, source string, f downloadFlags) error {
	now := time.Now()
	from, err := app.ParseWhen(f.from, now)
	if err != nil {
		return &usageError{fmt.Errorf("--from: %w", err)}
	}
	to, err := app.ParseWhen(f.to, now)
	if err != nil || !to.After(from) {
		return &usageError{fmt.Errorf("--to must be a time later than --from")}
	}
	c, cfg, err := g.symantecClient(cmd, source, roleAccessLogs)
	if err != nil {
		return err
	}
	// Local folders before any request: the hours' folder, and with
	// --to-sinks the state and sink folders the backfill writes to.
	if err := config.CheckFolder(f.dir, 0o750); err != nil {
		return &usageError{fmt.Errorf("-o: %w", err)}
	}
	if f.toSinks {
		if err := cfg.CheckLocal(); err != nil {
			return &usageError{err}
		}
	}
	logger, _ := g.logger(cmd.ErrOrStderr())
	hours, err := app.DownloadHours(cmd.Context(), c, from, to, f.dir, logger, func(n int) app.HourProgress {
		return progress.NewItems(os.Stderr, "hours", n, logger)
	})
	if err != nil || !f.toSinks {
		return err
	}
	return backfill(cmd, cfg, c.Name(), f.dir, hours, from, to, app.Options{Logger: logger, Stdout: cmd.OutOrStdout(), HTTP: g.hooks(logger)})
}

// backfill delivers downloaded hours into the configured sinks, with a
// progress bar through [from, to).
func backfill(cmd *cobra.Command, cfg *config.Config, source, dir string, hours []time.Time, from, to time.Time, o app.Options) error {
	a, err := app.Open(cfg, o)
	if err != nil {
		return err
	}
	defer a.Close()
	bar := progress.NewTimeRange(os.Stderr, "backfill", from, to, o.Logger)
	results, err := a.Backfill(cmd.Context(), source, dir, hours, bar.Observe)
	bar.Done()
	if err != nil {
		return err
	}
	app.PrintResults(cmd.ErrOrStderr(), results)
	return app.Outcome(results)
}
