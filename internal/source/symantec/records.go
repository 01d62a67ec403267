package symantec

import (
	"bytes"
	"fmt"
	"io"
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

// converter turns archive lines into records, one ELFF parser per member
// (each member has its own #Fields).
type converter struct {
	source string
	parser *elff.Parser
	member string
	emit   func(record.Record) error
	// bad takes a quarantined item; like emit, its error stops the walk.
	bad func(source.Quarantined) error
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
	}
	where := fmt.Sprintf("member %s line %d", l.Member, l.Number)
	switch {
	case l.TooLong:
		return c.quarantine("line is longer than archive.max_line_bytes; its start is kept", where, l.Bytes)
	case l.Partial:
		// A cut in the last value would still parse: never deliver it.
		return c.quarantine("line cut off where its gzip member breaks", where, l.Bytes)
	}
	kind, err := c.parser.Line(l.Bytes)
	if err != nil {
		return c.quarantine(err.Error(), where, l.Bytes)
	}
	if kind != elff.KindData {
		return nil
	}
	rec, err := c.record(l.Bytes)
	if err != nil {
		return c.quarantine(err.Error(), where, l.Bytes)
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
		id = string(v)
	} else {
		id = record.HashID(raw)
	}
	return record.Record{
		Time: t.UTC(), Vendor: Vendor, Source: c.source, Stream: StreamAccessLog,
		ID: id, Fields: c.parser.AppendJSON(nil),
	}, nil
}

func (c *converter) quarantine(reason, where string, raw []byte) error {
	return c.bad(source.Quarantined{Reason: reason, Context: where, Raw: bytes.Clone(raw)})
}

// brokenMembers quarantines what the walk could not read: a gzip member
// cut short (the abort case), a member that is not gzip.
func (c *converter) brokenMembers(st archive.Stats) error {
	for _, b := range st.Broken {
		if err := c.quarantine(fmt.Sprintf("member unreadable after line %d: %v", b.Line, b.Err), "member "+b.Member, nil); err != nil {
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
