package archive

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Trailer is the sync trailer appended to a sync response.
type Trailer struct {
	Status string // "more", "done" or "abort"
	Token  string // the token for the next request
}

// The sync statuses.
const (
	StatusMore  = "more"
	StatusDone  = "done"
	StatusAbort = "abort"
)

const (
	tailSize    = 4096 // how much of the body FindTrailer reads
	maxTokenLen = 1024 // documented tokens are 68 characters
	keyToken    = "x-sync-token"
	keyStatus   = "x-sync-status"
)

// ParseTrailer parses a trailer block: an "X-sync-token: ..." and an
// "X-sync-status: ..." line, in either order, CRLF or LF terminated, keys in
// any case, whitespace around lines, keys and values ignored. Blank lines are
// ignored; any other line is an error, so that garbage is never mistaken for
// a trailer. The status is returned in lower case.
func ParseTrailer(b []byte) (Trailer, error) {
	var t Trailer
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if err := t.set(line); err != nil {
			return Trailer{}, fmt.Errorf("%w: %w", ErrTrailer, err)
		}
	}
	if t.Token == "" || t.Status == "" {
		return Trailer{}, fmt.Errorf("%w: missing %s in %d bytes %s", ErrTrailer, missing(t), len(b), excerpt(b))
	}
	return t, nil
}

// set records one "key: value" line.
func (t *Trailer) set(line []byte) error {
	k, v, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return fmt.Errorf("line %s is not \"key: value\"", excerpt(line))
	}
	key := strings.ToLower(string(bytes.TrimSpace(k)))
	val := string(bytes.TrimSpace(v))
	switch {
	case key == keyToken && t.Token == "":
		if !validToken(val) {
			return fmt.Errorf("token %s is not 1-%d printable ASCII characters", excerpt([]byte(val)), maxTokenLen)
		}
		t.Token = val
	case key == keyStatus && t.Status == "":
		s := strings.ToLower(val)
		if s != StatusMore && s != StatusDone && s != StatusAbort {
			return fmt.Errorf("status %s is not more, done or abort", excerpt([]byte(val)))
		}
		t.Status = s
	case key == keyToken || key == keyStatus:
		return fmt.Errorf("%s appears twice", key)
	default:
		return fmt.Errorf("unexpected key %s", excerpt(bytes.TrimSpace(k)))
	}
	return nil
}

// validToken: the token goes back into a query string, so refuse anything
// that is not printable ASCII without spaces.
func validToken(s string) bool {
	if len(s) == 0 || len(s) > maxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func missing(t Trailer) string {
	switch {
	case t.Token == "" && t.Status == "":
		return "X-sync-token and X-sync-status"
	case t.Token == "":
		return "X-sync-token"
	}
	return "X-sync-status"
}

// excerpt quotes at most 64 bytes of b for an error message.
func excerpt(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%q...", b[:64])
	}
	return fmt.Sprintf("%q", b)
}

// FindTrailer reads at most the last 4 KiB of a spooled body of size bytes
// and returns its trailer and the offset where the trailer starts, which is
// where the ZIP ends. The trailer starts at the earlier of the last
// occurrences of the two keys; everything after that must parse, so stray key
// names inside the ZIP bytes cannot fool it. A body that is only a trailer
// (possibly after whitespace) has zipSize 0: there is no data.
func FindTrailer(f io.ReaderAt, size int64) (t Trailer, zipSize int64, err error) {
	n := min(size, tailSize)
	if n <= 0 {
		return Trailer{}, 0, fmt.Errorf("%w: the body is empty", ErrTrailer)
	}
	tail := make([]byte, n)
	off := size - n
	if _, err := f.ReadAt(tail, off); err != nil {
		return Trailer{}, 0, fmt.Errorf("read body tail: %w", err)
	}
	start := trailerStart(tail)
	if start < 0 {
		return Trailer{}, 0, fmt.Errorf("%w: no X-sync-token and X-sync-status in the last %d bytes of the %d-byte body; it ends %s",
			ErrTrailer, n, size, excerpt(tail[max(0, len(tail)-64):]))
	}
	t, err = ParseTrailer(tail[start:])
	if err != nil {
		return Trailer{}, 0, fmt.Errorf("at byte %d of %d: %w", off+int64(start), size, err)
	}
	if off == 0 && len(bytes.TrimSpace(tail[:start])) == 0 {
		return t, 0, nil
	}
	return t, off + int64(start), nil
}

// trailerStart returns where the trailer begins in tail, or -1. It does not
// step back over blanks before the key: they could be the end of a ZIP
// comment, and cutting the comment short would make the ZIP unreadable.
func trailerStart(tail []byte) int {
	low := asciiLower(tail)
	i := bytes.LastIndex(low, []byte(keyToken+":"))
	j := bytes.LastIndex(low, []byte(keyStatus+":"))
	if i < 0 || j < 0 {
		return -1
	}
	return min(i, j)
}

// asciiLower lowercases byte by byte; bytes.ToLower would turn invalid UTF-8
// into U+FFFD and shift the offsets.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
