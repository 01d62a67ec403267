package symantec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// Quarantined input is handed out with the next batch once this many items
// or bytes have gathered: an archive of garbage must not grow memory while
// it waits for good records to fill a batch.
const (
	maxBadItems = 1000
	maxBadBytes = 4 << 20
)

// walker reads one spooled archive on its own goroutine, under the
// stream's run context, and hands it out in batches of at most BatchSize
// records and about BatchBytes of their JSON: memory follows the batch
// size, not the archive (which can be GBs).
type walker struct {
	out    chan walkItem
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine has ended and removed its spool file
}

type walkItem struct {
	batch *source.Batch
	cur   syncCursor
	final bool
	err   error
}

// startWalk reads sp in the background. Batches before the last carry the
// cursor that fetched this archive, with Replay set: resuming from one
// re-reads the archive and drops what was committed. The last batch
// carries the archive's new token.
func (s *syncStream) startWalk(sp *spooled) {
	ctx, cancel := context.WithCancel(s.runCtx)
	w := &walker{out: make(chan walkItem), cancel: cancel, done: make(chan struct{})}
	s.active = w
	go func() {
		defer close(w.done)
		s.walk(ctx, w, sp, s.cur)
	}()
}

// stopWalk ends the walk in progress and waits until its goroutine is gone.
func (s *syncStream) stopWalk() {
	if s.active != nil {
		s.active.cancel()
		<-s.active.done
		s.active = nil
	}
}

// next hands out the next batch of the archive being read.
func (s *syncStream) next(ctx context.Context) (*source.Batch, error) {
	select {
	case it, ok := <-s.active.out:
		if !ok || it.err != nil {
			s.stopWalk()
			if it.err == nil {
				it.err = errors.New("archive reader stopped early")
			}
			if errors.Is(it.err, errGone) {
				s.restart(it.err)
			}
			return nil, it.err
		}
		s.cur = it.cur
		if it.final {
			s.stopWalk()
		}
		return it.batch, nil
	case <-ctx.Done():
		s.stopWalk()
		return nil, ctx.Err()
	}
}

// batcher collects records of one archive into batches.
type batcher struct {
	s      *syncStream
	ctx    context.Context
	w      *walker
	replay bool // re-reading lines that may have been delivered
	// legacy lists the streams whose per-record seen marks (written before
	// member marks) are still to be checked while replaying.
	legacy   []record.StreamID
	conv     *converter
	marks    *walkMarks
	recs     []record.Record
	bytes    int // of recs' Fields
	bad      []source.Quarantined
	badBytes int
	cur      syncCursor
	first    bool
	sp       *spooled
}

func (s *syncStream) walk(ctx context.Context, w *walker, sp *spooled, start syncCursor) {
	defer close(w.out)
	defer sp.discard()
	b := &batcher{s: s, ctx: ctx, w: w, replay: start.Replay, cur: start, first: true, sp: sp}
	b.cur.Replay = true
	if start.Legacy != 0 {
		b.legacy = append(b.legacy, s.id)
	}
	var also [][]memberMark
	for _, id := range s.alsoSeen {
		marks, legacy, err := otherMarks(s.seen, id)
		if err != nil {
			b.send(walkItem{err: err})
			return
		}
		also = append(also, marks)
		if legacy {
			b.legacy = append(b.legacy, id)
		}
	}
	b.marks = newWalkMarks(start.Members, s.wholeMembers, also)
	b.marks.changed = b.changed
	b.conv = newConverter(s.id.Source, s.c.cfg.Limits, b.add, b.quarantine)
	b.conv.marks = b.marks
	b.conv.chunks = &s.mem.chunks
	b.recs = s.mem.received(nil, s.c.cfg.BatchSize)
	_, err := walkArchive(sp.file, sp.zipSize, s.c.cfg.Limits, b.conv)
	if ctx.Err() != nil {
		return
	}
	if err != nil && sp.zipSize < 1024 {
		// "A 203-byte response means a partial ZIP that typically will
		// never return a valid zip file with this token": start over.
		err = fmt.Errorf("partial archive of %d bytes (%v): %w", sp.zipSize, err, errGone)
		b.send(walkItem{err: errclass.WithReason(err, errclass.ReasonTruncated)})
		return
	}
	if err != nil {
		_ = b.quarantine(source.Quarantined{Reason: "archive could not be read to the end: " + err.Error(),
			Context: fmt.Sprintf("sync archive of %d bytes, token %s", sp.size, sp.trailer.Token)})
	}
	b.finish(start)
}

// changed reports a member whose lines, read again, differ from the ones
// its mark counts as done.
func (b *batcher) changed(member string, lines int64) error {
	b.s.c.cfg.Logger.Warn("an archive member read again differs from what was delivered of it; some of its lines may be missing or doubled",
		"source", b.s.id.Source, "stream", b.s.id.Stream, "member", member, "lines", lines)
	return b.quarantine(source.Quarantined{
		Reason:  fmt.Sprintf("member read again differs from what was delivered of it: the CRC-32C of its first %d lines changed; some of them may be missing or doubled", lines),
		Context: "member " + member})
}

