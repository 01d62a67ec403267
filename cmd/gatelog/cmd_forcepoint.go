package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/progress"
)

func newForcepointCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "forcepoint",
		Short:   "Ad-hoc commands against the Forcepoint ONE SSE log export API",
		Example: "  gatelog forcepoint export --type admin --from 24h -o admin.jsonl",
	}
	cmd.AddCommand(newForcepointExportCommand(g))
	return cmd
}

type exportFlags struct {
	source, logType, from, to, out string
	maxWait                        time.Duration
	noState                        bool
}

func newForcepointExportCommand(g *globals) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export one log type for a time range as JSON Lines, without a checkpoint",
		Long: `export pulls one log type from a configured Forcepoint source for a time range
and writes it as JSON Lines in gatelog's record envelope. It keeps no
checkpoint and takes no lease, but its requests count against the type's
daily request budget, as the vendor counts them: it reads and records that
budget in the state store, so that "run" does not overspend it (--no-state
to skip). --type is checked before any request is sent.

--from and --to take a look-back (24h, 7d) or a UTC time (2026-11-20,
2026-11-20T06:00Z). Forcepoint keeps 30 days of logs.`,
		Example: "  gatelog forcepoint export --type admin --from 24h -o admin.jsonl\n" +
			"  gatelog forcepoint export --type swgweb --from 2026-11-20 --to 2026-11-21 -o - | jq .fields.url",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.source, "source", "", "source name in the configuration (default: the first forcepoint source)")
	fl.StringVar(&f.logType, "type", "", "log type (required): "+strings.Join(app.ExportTypes(), ", "))
	fl.StringVar(&f.from, "from", "24h", "start: a look-back or a UTC time")
	fl.StringVar(&f.to, "to", "", "end (exclusive): a look-back or a UTC time (default: now)")
	fl.StringVarP(&f.out, "output", "o", "-", "output file, - for standard output")
	fl.DurationVar(&f.maxWait, "max-wait", 10*time.Minute, "the longest throttle worth waiting for")
	fl.BoolVar(&f.noState, "no-state", false, "do not read or record the request budget in the state store")
	_ = cmd.MarkFlagRequired("type")
	return cmd
}

func runExport(cmd *cobra.Command, g *globals, f exportFlags) error {
	if err := checkExportType(f.logType); err != nil {
		return usageFor(cmd, err)
	}
	logger, cfg, err := g.setup(cmd)
	if err != nil {
		return err
	}
	src, err := pickForcepointSource(cfg, f.source)
	if err != nil {
		return err
	}
	now := time.Now()
	from, to, err := exportRange(f, now)
	if err != nil {
		return err
	}
	if !f.noState {
		if err := cfg.CheckStateFolder(); err != nil {
			return &usageError{err}
		}
	}
	out, closeOut, err := openOutput(cmd.OutOrStdout(), f.out)
	if err != nil {
		return err
	}
	bar := progress.NewTimeRange(os.Stderr, f.logType, from, orNow(to, now), logger)
	n, err := app.Export(cmd.Context(), app.ExportOptions{
		Source: src, LogType: f.logType, From: from, To: to, StatePath: cfg.State, NoState: f.noState, Out: out,
		Logger: logger, MaxWait: f.maxWait, Progress: bar.Update, HTTP: g.hooks(logger),
	})
	bar.Done()
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export %s/%s: %w", src.Name, f.logType, err)
	}
	logger.Info("export finished", "records", n, "output", f.out)
	return nil
}

// checkExportType refuses a --type the API does not serve before anything
// is opened or sent: the request would cost budget and leave a budget row
// for a stream that cannot exist.
func checkExportType(t string) error {
	allowed := app.ExportTypes()
	if slices.Contains(allowed, t) {
		return nil
	}
	msg := fmt.Sprintf("--type %q is not a Forcepoint log type (allowed: %s)", t, strings.Join(allowed, ", "))
	if s := config.Suggest(t, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return errors.New(msg)
}

func exportRange(f exportFlags, now time.Time) (from, to time.Time, err error) {
	if from, err = app.ParseWhen(f.from, now); err != nil {
		return from, to, &usageError{fmt.Errorf("--from: %w", err)}
	}
	if f.to != "" {
		if to, err = app.ParseWhen(f.to, now); err != nil {
			return from, to, &usageError{fmt.Errorf("--to: %w", err)}
		}
		if !to.After(from) {
			return from, to, &usageError{errors.New("--to must be later than --from")}
		}
	}
	return from, to, nil
}

func pickForcepointSource(cfg *config.Config, name string) (*config.Source, error) {
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Type == "forcepoint" && (name == "" || s.Name == name) {
			return s, nil
		}
	}
	if name != "" {
		return nil, &usageError{fmt.Errorf("no forcepoint source named %q in the configuration", name)}
	}
	return nil, &usageError{errors.New("the configuration has no forcepoint source")}
}

// openOutput opens -o: "-" is standard output. A file is fsynced on close so
// that a finished export is on disk.
func openOutput(stdout io.Writer, path string) (io.Writer, func() error, error) {
	if path == "-" || path == "" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, outputError(path, err)
	}
	return f, func() error {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		return f.Close()
	}, nil
}

// outputError: -o cannot be created, a mistake in the command line (exit
// 2), said without Go's operation names.
func outputError(path string, err error) error {
	reason := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err.Error()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		reason = "the folder " + filepath.Dir(path) + " does not exist"
	case errors.Is(err, syscall.ENOTDIR):
		reason = filepath.Dir(path) + " is not a folder"
	}
	return &usageError{fmt.Errorf("-o: cannot create %s: %s", path, reason)}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}
