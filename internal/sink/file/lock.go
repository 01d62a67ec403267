package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockName is the file in each stream folder whose fcntl lock a Write or
// Recover holds: gatelog processes sharing one folder (several instances
// on a shared volume) never interleave their writes and cuts of a stream.
const lockName = ".gatelog.lock"

// lockPoll is how often a waiting Write or Recover tries the lock again:
// fcntl's blocking wait cannot be cancelled, and a holder may be paused.
const lockPoll = 20 * time.Millisecond

// exclusive runs fn holding the stream folder's lock. The lock dies with
// its process (a holder killed with SIGKILL releases it); a paused holder
// keeps it, and the waiter waits until ctx ends.
func (st *stream) exclusive(ctx context.Context, fn func() error) error {
	f, err := st.lockFile()
	if err != nil {
		return err
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	for {
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) {
			return fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the lock of %s: %w", st.dir, context.Cause(ctx))
		case <-time.After(lockPoll):
		}
	}
	defer func() {
		lk.Type = syscall.F_UNLCK
		_ = syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk) // closing the file would release it too
	}()
	return fn()
}

// lockFile opens the stream's lock file once; fcntl locks belong to the
// process and are released when any of its descriptors of the file is
// closed, so the one handle stays open until Close.
func (st *stream) lockFile() (*os.File, error) {
	if st.lock != nil {
		return st.lock, nil
	}
	if err := os.MkdirAll(st.dir, dirPerm); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(st.dir, lockName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	st.lock = f
	return f, nil
}