// add takes one record, sending a batch when it is full.
func (b *batcher) add(r record.Record) error {
	b.recs = append(b.recs, r)
	b.bytes += len(r.Fields)
	if len(b.recs) < b.s.c.cfg.BatchSize && b.bytes < b.s.c.cfg.BatchBytes {
		return nil
	}
	return b.flush(false)
}

// quarantine takes one bad item, sending a batch when enough have gathered.
func (b *batcher) quarantine(q source.Quarantined) error {
	b.bad = append(b.bad, q)
	b.badBytes += len(q.Raw) + len(q.Reason) + len(q.Context)
	if len(b.bad) < maxBadItems && b.badBytes < maxBadBytes {
		return nil
	}
	return b.flush(false)
}

// finish sends the last batch with the archive's new token.
func (b *batcher) finish(start syncCursor) {
	if start.Token == "" { // a session's first token starts its 24-hour life
		b.cur.Issued = b.s.c.cfg.Now()
	}
	b.cur.Token = b.sp.trailer.Token
	b.cur.Replay = start.Replay && b.sp.trailer.Status != "done"
	_ = b.flush(true)
}

// flush filters the collected records (when replaying) and sends them with
// the cursor that commits them: the member marks as they stand after them.
func (b *batcher) flush(final bool) error {
	if b.marks.err != nil {
		_ = b.send(walkItem{err: b.marks.err})
		return b.marks.err
	}
	recs, err := b.unseen(b.recs)
	if err != nil {
		_ = b.send(walkItem{err: err})
		return err
	}
	for _, r := range recs {
		if r.Time.After(b.cur.LastTime) {
			b.cur.LastTime = r.Time
		}
	}
	batch := &source.Batch{Records: recs, Bad: b.bad,
		CaughtUp: final && b.sp.trailer.Status == "done"}
	if b.first {
		batch.Requests, batch.Bytes, b.first = 1, b.sp.size, false
	}
	cur := b.cur
	cur.Members = b.marks.snapshot(final, unixHour(b.cur.LastTime), cutoffHour(b.cur.LastTime))
	batch.Cursor, _ = json.Marshal(cur) // strings, times, numbers and a bool always marshal
	b.conv.newArena()
	if err := b.send(walkItem{batch: batch, cur: cur, final: final}); err != nil {
		return err
	}
	b.recs, b.bytes, b.bad, b.badBytes = b.s.mem.received(recs, b.s.c.cfg.BatchSize), 0, nil, 0
	b.conv.chunks.received()
	return nil
}

// batchMemory is what a stream's walks reuse from batch to batch, one
// archive after another: the blocks records' Fields are written into and
// the slices of records. Walks run one at a time (stopWalk waits for the
// one before to end), so they share it without a lock.
type batchMemory struct {
	chunks chunkPool
	// oldRecs is the record slice of the batch before the last one Fetch
	// received, reused as chunkPool reuses Fields' blocks.
	oldRecs []record.Record
}

// received is called once Fetch has taken the batch whose records are in
// out (nil: none yet), and returns the slice the next batch's records go
// into: that of the batch before out, emptied (see chunkPool for why
// nothing reads it any more), or a new one.
func (m *batchMemory) received(out []record.Record, size int) []record.Record {
	var next []record.Record
	if out != nil {
		next, m.oldRecs = m.oldRecs, out
	}
	if cap(next) < size {
		return make([]record.Record, 0, size)
	}
	clear(next[:cap(next)])
	return next[:0]
}

func (b *batcher) send(it walkItem) error {
	select {
	case b.w.out <- it:
		return nil
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
}

// unseen drops records that per-record seen marks of an older version say
// were delivered, when replaying: lines delivered since are known by their
// member marks and never reach here.
func (b *batcher) unseen(recs []record.Record) ([]record.Record, error) {
	if !b.replay {
		return recs, nil
	}
	for _, id := range b.legacy {
		var err error
		if recs, err = dropSeen(b.s.seen, id, recs); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// dropSeen removes the records a committed checkpoint marked seen.
func dropSeen(seen state.SeenMarks, id record.StreamID, recs []record.Record) ([]record.Record, error) {
	if len(recs) == 0 || seen == nil {
		return recs, nil
	}
	keys := make([]state.SeenID, len(recs))
	for i, r := range recs {
		keys[i] = state.SeenID{Time: r.Time, ID: r.ID}
	}
	done, err := seen.Seen(id, keys)
	if err != nil {
		return nil, fmt.Errorf("check delivered records: %w", err)
	}
	out := recs[:0]
	for i, r := range recs {
		if !done[i] {
			out = append(out, r)
		}
	}
	return out, nil
}

// pruneBefore is how long seen marks are kept: a restarted session re-reads
// from the hour of the newest delivered event, and lines arrive out of
// order, so keep marks of the two hours before it too.
func pruneBefore(last time.Time) time.Time {
	if last.IsZero() {
		return time.Time{}
	}
	return hourOf(last).Add(-2 * time.Hour)
}
