package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
	"github.com/gatelog/gatelog/internal/state/postgres"
)

// openStore opens the state the configuration names: a PostgreSQL
// database for a postgres:// URL, else the bolt file (read-only for
// commands that only look).
func openStore(ctx context.Context, where string, readOnly bool) (state.Store, error) {
	if config.StateIsDatabase(where) {
		return postgres.Open(ctx, where, postgres.Options{})
	}
	return bolt.Open(where, bolt.Options{ReadOnly: readOnly})
}

// ShownState is a state location as logs and messages may show it: a
// database URL with its password masked.
func ShownState(where string) string { return config.ShownState(where) }

// MigrateReport counts what MigrateState copied.
type MigrateReport struct {
	Streams, Marks, Budgets int
}

// MigrateState copies every stream's checkpoint, seen marks and budget
// (its throttle included) from the state at from to the state at to, so
// that collection goes on there without collecting again. Leases are not
// copied: the next run takes its own. It refuses a destination that
// already holds one of the streams, and a source store still in use
// (state.ErrLocked). progress, if set, is told each stream copied.
func MigrateState(ctx context.Context, from, to string, progress func(id string)) (MigrateReport, error) {
	var rep MigrateReport
	src, err := openStore(ctx, from, true)
	if err != nil {
		return rep, fmt.Errorf("open --from: %w", err)
	}
	defer src.Close()
	lister, ok := src.(state.MarkLister)
	if !ok {
		return rep, errors.New("--from: this store cannot list its seen marks")
	}
	dst, err := openStore(ctx, to, false)
	if err != nil {
		return rep, fmt.Errorf("open --to: %w", err)
	}
	defer dst.Close()
	entries, err := src.List()
	if err != nil {
		return rep, err
	}
	if err := destinationEmpty(dst, entries); err != nil {
		return rep, err
	}
	for _, e := range entries {
		if err := copyStream(e, lister, dst, &rep); err != nil {
			return rep, fmt.Errorf("%s: %w", e.ID, err)
		}
		if progress != nil {
			progress(e.ID.String())
		}
	}
	return rep, nil
}

// destinationEmpty refuses to overwrite a stream the destination holds:
// its checkpoint may be newer than the source's.
func destinationEmpty(dst state.Store, entries []state.Entry) error {
	have, err := dst.List()
	if err != nil {
		return err
	}
	for _, h := range have {
		for _, e := range entries {
			if h.ID == e.ID && (h.Checkpoint != nil || h.SeenMarks > 0) {
				return fmt.Errorf("--to already holds %s: migrate into a state that does not (or reset it there first)", h.ID)
			}
		}
	}
	return nil
}

// markChunk bounds the marks held in memory and sent in one commit.
const markChunk = 10000

// copyStream copies one stream: its marks in chunks, each committed with
// the checkpoint (Commit adds marks and replaces the checkpoint with the
// same value), then its budget.
func copyStream(e state.Entry, src state.MarkLister, dst state.Store, rep *MigrateReport) error {
	var cp state.Checkpoint
	if e.Checkpoint != nil {
		cp = *e.Checkpoint
	}
	var marks []state.SeenID
	flush := func() error {
		cp.Seen = marks
		err := dst.Commit(e.ID, cp)
		rep.Marks += len(marks)
		marks = marks[:0]
		return err
	}
	err := src.Marks(e.ID, func(m state.SeenID) error {
		if marks = append(marks, m); len(marks) == markChunk {
			return flush()
		}
		return nil
	})
	if err == nil && (len(marks) > 0 || e.Checkpoint != nil) {
		err = flush()
	}
	if err != nil {
		return err
	}
	rep.Streams++
	if e.Budget != nil {
		rep.Budgets++
		return dst.SetBudget(e.ID, *e.Budget)
	}
	return nil
}
