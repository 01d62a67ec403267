package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

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

// DownloadHours lists the complete hours in [from, to) and downloads those
// not yet verified in dir.
func DownloadHours(ctx context.Context, c *symantec.Client, from, to time.Time, dir string, logger *slog.Logger, newProgress func(int) HourProgress) error {
	hours, err := c.ListHours(ctx, from, to)
	if err != nil {
		return fmt.Errorf("list hours: %w", err)
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
			return fmt.Errorf("download: %w (verified hours are kept; run again to resume)", err)
		}
		logger.Debug("hour downloaded", "hour", h.Start.Format(time.RFC3339), "bytes", n, "lines", lines)
		bar.Add(n)
	}
	return nil
}
