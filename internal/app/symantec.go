package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec"
)

// ExportAudit streams audit events to w as CSV (from the API's CSV) or
// JSON Lines (from its JSON).
func ExportAudit(ctx context.Context, c *symantec.Client, q symantec.AuditQuery, format string, rawCSV bool, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var err error
	if format == "csv" {
		cw := symantec.NewCSVWriter(bw, rawCSV)
		wroteHeader := false
		err = c.AuditCSV(ctx, q, func(header, row []string) error {
			if !wroteHeader {
				wroteHeader = true
				if err := cw.Write(header); err != nil {
					return err
				}
			}
			return cw.Write(row)
		})
		if ferr := cw.Flush(); err == nil {
			err = ferr
		}
	} else {
		err = c.AuditJSON(ctx, q, func(raw json.RawMessage) error {
			bw.Write(raw)
			return bw.WriteByte('\n')
		})
	}
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// HourProgress is told about each hour downloaded.
type HourProgress interface {
	Add(bytes int64)
	Done()
}

// DownloadHours lists the complete hours in [from, to), downloads those not
// yet verified in dir, and returns them all.
func DownloadHours(ctx context.Context, c *symantec.Client, from, to time.Time, dir string, logger *slog.Logger, newProgress func(int) HourProgress) ([]time.Time, error) {
	ctx = retry.WithObserver(ctx, func(a retry.Attempt) {
		logger.Warn("download: retrying", "source", c.Name(), "reason", a.Reason, "attempt", a.N,
			"in", a.Wait.Round(time.Millisecond).String(), "error", a.Err.Error())
	})
	hours, err := c.ListHours(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("list hours: %w", err)
	}
	starts := make([]time.Time, len(hours))
	for i, h := range hours {
		starts[i] = h.Start
	}
	var todo []symantec.Hour
	for _, h := range hours {
		if !symantec.HourVerified(dir, h.Start) {
			todo = append(todo, h)
		}
	}
	logger.Info("download", "hours", len(hours), "already_verified", len(hours)-len(todo), "dir", dir)
	bar := newProgress(len(todo))
	defer bar.Done()
	for _, h := range todo {
		n, lines, err := c.DownloadHour(ctx, dir, h.Start)
		if err != nil {
			return nil, fmt.Errorf("download: %w (verified hours are kept; run again to resume)", err)
		}
		logger.Debug("hour downloaded", "hour", h.Start.Format(time.RFC3339), "bytes", n, "lines", lines)
		bar.Add(n)
	}
	return starts, nil
}

// Backfill delivers downloaded hours into the configured sinks as the
// stream SOURCE/accesslog-backfill, dropping lines the live accesslog
// stream delivered (by id, while its seen marks are kept).
func (a *App) Backfill(ctx context.Context, sourceName, dir string, hours []time.Time, observe func(pipeline.Event)) ([]pipeline.Result, error) {
	for _, src := range a.Sources {
		if s, ok := src.(*symantec.Source); ok && src.Name() == sourceName {
			bf := symantec.NewBackfill(s.Client(), a.Store, dir, hours)
			return pipeline.Run(ctx, []source.Source{bf}, pipeline.Options{Store: a.Store, Sinks: a.Sinks, Schemas: a.schemas(), Routes: a.routes(), Tenants: a.tenants(),
				Quarantine: a.Quarantine, Logger: a.Logger, Once: true, Owner: owner(), LeaseTTL: a.Cfg.LeaseTTL.Std(), Observe: observe}), nil
		}
	}
	return nil, fmt.Errorf("no symantec source named %q", sourceName)
}

// SymantecClient is a client of one Symantec account's APIs, for the
// commands that call them directly.
type SymantecClient = symantec.Client

// AuditQuery selects audit events by day, object and operation.
type AuditQuery = symantec.AuditQuery

// The variables every Symantec credential falls back to.
const (
	SymantecEnvUsername = symantec.EnvUsername
	SymantecEnvPassword = symantec.EnvPassword
)

// DefaultSymantecConfig is a configuration with one symantec source,
// "symantec", collecting access logs, whose credentials come from
// SWG_API_USERNAME and SWG_API_PASSWORD: what the symantec commands use
// without a configuration file. It is built in code, so no message about it
// names a file or line.
func DefaultSymantecConfig() *config.Config {
	cfg := DefaultConfig()
	s := &symantec.Config{Streams: []string{symantec.StreamAccessLog}}
	cfg.Sources = []config.Source{{Name: "symantec", Type: symantec.Factory.Type, Settings: s}}
	cfg.ApplyDefaults()
	return cfg
}

// SymantecCredential is the credential a symantec source sets under key
// (access_logs, audit or locations); zero for any other source.
func SymantecCredential(sc *config.Source, key string) config.Credential {
	s, ok := sc.Settings.(*symantec.Config)
	if !ok {
		return config.Credential{}
	}
	switch key {
	case "access_logs":
		return s.AccessLogs
	case "audit":
		return s.Audit
	}
	return s.Locations
}

// NewSymantecClient builds the client of the symantec source sc of cfg.
func NewSymantecClient(cfg *config.Config, sc *config.Source, o Options) (*SymantecClient, error) {
	src, err := symantec.Factory.New(sc.Name, sc.Settings, source.Deps{Logger: o.Logger, Now: o.Now,
		DataDir: cfg.DataDir, Observe: o.HTTP.Observe, Trace: o.HTTP.Trace})
	if err != nil {
		return nil, err
	}
	return src.(*symantec.Source).Client(), nil
}

// WriteLocations writes the account's locations as a table, JSON or CSV.
func WriteLocations(w io.Writer, locs []symantec.Location, format string) error {
	switch format {
	case "json":
		rows := make([]map[string]json.RawMessage, len(locs))
		for i, l := range locs {
			rows[i] = l.Fields
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		cw := symantec.NewCSVWriter(w, false)
		names := symantec.FieldNames(locs)
		cw.Write(names)
		for _, l := range locs {
			row := make([]string, len(names))
			for i, k := range names {
				row[i] = l.Text(k)
			}
			cw.Write(row)
		}
		return cw.Flush()
	case "table":
		return locationsTable(w, locs)
	}
	return usage("--format %q: use table, json or csv", format)
}

// locationsTable fits an 80-column terminal: id, name and type, cut with
// an ellipsis; the other fields are in --format json.
func locationsTable(w io.Writer, locs []symantec.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE")
	for _, l := range locs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cut(l.ID, 12), cut(l.Name, 44), cut(l.Text("type"), 16))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d locations (all fields: --format json)\n", len(locs))
	return nil
}

func cut(s string, n int) string {
	r := []rune(strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
