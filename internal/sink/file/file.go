// Package file is the sink that appends records to JSON Lines files, one
// file per source, stream and UTC day:
//
//	<dir>/<source>/<stream>/YYYY-MM-DD.jsonl
//
// It is exactly-once across crashes: the position it hands the pipeline
// records the size of every day file of the stream, and Recover cuts each
// file back to that size (and removes files created later), so the batches
// redelivered from the checkpoint land exactly once.
//
// A stream without a checkpoint (Recover with a nil position) keeps whatever
// files it has, since they may hold data delivered before the state was
// reset. A crash during its first batch would then leave that batch for the
// redelivery to double. The pipeline avoids this by committing the position
// of an empty Write (Write(ctx, id, nil)) before the stream's first batch.
package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// Sink writes JSON Lines day files under one directory. It is safe for
// concurrent use by different streams.
type Sink struct {
	name string
	dir  string

	life *sink.Lifecycle // checked under st.mu by Recover and Write

	mu      sync.Mutex // guards streams; held by Close while it closes them
	streams map[record.StreamID]*stream
}

var _ sink.Sink = (*Sink)(nil)

// New returns a sink named name that writes under dir, creating dir so that
// a missing or unwritable path is reported at start-up, not at the first batch.
func New(name, dir string) (*Sink, error) {
	if dir == "" {
		return nil, errclass.Permanentf("file sink %q: empty path", name)
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("file sink %q: %w", name, err)
	}
	return &Sink{name: name, dir: dir, life: sink.NewLifecycle(), streams: make(map[record.StreamID]*stream)}, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.name }

// Recover cuts the stream's files back to pos (see the package comment); with
// a nil pos it keeps the files and only drops a torn last line. A file
// shorter than pos records is a permanent error naming the file: delivered
// records are gone and redelivery cannot restore them.
func (s *Sink) Recover(ctx context.Context, id record.StreamID, pos []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStreamID(id); err != nil {
		return err
	}
	st, err := s.streamFor(id, true)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.life.Closed() {
		return s.closedErr("recover", id)
	}
	return st.exclusive(ctx, func() error {
		if err := sink.Fence(ctx); err != nil {
			return fmt.Errorf("recover %s: %w", id, err)
		}
		return st.recover(pos)
	})
}

// Write appends recs to their day files, fsyncs them and returns the new
// position. After a failed Write the stream's files are cut back to the last
// returned position before the next Write, so a retried batch is not doubled.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := s.streamFor(id, false)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.life.Closed() {
		return nil, s.closedErr("write", id)
	}
	var pos []byte
	err = st.exclusive(ctx, func() error {
		// Under the lock, so that a writer that lost the stream while it
		// waited (or was paused) writes nothing: the new owner's Recover,
		// under the same lock, cuts whatever it might have written before.
		if err := sink.Fence(ctx); err != nil {
			return err
		}
		if err := st.write(recs); err != nil {
			return err
		}
		pos, err = st.position()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", id, err)
	}
	return pos, nil
}

// Close closes every open file. Every Write already fsynced its data, so there
// is nothing to flush. Close is idempotent.
//
// The lifecycle is closed before any stream is, and Recover and Write check
// it under the stream's lock: one that takes the lock after Close closed
// its files fails with sink.ErrClosed instead of reopening them.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.life.Close() {
		return nil
	}
	for _, st := range s.streams {
		st.mu.Lock()
		st.closeFiles()
		st.closeLock()
		st.mu.Unlock()
	}
	return nil
}

func (s *Sink) closedErr(op string, id record.StreamID) error {
	return fmt.Errorf("file sink %q: %s %s: %w", s.name, op, id, sink.ErrClosed)
}

// streamFor returns the state of id. Recover creates it (create); Write
// requires it, because without Recover the sink does not know which bytes
// on disk are already checkpointed.
func (s *Sink) streamFor(id record.StreamID, create bool) (*stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.life.Closed() {
		op := "write"
		if create {
			op = "recover"
		}
		return nil, s.closedErr(op, id)
	}
	st := s.streams[id]
	switch {
	case st == nil && create:
		st = newStream(s.dir, id)
		s.streams[id] = st
	case st == nil:
		return nil, errclass.Permanentf("write %s: Recover was not called for this stream", id)
	}
	return st, nil
}

// checkStreamID rejects source and stream names that are not one plain path
// component: they become directory names and must never escape the sink dir.
func checkStreamID(id record.StreamID) error {
	for _, n := range []struct{ what, name string }{{"source", id.Source}, {"stream", id.Stream}} {
		if n.name == "" || n.name == "." || n.name == ".." || strings.ContainsAny(n.name, "/\\\x00") {
			return errclass.Permanentf("file sink: %s name %q cannot be used as a directory name", n.what, n.name)
		}
	}
	return nil
}
