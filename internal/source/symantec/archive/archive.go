// Package archive reads the response of the Symantec Cloud SWG access-log
// APIs (sync and download): a ZIP of gzip'd ELFF files with a "sync trailer"
// appended after the ZIP bytes.
//
// The body is first spooled to a temporary file (Spool), the trailer is
// found in the file's tail (FindTrailer), and the ZIP before it is streamed
// member by member, line by line (Walk). Memory stays bounded by Limits
// whatever the size of the archive: nothing is ever read whole.
package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Errors, wrapped with the numbers that explain them; test with errors.Is.
var (
	// ErrTooLarge: the response body is larger than MaxSpoolBytes.
	ErrTooLarge = errors.New("response body too large")
	// ErrLimit: the archive breaks a limit that applies to it as a whole
	// (member count, central directory size, total uncompressed bytes).
	// Retrying the same request returns the same archive.
	ErrLimit = errors.New("archive limit exceeded")
	// ErrRatio: one member expands more than MaxRatio (a zip bomb). It is
	// reported per member in Stats.Broken; the walk goes on.
	ErrRatio = errors.New("member compression ratio too high")
	// ErrNotZip: the bytes before the trailer are not a readable ZIP
	// (for example the 203-byte partial archive the API sometimes sends).
	ErrNotZip = errors.New("not a valid zip")
	// ErrTrailer: the sync trailer is missing or malformed.
	ErrTrailer = errors.New("bad sync trailer")
)

// Limits bound what one response may cost. A zero field means its default.
// The YAML keys are those of a symantec source's archive block.
type Limits struct {
	MaxSpoolBytes   int64   `yaml:"max_bytes"`              // largest response body accepted on disk
	MaxMembers      int     `yaml:"max_members"`            // ZIP entries, of any kind
	MaxUncompressed int64   `yaml:"max_uncompressed_bytes"` // total uncompressed bytes across members
	MaxRatio        float64 `yaml:"max_ratio"`              // uncompressed bytes / archive bytes read, per member
	MaxLineBytes    int     `yaml:"max_line_bytes"`         // longer lines are delivered truncated, flagged TooLong
}

// DefaultLimits returns limits sized for catch-up archives: the largest
// reported is 1.5 GB compressed, 8.18 GB uncompressed, with lines of up to
// ~18,000 characters.
func DefaultLimits() Limits {
	return Limits{
		MaxSpoolBytes:   8 << 30,
		MaxMembers:      10000,
		MaxUncompressed: 64 << 30,
		MaxRatio:        200,
		MaxLineBytes:    1 << 20,
	}
}

// SetDefaults fills each zero limit with its default. A negative one is
// kept, so that a configuration's check can reject it.
func (l *Limits) SetDefaults() {
	d := DefaultLimits()
	l.MaxSpoolBytes = orDefault(l.MaxSpoolBytes, d.MaxSpoolBytes)
	l.MaxMembers = orDefault(l.MaxMembers, d.MaxMembers)
	l.MaxUncompressed = orDefault(l.MaxUncompressed, d.MaxUncompressed)
	l.MaxRatio = orDefault(l.MaxRatio, d.MaxRatio)
	l.MaxLineBytes = orDefault(l.MaxLineBytes, d.MaxLineBytes)
}

// withDefaults is l with every limit that is not positive defaulted: Walk
// takes limits nobody checked.
func (l Limits) withDefaults() Limits {
	l.MaxSpoolBytes, l.MaxMembers = max(l.MaxSpoolBytes, 0), max(l.MaxMembers, 0)
	l.MaxUncompressed, l.MaxRatio, l.MaxLineBytes = max(l.MaxUncompressed, 0), max(l.MaxRatio, 0), max(l.MaxLineBytes, 0)
	l.SetDefaults()
	return l
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Spool copies r into a new temporary file in dir (os.CreateTemp; "" means
// os.TempDir) without holding the body in memory, and returns the file
// positioned at its start and its size. A body larger than max bytes (max <=
// 0: the default MaxSpoolBytes) is refused with ErrTooLarge; on any error the
// file is removed. On success the caller closes and removes the file.
func Spool(r io.Reader, dir string, max int64) (*os.File, int64, error) {
	if max <= 0 {
		max = DefaultLimits().MaxSpoolBytes
	}
	f, err := os.CreateTemp(dir, fmt.Sprintf("%s%d-*.zip", spoolPrefix, os.Getpid()))
	if err != nil {
		return nil, 0, fmt.Errorf("spool body: %w", err)
	}
	// Read one byte past max to tell "exactly max" from "more than max".
	n, err := io.Copy(f, io.LimitReader(r, min(max, math.MaxInt64-1)+1))
	if err == nil && n > max {
		err = fmt.Errorf("%w: more than %d bytes (MaxSpoolBytes)", ErrTooLarge, max)
	} else if err != nil {
		err = fmt.Errorf("spool body after %d bytes: %w", n, err)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		discard(f)
		return nil, 0, err
	}
	return f, n, nil
}

// spoolPrefix starts every spool file's name, followed by the pid of the
// process that writes it.
const spoolPrefix = "gatelog-spool-"

// CleanSpool removes spool files in dir left by processes that are gone (a
// crash, a kill -9): they can be GBs. Files of live processes (an ad-hoc
// download beside the daemon) are left alone. It returns what it removed.
func CleanSpool(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, spoolPrefix+"*.zip"))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, name := range names {
		if spoolOwnerAlive(filepath.Base(name)) {
			continue
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove stale spool file: %w", err)
		}
		removed = append(removed, name)
	}
	return removed, nil
}

// spoolOwnerAlive reads the pid from a spool file's name; a name without
// one is from an older gatelog and so stale.
func spoolOwnerAlive(base string) bool {
	pidText, _, ok := strings.Cut(strings.TrimPrefix(base, spoolPrefix), "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM) // EPERM: alive, another user's
}

func discard(f *os.File) {
	_ = f.Close()
	_ = os.Remove(f.Name())
}
