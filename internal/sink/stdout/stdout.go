// Package stdout is the sink that writes records as JSON Lines to a writer,
// normally the process's standard output, for piping into other tools.
//
// It keeps no position: what a crash loses in flight is redelivered from the
// checkpoint, so a reader downstream may see a batch twice (at-least-once).
package stdout

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// Sink writes envelope lines to an io.Writer. Batches of concurrent Writes
// are serialized, so each batch appears contiguously.
type Sink struct {
	name string
	life *sink.Lifecycle // closed under mu, so Close waits for a batch in progress

	mu   sync.Mutex // guards everything below; held for a whole batch
	w    *lineWriter
	bw   *bufio.Writer
	file *os.File // w's writer, when it is a file that may be fsynced
}

// lineWriter tells whether the output ends inside a line: a failed write
// may have sent part of one, which the next batch must not continue.
type lineWriter struct {
	w       io.Writer
	midLine bool
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if n > 0 {
		l.midLine = p[n-1] != '\n'
	}
	return n, err
}

var _ sink.Sink = (*Sink)(nil)

// New returns a sink named name writing to w. It does not close w.
func New(name string, w io.Writer) *Sink {
	lw := &lineWriter{w: w}
	s := &Sink{name: name, life: sink.NewLifecycle(), w: lw, bw: bufio.NewWriterSize(lw, 64<<10)}
	if f, ok := w.(*os.File); ok {
		s.file = f
	}
	return s
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.name }

// Recover has nothing to roll back: a writer has no state. It fails only
// once the sink is closed.
func (s *Sink) Recover(_ context.Context, id record.StreamID, _ []byte) error {
	if s.life.Closed() {
		return s.closedErr("recover", id)
	}
	return nil
}

// Write writes recs, one line each, flushes them and, when w is a regular
// file, fsyncs it. The position is always nil.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.life.Closed() {
		return nil, s.closedErr("write", id)
	}
	if err := s.writeBatch(recs); err != nil {
		// bufio.Writer keeps failing after an error; drop the unsent rest
		// so that the retried batch starts clean.
		s.bw.Reset(s.w)
		return nil, fmt.Errorf("write %s: %w", id, err)
	}
	return nil, nil
}

func (s *Sink) writeBatch(recs []record.Record) error {
	if s.w.midLine {
		// End the torn line of a failed write, or it would swallow the
		// first record of this batch: readers skip it as one bad line.
		if err := s.bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	for i := range recs {
		// Encode straight into bufio's free space: no copy when it fits.
		line := recs[i].AppendJSON(s.bw.AvailableBuffer())
		if _, err := s.bw.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	if err := s.bw.Flush(); err != nil {
		return err
	}
	return s.sync()
}

// sync fsyncs a file target. Pipes and terminals cannot be fsynced
// (EINVAL, ENOTSUP); once seen, syncing is skipped for good.
func (s *Sink) sync() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		s.file = nil
		return nil
	}
	return err
}

// Close marks the sink closed; every Write already flushed. It does not
// close w, which the caller owns. Close is idempotent.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.life.Close()
	return nil
}

func (s *Sink) closedErr(op string, id record.StreamID) error {
	return fmt.Errorf("stdout sink %q: %s %s: %w", s.name, op, id, sink.ErrClosed)
}
