package symantec

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
	"github.com/gatelog/gatelog/internal/source/symantec/elff"
)

// StreamAccessLog is the access-log stream's name.
const StreamAccessLog = "accesslog"

// uuidField is the vendor's own unique key of an access-log line.
const uuidField = "x-bluecoat-transaction-uuid"

// arenaChunk is the size of the blocks records' Fields are written into:
// one allocation per this many bytes of JSON instead of one (and its
// growth) per record.
const arenaChunk = 512 << 10

// converter turns archive lines into records, one ELFF parser per member
// (each member has its own #Fields).
type converter struct {
	source string
	parser *elff.Parser
	member string
	emit   func(record.Record) error
	// bad takes a quarantined item; like emit, its error stops the walk.
	bad func(source.Quarantined) error
	// marks, when set, numbers each member's payload lines and drops those
	// a member mark says were done before (see marks.go).
	marks *walkMarks
	cur   *memberLines // marks of the current member
	// arena is where records' Fields are written, back to back: a record
	// keeps a slice of it, and bytes once written are not written again
	// while the record is in use. chunks, when set, recycles the blocks
	// (see chunkPool); otherwise each is new and records stay valid for
	// as long as anyone holds them.
	arena  []byte
	chunks *chunkPool
	// ids holds the vendor ids of records back to back, in blocks of
	// idBlock: each record's ID is a substring of a block, one allocation
	// for many (never reused: strings are kept as long as anyone holds
	// them).
	ids strings.Builder
}

func newConverter(src string, lim archive.Limits, emit func(record.Record) error, bad func(source.Quarantined) error) *converter {
	return &converter{source: src, parser: elff.NewParser(lim.MaxLineBytes), emit: emit, bad: bad}
}

// line handles one archive line; bad input is quarantined with its member
// and line number and the walk goes on. Only an error of emit or bad (the
// walk was stopped) ends it.
func (c *converter) line(l archive.Line) error {
	if l.Member != c.member || l.Number == 1 { // each member has its own #Fields
		c.member = l.Member
		c.parser.Reset()
		if c.marks != nil {
			c.cur = c.marks.member(l.Member)
		}
	}
	// A payload line (not a directive, not blank: every chunk of a member
	// repeats its directives) counts in the member's marks, unless it was
	// cut off by a broken member: the whole line may come again.
	if c.cur != nil && !l.Partial && elff.Classify(l.Bytes) == elff.KindData {
		if c.marks.done(c.cur, l) {
			return nil // done before: delivered, quarantined, or delivered by a stream in alsoSeen
		}
	}
	switch {
	case l.TooLong:
		return c.quarantine("line is longer than archive.max_line_bytes; its start is kept", l)
	case l.Partial:
		// A cut in the last value would still parse: never deliver it.
		return c.quarantine("line cut off where its gzip member breaks", l)
	}
	kind, err := c.parser.Line(l.Bytes)
	if err != nil {
		return c.quarantine(err.Error(), l)
	}
	if kind != elff.KindData {
		return nil
	}
	rec, err := c.record(l.Bytes)
	if err != nil {
		return c.quarantine(err.Error(), l)
	}
	if c.cur != nil {
		c.cur.delivered(rec.Time)
	}
	return c.emit(rec)
}

func (c *converter) record(raw []byte) (record.Record, error) {
	t, err := c.parser.Time()
	if err != nil {
		return record.Record{}, err
	}
	id := ""
	if v, ok := c.parser.Value(uuidField); ok && len(v) > 0 {
		id = c.id(v)
	} else {
		id = record.HashID(raw)
	}
	return record.Record{
		Time: t.UTC(), Vendor: Vendor, Source: c.source, Stream: StreamAccessLog,
		ID: id, Fields: c.fields(len(raw)),
	}, nil
}

// fields writes the parsed line's JSON object into the arena and returns
// it, capacity capped so that an append to it cannot touch the next one.
func (c *converter) fields(lineLen int) []byte {
	need := c.parser.JSONSizeHint(lineLen)
	if cap(c.arena)-len(c.arena) < need {
		c.arena = c.chunks.get(need)
	}
	start := len(c.arena)
	out := c.parser.AppendJSON(c.arena)
	if cap(out) != cap(c.arena) {
		// Longer than the hint (many escapes): append moved the whole
		// chunk. Keep the object alone in its new array.
		c.arena = c.arena[:0:0]
		return out[start:len(out):len(out)]
	}
	c.arena = out
	return out[start:len(out):len(out)]
}

