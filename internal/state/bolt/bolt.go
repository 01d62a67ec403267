// Package bolt is the embedded checkpoint store: a single bbolt file that
// one gatelog process holds at a time. Every write is one bbolt transaction,
// and bbolt fsyncs each commit, so a write method returns only once its
// change is on disk and a crash leaves either the old or the new value.
package bolt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

var _ state.Store = (*Store)(nil)

// ErrReadOnly is returned by write methods of a store opened with ReadOnly.
var ErrReadOnly = errors.New("state store is open read-only")

// defaultTimeout bounds the wait for another process's file lock, so a
// second gatelog fails fast with ErrLocked instead of hanging.
const defaultTimeout = time.Second

// Options tune Open.
type Options struct {
	// Timeout is how long to wait for the file lock; 0 means 1s.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock for inspection
	// (`gatelog state show`); every write method then fails with ErrReadOnly.
	ReadOnly bool
	// Now is the clock leases are judged by; nil means time.Now. Tests
	// inject a fake clock so lease expiry needs no sleeping.
	Now func() time.Time
}

// Store is a state.Store kept in one bbolt file.
type Store struct {
	db       *bbolt.DB
	path     string
	readOnly bool
	now      func() time.Time
	// Heartbeats: one process holds the file, so the instances are this
	// process's runs, in memory.
	state.Heartbeats

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store at path, creating it (and its directory) unless
// opts.ReadOnly. It fails with an error wrapping state.ErrLocked when another
// process holds the file, and with a *DamagedError (wrapping
// state.ErrDamaged) when the file exists but is empty or damaged: such a
// file is never used, nor changed.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	db, err := openDB(path, opts)
	if err != nil {
		return nil, err
	}
	if err := guard(func() error { return checkSchema(db, opts.ReadOnly) }); err != nil {
		_ = db.Close()
		if err := asDamaged(path, err); errors.Is(err, state.ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open state store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: opts.ReadOnly, now: opts.Now}
	s.Heartbeats.Now = opts.Now
	return s, nil
}

// openDB opens the bbolt file and turns its failures into errors that tell
// the user what to do next. An existing file is probed and verified (see
// damage.go) before anything else reads it; a missing one is created.
func openDB(path string, opts Options) (*bbolt.DB, error) {
	existed, err := fileExists(path, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	if existed {
		if err := probe(path, opts); err != nil {
			return nil, asDamaged(path, err)
		}
	} else if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open state store %s: %w", path, err)
		}
	}
	// PreLoadFreelist: read the freelist (which probe checked) here, under
	// guard, rather than in the goroutine tx.Check starts (bbolt loads it
	// here anyway when writable).
	db, err := openGuarded(path, &bbolt.Options{
		Timeout:         opts.Timeout,
		ReadOnly:        opts.ReadOnly,
		PreLoadFreelist: true,
	})
	if err != nil {
		return nil, openError(path, existed, err)
	}
	if err := verify(path, db); err != nil {
		_ = db.Close()
		return nil, asDamaged(path, err)
	}
	return db, nil
}

// fileExists reports whether path exists. A read-only open cannot create
// the file, so a missing one is reported here.
func fileExists(path string, readOnly bool) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist) && readOnly:
		return false, fmt.Errorf("open state store %s: %w (nothing has been collected with this state file yet)", path, fs.ErrNotExist)
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("open state store %s: %w", path, err)
	}
}

// Close releases the file. Only the first call does anything.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close state store %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// update runs fn in one durable write transaction, refusing early on a
// read-only store so the caller learns why instead of bbolt's generic error.
func (s *Store) update(op string, id record.StreamID, fn func(*bbolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("%s %s in %s: %w", op, id, s.path, ErrReadOnly)
	}
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("%s %s: %w", op, id, err)
	}
	return nil
}

// view runs fn in a read transaction and names the operation on failure.
func (s *Store) view(op string, id record.StreamID, fn func(*bbolt.Tx) error) error {
	if err := s.db.View(fn); err != nil {
		return fmt.Errorf("%s %s: %w", op, id, err)
	}
	return nil
}
