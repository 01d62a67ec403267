package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// ShowState writes every stream the state file at path knows to w: a table,
// or with asJSON a JSON list.
func ShowState(path string, asJSON bool, w io.Writer) error {
	store, entries, err := openStreams(path, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if asJSON {
		return writeStateJSON(w, entries)
	}
	return writeStateTable(w, entries)
}

// ResetStream forgets the checkpoint of the stream named SOURCE/STREAM in
// the state file at path, once confirm (asked with the stream's name)
// agrees. A stream the file does not hold is refused with the list of those
// it does (exit 2): resetting a misspelt name would do nothing and say
// "reset".
func ResetStream(path, name string, confirm func(id string) bool) error {
	id, err := ParseStreamID(name)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); !config.StateIsDatabase(path) && errors.Is(err, fs.ErrNotExist) {
		return usage("no stream %s to reset: nothing has been collected with the state file %s yet", id, path)
	}
	store, entries, err := openStreams(path, false)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := knownStream(id, path, entries); err != nil {
		return err
	}
	if !confirm(id.String()) {
		return usage("not reset (pass --yes to skip this question)")
	}
	return store.Reset(id)
}

// openStreams opens the state file and lists its streams.
func openStreams(path string, readOnly bool) (state.Store, []state.Entry, error) {
	store, err := openStore(context.Background(), path, readOnly)
	if err != nil {
		return nil, nil, err
	}
	entries, err := store.List()
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, entries, nil
}

// ParseStreamID reads SOURCE/STREAM.
func ParseStreamID(s string) (record.StreamID, error) {
	src, stream, ok := strings.Cut(s, "/")
	if !ok || src == "" || stream == "" {
		return record.StreamID{}, usage("%q: name a stream as SOURCE/STREAM, e.g. acme-fp/admin (see gatelog state show)", s)
	}
	return record.StreamID{Source: src, Stream: stream}, nil
}

// usage is a mistake in the command line: exit 2.
func usage(format string, args ...any) error {
	return &ExitError{Code: 2, Msg: fmt.Sprintf(format, args...)}
}

func knownStream(id record.StreamID, path string, entries []state.Entry) error {
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.ID == id {
			return nil
		}
		names = append(names, e.ID.String())
	}
	if len(names) == 0 {
		return usage("no stream %s in the state file %s: it holds no streams yet", id, path)
	}
	hint := ""
	if s := config.Suggest(id.String(), names); s != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", s)
	}
	return usage("no stream %s in the state file %s%s; known streams: %s", id, path, hint, strings.Join(names, ", "))
}

func writeStateTable(w io.Writer, entries []state.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tRECORDS\tNEWEST EVENT\tCOMMITTED\tBUDGET TODAY\tBLOCKED UNTIL\tPLAN\tINSTANCE (LEASE)")
	for _, e := range entries {
		records, newest, updated, budget, blocked, plan := "-", "-", "-", "-", "-", "-"
		owner := leaseText(e)
		if c := e.Checkpoint; c != nil {
			records, newest, updated = fmt.Sprint(c.Records), fmtTime(c.EventTime), fmtTime(c.Updated)
		}
		if b := e.Budget; b != nil {
			budget = fmt.Sprintf("%d used (%s)", b.Used, b.Day)
			if b.BlockedUntil.After(time.Now()) {
				blocked = fmtTime(b.BlockedUntil)
			}
			plan = planText(*b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, records, newest, updated, budget, blocked, plan, owner)
	}
	return tw.Flush()
}

// planText words the plan a paced stream kept with its budget at its
// latest request: "12,000 behind, caught up ~2026-11-22 14:05:00Z, every
// 4m48s", "caught up, every 4m", or "-" without one.
func planText(b state.Budget) string {
	every := "back to back"
	if b.PaceEvery > 0 {
		every = "every " + b.PaceEvery.Round(time.Second).String()
	}
	switch {
	case b.Behind == 0 && b.CatchUpAt.IsZero() && b.PaceEvery == 0:
		return "-"
	case b.Behind == 0:
		return "caught up, " + every
	case b.Behind < 0:
		return "behind (how far unknown), " + every
	case b.CatchUpAt.IsZero():
		return fmt.Sprintf("%d behind, not catching up at this budget, %s", b.Behind, every)
	}
	return fmt.Sprintf("%d behind, caught up ~%s, %s", b.Behind, fmtTime(b.CatchUpAt), every)
}

// stateRow is the JSON form of one stream's state: the cursor is shown as
// text because it is the vendor's paging position, never a credential.
type stateRow struct {
	Stream     string            `json:"stream"`
	Checkpoint *state.Checkpoint `json:"checkpoint,omitempty"`
	Cursor     string            `json:"cursor,omitempty"`
	Budget     *state.Budget     `json:"budget,omitempty"`
	LeaseOwner string            `json:"lease_owner,omitempty"`
	LeaseUntil *time.Time        `json:"lease_until,omitempty"`
	// LeaseGeneration counts the stream's tenures; 0: never leased.
	LeaseGeneration uint64 `json:"lease_generation,omitempty"`
}

// leaseText words who holds the stream: "host/123 (gen 4, until
// 10:00:05Z)", "- (gen 4)" once released, "-" when never leased. An
// expiry in the past means the holder died or stopped renewing.
func leaseText(e state.Entry) string {
	switch {
	case e.LeaseOwner != "":
		return fmt.Sprintf("%s (gen %d, until %s)", e.LeaseOwner, e.LeaseGeneration, fmtTime(e.LeaseUntil))
	case e.LeaseGeneration > 0:
		return fmt.Sprintf("- (gen %d)", e.LeaseGeneration)
	}
	return "-"
}

func writeStateJSON(w io.Writer, entries []state.Entry) error {
	rows := make([]stateRow, 0, len(entries))
	for _, e := range entries {
		r := stateRow{Stream: e.ID.String(), Checkpoint: e.Checkpoint, Budget: e.Budget, LeaseOwner: e.LeaseOwner, LeaseGeneration: e.LeaseGeneration}
		if e.Checkpoint != nil {
			r.Cursor = string(e.Checkpoint.Cursor)
		}
		if !e.LeaseUntil.IsZero() {
			r.LeaseUntil = &e.LeaseUntil
		}
		rows = append(rows, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// openLedger opens the request ledger an ad-hoc command counts against:
// the state file at path, or with noState one in memory.
func openLedger(path string, noState bool) (state.Store, error) {
	if noState {
		return memstate.New(), nil
	}
	s, err := openStore(context.Background(), path, false)
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("%w (a running gatelog holds it; the export would share its request budget: stop it, or pass --no-state)", err)
	}
	return s, err
}