// id returns v as a string kept in ids. Bytes once written to a Builder
// never change, so the string stays valid as ids grows.
func (c *converter) id(v []byte) string {
	if c.ids.Cap()-c.ids.Len() < len(v) {
		c.ids = strings.Builder{}
		c.ids.Grow(max(idBlock, len(v)))
	}
	start := c.ids.Len()
	c.ids.Write(v)
	return c.ids.String()[start:]
}

// idBlock is the size of ids' blocks: room for the uuids of about 1,800
// records.
const idBlock = 64 << 10

// newArena makes the next record start a new arena block, so that the
// records of one batch share no block with those of the next.
func (c *converter) newArena() { c.arena = nil }

// chunkPool hands out the arena blocks of a stream's batches and takes the
// blocks of a batch back once the pipeline is done with it, so that a
// stream reuses the same few MB of memory instead of asking the Go heap
// for the size of every batch again. Fresh memory is costly: the runtime
// zeroes it, and when the heap shrinks between collections it returns
// pages to the kernel that fault in again when touched; recycling the
// blocks took about 15% off the CPU of a catch-up (bench/README.md).
//
// When the blocks of a batch are no longer read rests on how the batch is
// used: the pipeline calls Fetch again only once the batch before has been
// written to every sink (source.Stream: a batch that fails is kept and
// written again, never fetched again; a rewind by Resume drops it), and a
// sink keeps nothing of the records it is given once Write returns
// (sinktest's AckAfterAcceptance scribbles over them). So once batch n+1
// has been received by Fetch, batch n is done with, and its blocks serve
// batch n+2: two batches are in memory at a time, the one being written
// and the one being built. The count goes on from one archive's walk to
// the next (a stream's walks share one pool, batchMemory). A nil pool
// allocates each block anew (ArchiveIDs and the download check keep their
// records).
type chunkPool struct {
	cur, prev [][]byte // blocks of the batch being built and of the one handed out before
	free      [][]byte
}

// get returns an empty block with room for at least n bytes.
func (p *chunkPool) get(n int) []byte {
	if p == nil || n > arenaChunk {
		return make([]byte, 0, max(arenaChunk, n))
	}
	var b []byte
	if k := len(p.free); k > 0 {
		b, p.free[k-1] = p.free[k-1][:0], nil
		p.free = p.free[:k-1]
	} else {
		b = make([]byte, 0, arenaChunk)
	}
	p.cur = append(p.cur, b)
	return b
}

// received is called once Fetch has taken the batch built in cur: the
// batch before it is done with, and its blocks become free.
func (p *chunkPool) received() {
	p.free = append(p.free, p.prev...)
	clear(p.prev)
	p.prev, p.cur = p.cur, p.prev[:0]
}

func (c *converter) quarantine(reason string, l archive.Line) error {
	where := fmt.Sprintf("member %s line %d", l.Member, l.Number)
	return c.bad(source.Quarantined{Reason: reason, Context: where, Raw: bytes.Clone(l.Bytes)})
}

// brokenMembers quarantines what the walk could not read: a gzip member
// cut short (the abort case), a member that is not gzip.
func (c *converter) brokenMembers(st archive.Stats) error {
	for _, b := range st.Broken {
		err := c.bad(source.Quarantined{Reason: fmt.Sprintf("member unreadable after line %d: %v", b.Line, b.Err), Context: "member " + b.Member})
		if err != nil {
			return err
		}
	}
	return nil
}

// walkArchive reads the spooled archive's ZIP part and converts it.
func walkArchive(f io.ReaderAt, zipSize int64, lim archive.Limits, c *converter) (archive.Stats, error) {
	st, err := archive.Walk(f, zipSize, lim, c.line)
	if berr := c.brokenMembers(st); err == nil {
		err = berr
	}
	return st, err
}

// hourOf is the sync API's unit of time: whole UTC hours.
func hourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }
