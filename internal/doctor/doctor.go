// Package doctor checks a configuration against the world: the file, the
// state store, disk space, each vendor API (reachable, clock, one cheap
// authenticated request per API role) and each sink, one line per check.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Check is one line of the report.
type Check struct {
	Name string `json:"check"`
	OK   bool   `json:"ok"`
	Skip bool   `json:"skipped,omitempty"`
	Msg  string `json:"message"`
	Fix  string `json:"fix,omitempty"`
}

// Report is every check, in order.
type Report []Check

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, c := range r {
		if !c.OK && !c.Skip {
			return true
		}
	}
	return false
}

// Write prints one line per check: ✓, ✗ with its fix, or - when skipped.
func (r Report) Write(w io.Writer) {
	for _, c := range r {
		mark := "✓"
		switch {
		case c.Skip:
			mark = "-"
		case !c.OK:
			mark = "✗"
		}
		line := fmt.Sprintf("%s %s: %s", mark, c.Name, c.Msg)
		if !c.OK && c.Fix != "" {
			line += " — " + c.Fix
		}
		fmt.Fprintln(w, line)
	}
}

// WriteJSON prints the report as a JSON array.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func ok(name, format string, args ...any) Check {
	return Check{Name: name, OK: true, Msg: fmt.Sprintf(format, args...)}
}

func fail(name, fix, format string, args ...any) Check {
	return Check{Name: name, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

func skip(name, format string, args ...any) Check {
	return Check{Name: name, Skip: true, Msg: fmt.Sprintf(format, args...)}
}

// timeout bounds each network check.
const timeout = 15 * time.Second

func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, timeout)
}
