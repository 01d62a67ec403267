package archive

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Line is one line of a gz member, without its "\n" or "\r\n".
type Line struct {
	Member string // the member's name: a label, never a path
	Number int    // 1-based, counting every line of the member
	Bytes  []byte // valid only during the callback
	// TooLong: the line is longer than MaxLineBytes. Bytes holds its first
	// MaxLineBytes bytes; the rest was skipped without being held, and the
	// next line is delivered intact.
	TooLong bool
	// Partial: the member's stream broke inside this line (see
	// Stats.Broken). Bytes is what arrived before the break; it is not a
	// whole record and should be quarantined, not parsed.
	Partial bool
}

// Stats describes one walk. Every list is bounded by MaxMembers.
type Stats struct {
	Members      int      // .gz members read, completely or up to a break
	Skipped      int      // members not read because their name does not end in ".gz"
	SkippedNames []string // their names
	// Suspicious lists .gz member names that are absolute or contain a ".."
	// element. They are read like the others (names are only labels, so a
	// zip-slip is impossible here) but deserve a warning: the vendor never
	// writes such names.
	Suspicious   []string
	Lines        int64         // lines delivered, including TooLong and Partial ones
	TooLong      int64         // lines delivered truncated
	Uncompressed int64         // ELFF bytes produced by gunzip
	Compressed   int64         // archive bytes read for .gz members
	Broken       []MemberError // members whose stream broke; the walk went on
}

// MemberError says where a member's stream broke: lines before Line were
// delivered whole (Line itself may have been delivered Partial or TooLong).
type MemberError struct {
	Member string
	Line   int
	Err    error
}

func (e MemberError) Error() string {
	return fmt.Sprintf("member %q line %d: %v", e.Member, e.Line, e.Err)
}

func (e MemberError) Unwrap() error { return e.Err }

// Walk streams every ".gz" member of the ZIP in f[0:zipSize], in central
// directory order, through gzip (concatenated gzip streams included), line by
// line to fn.
//
// Member names are labels only and never touch the file system. Members
// whose name does not end in ".gz" are skipped and listed in Stats.
//
// Bad input from the vendor is reported, not fatal: a member that is not
// gzip, is truncated, fails a checksum or expands more than MaxRatio is added
// to Stats.Broken with the line reached, and the walk goes on with the next
// member. Walk stops with an error only when the ZIP cannot be opened
// (ErrNotZip), when the archive as a whole breaks a limit (ErrLimit: too many
// members, central directory too large, too many uncompressed bytes), or when
// fn returns an error (returned wrapped with the member and line). Lines
// delivered before an error stay delivered.
//
// Memory is bounded by MaxLineBytes plus fixed buffers (a bufio buffer of
// max(MaxLineBytes+2, 64 KiB), the gzip and flate state) plus the central
// directory, which is capped at 1 KiB per allowed member.
func Walk(f io.ReaderAt, zipSize int64, lim Limits, fn func(l Line) error) (Stats, error) {
	if zipSize <= 0 {
		return Stats{}, nil
	}
	lim = lim.withDefaults()
	src := &source{r: f, budget: -1}
	zr, err := openZip(src, zipSize, lim)
	if err != nil {
		return Stats{}, err
	}
	w := &walker{lim: lim, src: src, fn: fn, br: bufio.NewReaderSize(nil, max(lim.MaxLineBytes+2, 64<<10))}
	for _, zf := range zr.File {
		if err := w.member(zf); err != nil {
			return w.st, err
		}
	}
	return w.st, nil
}

// source is the archive as zip reads it. It counts the bytes read, for the
// per-member ratio, and while budget >= 0 it caps the bytes zip.NewReader may
// read: NewReader keeps every central directory entry (name, extra field,
// comment) in memory, and a forged directory could otherwise claim most of
// an 8 GiB spool file.
type source struct {
	r      io.ReaderAt
	read   int64
	budget int64
}

var errDirTooLarge = errors.New("central directory read budget spent")

func (s *source) ReadAt(p []byte, off int64) (int, error) {
	if s.budget >= 0 {
		if int64(len(p)) > s.budget {
			return 0, errDirTooLarge
		}
		s.budget -= int64(len(p))
	}
	n, err := s.r.ReadAt(p, off)
	s.read += int64(n)
	return n, err
}

// openZip reads the central directory within its budget: room for the
// end-of-directory search (up to 65 KiB) and 1 KiB per allowed member.
func openZip(src *source, size int64, lim Limits) (*zip.Reader, error) {
	src.budget = 128<<10 + int64(lim.MaxMembers)<<10
	budget := src.budget
	zr, err := zip.NewReader(io.NewSectionReader(src, 0, size), size)
	src.budget = -1
	switch {
	case errors.Is(err, errDirTooLarge):
		return nil, fmt.Errorf("%w: central directory is larger than %d bytes (1 KiB per allowed member, MaxMembers %d)", ErrLimit, budget, lim.MaxMembers)
	case errors.Is(err, zip.ErrInsecurePath):
		// Names are labels, never paths: Walk reports them instead.
	case err != nil:
		return nil, fmt.Errorf("%w (%d bytes): %w", ErrNotZip, size, err)
	}
	if len(zr.File) > lim.MaxMembers {
		return nil, fmt.Errorf("%w: %d members, limit %d (MaxMembers)", ErrLimit, len(zr.File), lim.MaxMembers)
	}
	return zr, nil
}

func isGz(name string) bool {
	return len(name) >= 3 && strings.EqualFold(name[len(name)-3:], ".gz")
}

// suspicious: a name that would escape a directory if it were used as a
// path, with either slash, or a Windows drive letter.
func suspicious(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return true
	}
	return slices.Contains(strings.Split(n, "/"), "..")
}
