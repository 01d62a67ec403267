package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// Commits are not tied to batches: a runner writes each batch to its sinks
// at once but commits the checkpoint for several together, when
// CommitBytes of records or CommitEvery of time have gathered since the
// last commit, when a batch is caught up or quarantined something, and
// before any wait or exit. Small batches (bounded memory) thus cost no more
// commits than large ones. Between commits the sinks hold records the
// checkpoint does not: a failure rolls every sink back to the checkpoint
// and rewinds the stream to its cursor (Stream.Resume) to read them again,
// as a restart would; only the batch that failed alone is kept and written
// again without reading it anew. After a failure the batches up to the one
// that failed are committed one by one.

// written is what the sinks took since the last commit.
type written struct {
	batches  int
	records  int
	bytes    int64 // record bytes, for CommitBytes
	bad      int
	requests int
	fetched  int64 // response bytes
	since    time.Time
	// withPending: the pending batch is among them (it was written, and
	// its commit failed).
	withPending bool
	cursor      []byte
	eventTime   time.Time
	seen        []state.SeenID
	prune       time.Time
}

func (w *written) add(b *source.Batch, now time.Time) {
	if w.batches == 0 {
		w.since = now
	}
	w.batches++
	w.records += len(b.Records)
	w.bad += len(b.Bad)
	w.requests += b.Requests
	w.fetched += b.Bytes
	w.cursor = b.Cursor
	for _, rec := range b.Records {
		w.bytes += int64(len(rec.Fields))
		if rec.Time.After(w.eventTime) {
			w.eventTime = rec.Time
		}
		if b.MarkSeen {
			w.seen = append(w.seen, state.SeenID{Time: rec.Time, ID: rec.ID})
		}
	}
	if b.MarkSeen {
		w.prune = b.PruneSeenBefore
	}
}

// commitDue says whether the batch just written is to be committed now.
func (r *runner) commitDue(b *source.Batch) bool {
	if r.eachFor > 0 {
		r.eachFor--
		return true
	}
	w := &r.unc
	// A batch that marks records seen is committed at once: the source
	// may re-read a range and drop what the store says was delivered.
	return b.CaughtUp || b.MarkSeen || len(b.Bad) > 0 || w.bytes >= r.o.CommitBytes || r.o.Now().Sub(w.since) >= r.o.CommitEvery
}

// deliver writes the batch to every sink and commits when due. Nothing is
// committed unless every sink accepted every batch since the last commit.
func (r *runner) deliver(ctx context.Context, b *source.Batch) error {
	if tenant := r.o.Tenants[r.st.ID().Source]; tenant != "" {
		for i := range b.Records {
			b.Records[i].Tenant = tenant
		}
	}
	positions, err := r.writeAll(ctx, b.Records)
	if err != nil {
		r.flushWritten()
		return err
	}
	r.positions = positions
	r.unc.add(b, r.o.Now())
	r.unc.withPending = true
	if !r.commitDue(b) {
		return nil
	}
	return r.flush()
}

// flush commits what the sinks took since the last commit.
func (r *runner) flush() error {
	w := r.unc
	if err := r.commit(w); err != nil {
		return err
	}
	r.unc = written{}
	r.delivered += uint64(w.records)
	r.o.Logger.Debug("batch delivered", "source", r.st.ID().Source, "stream", r.st.ID().Stream, "records", w.records, "batches", w.batches,
		"quarantined", w.bad, "requests", w.requests, "bytes", w.fetched, "newest_event", r.cp.EventTime.UTC().Format(time.RFC3339))
	r.emit(Event{Kind: EventDelivered, Records: w.records, Batches: w.batches, Bad: w.bad, Requests: w.requests, Bytes: w.fetched, EventTime: r.cp.EventTime})
	return nil
}

// flushWritten commits the batches written before the one whose write
// just failed, at the positions before it: what that write left beyond
// them is rolled back before it is written again. So a failing sink costs
// no more than that one batch. Nothing is committed once the lease is lost.
func (r *runner) flushWritten() {
	if r.unc.batches == 0 || r.unc.withPending || r.lease.check() != nil {
		return
	}
	if err := r.flush(); err != nil {
		id := r.st.ID()
		r.o.Logger.Warn("could not commit the batches written before a failed one; they are delivered again", "source", id.Source, "stream", id.Stream, "error", err.Error())
	}
}

