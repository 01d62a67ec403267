package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatelog/gatelog/internal/errclass"
)

// recover resets the stream to what pos says is on disk. The directory is
// listed here, once, so that Writes never have to.
func (st *stream) recover(pos []byte) error {
	st.closeFiles()
	st.dirReady = false // parents may have been created but not fsynced by a crashed run
	if pos == nil {
		return st.trimTorn()
	}
	want, err := decodePosition(pos)
	if err != nil {
		return errclass.Permanent(fmt.Errorf("recover %s: %w", st.dir, err))
	}
	return st.reconcile(want)
}

// trimTorn is recovery without a checkpoint: whatever is on disk was written
// by a run that never checkpointed, so it stays, except a torn last line.
func (st *stream) trimTorn() error {
	onDisk, err := listDayFiles(st.dir)
	if err != nil {
		return fmt.Errorf("recover %s: %w", st.dir, err)
	}
	sizes := make(map[string]int64, len(onDisk))
	for name, size := range onDisk {
		path := filepath.Join(st.dir, name)
		end, err := trimTornLine(path, size)
		if err != nil {
			return fmt.Errorf("recover %s: %w", path, err)
		}
		sizes[name] = end
	}
	st.sizes, st.needRecover = sizes, false
	return nil
}

// reconcile makes the day files match want: longer files are cut back (those
// bytes were written after the checkpoint and will be redelivered), files
// want does not know are removed (created after the checkpoint), files it
// knows but that are gone were removed for retention and are forgotten.
// It checks every file before changing any, so an error changes nothing.
func (st *stream) reconcile(want map[string]int64) error {
	onDisk, err := listDayFiles(st.dir)
	if err != nil {
		return fmt.Errorf("recover %s: %w", st.dir, err)
	}
	if err := checkNoneShrank(st.dir, onDisk, want); err != nil {
		return err
	}
	sizes := make(map[string]int64, len(onDisk))
	removed := false
	for name, size := range onDisk {
		path := filepath.Join(st.dir, name)
		w, known := want[name]
		switch {
		case !known:
			err = os.Remove(path)
			removed = true
		case size > w:
			err = truncate(path, w)
		}
		if err != nil {
			return fmt.Errorf("recover %s: %w", path, err)
		}
		if known {
			sizes[name] = w
		}
	}
	if removed {
		if err := syncDir(st.dir); err != nil {
			return fmt.Errorf("recover %s: %w", st.dir, err)
		}
	}
	st.sizes, st.needRecover = sizes, false
	return nil
}

// checkNoneShrank fails if a file is shorter than the position recorded:
// records that were delivered and checkpointed are gone, and redelivery
// cannot bring them back. A human has to look; retrying cannot help.
func checkNoneShrank(dir string, onDisk, want map[string]int64) error {
	for name, size := range onDisk {
		if w, ok := want[name]; ok && size < w {
			path := filepath.Join(dir, name)
			return errclass.Permanent(fmt.Errorf("recover %s: file has %d bytes but %d were delivered and checkpointed: "+
				"delivered records were deleted or the file was truncated outside gatelog", path, size, w))
		}
	}
	return nil
}

// listDayFiles returns the size of every regular .jsonl file in dir; a
// missing dir has none.
func listDayFiles(dir string) (map[string]int64, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, err
	}
	files := make(map[string]int64, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		files[e.Name()] = fi.Size()
	}
	return files, nil
}

// trimTornLine cuts the bytes after the last newline of a file of the given
// size and returns the new size.
func trimTornLine(path string, size int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	end, err := afterLastNewline(f, size)
	_ = f.Close() // read-only
	if err != nil || end == size {
		return end, err
	}
	return end, truncate(path, end)
}

// afterLastNewline returns the offset just past the last '\n' in the first
// size bytes of r, or 0 if there is none. It reads backwards because the
// torn part is at most one line.
func afterLastNewline(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := r.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// truncate cuts path to size and fsyncs it, so that a crash right after
// recovery cannot bring the cut bytes back.
func truncate(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
