package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

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
			return pipeline.Run(ctx, []source.Source{bf}, pipeline.Options{Store: a.Store, Sinks: a.Sinks,
				Quarantine: a.Quarantine, Logger: a.Logger, Once: true, Owner: owner(), Observe: observe}), nil
		}
	}
	return nil, fmt.Errorf("no symantec source named %q", sourceName)
}
