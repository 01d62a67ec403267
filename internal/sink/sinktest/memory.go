package sinktest

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// Memory is an exactly-once sink that keeps records in memory, for pipeline
// tests. Its position is the stream's record count: Recover cuts the stream
// back to it, as the file sink cuts its files back to their sizes. FailNext
// makes the next Write fail. It is safe for concurrent use.
type Memory struct {
	name string
	life *sink.Lifecycle // closed and checked under mu

	mu      sync.Mutex // guards everything below
	streams map[record.StreamID]*memStream
	fail    FailKind // injected into the next Write
}

type memStream struct {
	recs  []record.Record // what the destination holds, a failed Write's part included
	acked int             // len(recs) at the last position returned or recovered
}

var _ sink.Sink = (*Memory)(nil)

// NewMemory returns an empty Memory sink named name.
func NewMemory(name string) *Memory {
	return &Memory{name: name, life: sink.NewLifecycle(), streams: make(map[record.StreamID]*memStream)}
}

// Name returns the sink's name.
func (m *Memory) Name() string { return m.name }

// Recover cuts the stream back to pos; with a nil pos it keeps what the
// stream holds.
func (m *Memory) Recover(ctx context.Context, id record.StreamID, pos []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.life.Closed() {
		return m.closedErr("recover", id)
	}
	st := m.stream(id)
	n := len(st.recs)
	if pos != nil {
		v, err := strconv.Atoi(string(pos))
		if err != nil || v < 0 || v > n {
			return errclass.Permanentf("memory sink %q: recover %s: position %q does not fit the %d records held", m.name, id, pos, n)
		}
		n = v
	}
	st.recs, st.acked = st.recs[:n], n
	return nil
}

// Write appends a copy of recs. A transient failure (FailNext) stores half
// the batch, as a torn write would; the next Write drops that part again.
func (m *Memory) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory sink %q: write %s: %w", m.name, id, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.life.Closed() {
		return nil, m.closedErr("write", id)
	}
	st := m.stream(id)
	st.recs = st.recs[:st.acked]
	fail := m.fail
	m.fail = 0
	switch fail {
	case Transient:
		st.recs = appendCopies(st.recs, recs[:len(recs)/2])
		return nil, fmt.Errorf("memory sink %q: write %s: injected transient failure", m.name, id)
	case Permanent:
		return nil, errclass.Permanentf("memory sink %q: write %s: injected permanent failure", m.name, id)
	}
	st.recs = appendCopies(st.recs, recs)
	st.acked = len(st.recs)
	return strconv.AppendInt(nil, int64(st.acked), 10), nil
}

// Close marks the sink closed; the records stay readable. It is idempotent.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.life.Close()
	return nil
}

// FailNext makes the next Write, of any stream, fail with kind.
func (m *Memory) FailNext(kind FailKind) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = kind
}

// Records returns a copy of what the sink holds for id, in order.
func (m *Memory) Records(id record.StreamID) []record.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.streams[id]; st != nil {
		return appendCopies(nil, st.recs)
	}
	return nil
}

func (m *Memory) stream(id record.StreamID) *memStream {
	st := m.streams[id]
	if st == nil {
		st = &memStream{}
		m.streams[id] = st
	}
	return st
}

func (m *Memory) closedErr(op string, id record.StreamID) error {
	return fmt.Errorf("memory sink %q: %s %s: %w", m.name, op, id, sink.ErrClosed)
}

// appendCopies appends recs to dst, copying Fields: the caller may reuse them.
func appendCopies(dst, recs []record.Record) []record.Record {
	for _, r := range recs {
		r.Fields = bytes.Clone(r.Fields)
		dst = append(dst, r)
	}
	return dst
}