// flushBeforeWait commits what was written before the runner waits or
// stops, unless a failed delivery left the sinks to roll back.
func (r *runner) flushBeforeWait() {
	if r.unc.batches == 0 || r.dirty || r.lease.check() != nil {
		return
	}
	if err := r.flush(); err != nil {
		r.dirty = true
		id := r.st.ID()
		r.o.Logger.Warn("could not commit before waiting; the batches are delivered again", "source", id.Source, "stream", id.Stream, "error", err.Error())
	}
}

func (r *runner) commit(w written) error {
	cursor := w.cursor
	if w.batches == 0 {
		cursor = r.cp.Cursor
	}
	if w.records == 0 && bytes.Equal(cursor, r.cp.Cursor) && samePositions(r.positions, r.cp.Sinks) && !r.cp.Updated.IsZero() {
		return nil // nothing moved: spare the fsync
	}
	cp := state.Checkpoint{Cursor: cursor, Sinks: r.positions, EventTime: r.cp.EventTime,
		Records: r.cp.Records + uint64(w.records), Updated: r.o.Now().UTC(), Seen: w.seen, PruneSeenBefore: w.prune}
	if w.eventTime.After(cp.EventTime) {
		cp.EventTime = w.eventTime
	}
	// The store checks the generation in the commit's own transaction; the
	// deadline is checked first, so that a lease given up is not committed
	// with even while the store would still take it.
	if err := r.lease.check(); err != nil {
		return err
	}
	cp.Generation = r.lease.gen
	if err := r.o.Store.Commit(r.st.ID(), cp); err != nil {
		if errors.Is(err, state.ErrFenced) {
			r.lease.lose(err) // final: never retried, the batch is not written again
			return fmt.Errorf("commit checkpoint: %w", err)
		}
		if errors.Is(err, state.ErrUnavailable) {
			// It may have landed or not: settleUnsure asks the store before
			// anything is written again.
			r.unsure = &cp
			return errclass.WithReason(fmt.Errorf("commit checkpoint: %w", err), errclass.ReasonState)
		}
		return errclass.Permanent(fmt.Errorf("commit checkpoint: %w", err))
	}
	cp.Seen, cp.Generation = nil, 0
	r.cp = cp
	return nil
}

// settleUnsure finds out whether a commit the store did not confirm landed:
// if it did, it stands (rolling the sinks back and reading the records
// again would be wrong where a source drops what its seen marks or cursor
// say was delivered); if not, the batches are written again.
func (r *runner) settleUnsure() error {
	if r.unsure == nil {
		return nil
	}
	cur, ok, err := r.o.Store.Checkpoint(r.st.ID())
	if err != nil {
		return errclass.WithReason(fmt.Errorf("find out whether the last commit landed: %w", err), errclass.ReasonState)
	}
	cp := *r.unsure
	r.unsure = nil
	if !ok || !cur.Updated.Equal(cp.Updated) || cur.Records != cp.Records || !bytes.Equal(cur.Cursor, cp.Cursor) {
		return nil // it did not: the failed delivery is rolled back and done again
	}
	cp.Seen, cp.Generation = nil, 0
	w := r.unc
	r.cp, r.unc, r.dirty = cp, written{}, false
	if w.withPending {
		r.pending = nil
	}
	r.delivered += uint64(w.records)
	r.emit(Event{Kind: EventDelivered, Records: w.records, Batches: w.batches, Bad: w.bad, Requests: w.requests, Bytes: w.fetched, EventTime: r.cp.EventTime})
	return nil
}

// rollback returns every sink to the committed checkpoint after a failed
// delivery, so that nothing is stored twice. Batches written since the
// commit other than the pending one are no longer in memory: the stream is
// rewound to the checkpoint's cursor to read them again.
func (r *runner) rollback(ctx context.Context) error {
	if !r.dirty {
		return nil
	}
	for _, s := range r.o.Sinks {
		if r.stopped[s.Name()] != nil {
			continue
		}
		if err := r.lease.check(); err != nil {
			return err
		}
		if err := s.Recover(ctx, r.st.ID(), r.cp.Sinks[s.Name()]); err != nil {
			return fmt.Errorf("sink %s: roll back to the checkpoint: %w", s.Name(), err)
		}
	}
	r.positions = r.cp.Sinks
	// Commit each batch until past the one that failed, so that a sink
	// failing every few writes still lets the stream move on.
	r.eachFor = r.unc.batches + 1
	if r.unc.batches > 1 || r.unc.batches == 1 && !r.unc.withPending {
		if err := r.st.Resume(ctx, r.cp.Cursor); err != nil {
			return fmt.Errorf("rewind the stream to the checkpoint: %w", err)
		}
		r.pending = nil
	}
	r.unc = written{}
	r.dirty = false
	return nil
}
