package archive

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"

	// klauspost's inflate does the same work in about 30% less CPU than
	// compress/flate (docs/go-style-and-stack.md lists it).
	"github.com/klauspost/compress/gzip"
)

// walker holds the state of one Walk. Its gzip reader and line buffer are
// reused for every member, so memory does not grow with the member count.
type walker struct {
	lim Limits
	src *source
	fn  func(Line) error
	st  Stats
	gz  gzip.Reader
	br  *bufio.Reader

	name string // current member
	base int64  // src.read when the member was opened
	out  int64  // uncompressed bytes of the current member
}

// member reads one ZIP entry. A returned error ends the walk.
func (w *walker) member(zf *zip.File) error {
	if !isGz(zf.Name) {
		w.st.Skipped++
		w.st.SkippedNames = append(w.st.SkippedNames, zf.Name)
		return nil
	}
	if suspicious(zf.Name) {
		w.st.Suspicious = append(w.st.Suspicious, zf.Name)
	}
	w.st.Members++
	w.name, w.base, w.out = zf.Name, w.src.read, 0
	brk, err := w.read(zf)
	w.st.Compressed += w.src.read - w.base
	if brk != nil {
		w.st.Broken = append(w.st.Broken, *brk)
	}
	return err
}

// read streams the member's lines. It returns the break of a bad member, or
// an error that ends the walk.
func (w *walker) read(zf *zip.File) (*MemberError, error) {
	rc, err := zf.Open()
	if err != nil {
		return w.broke(1, err), nil
	}
	defer rc.Close()
	switch err := w.gz.Reset(rc); {
	case err == io.EOF:
		return nil, nil // an empty member holds no lines
	case err != nil:
		return w.broke(1, fmt.Errorf("gzip header: %w", err)), nil
	}
	w.br.Reset(memberReader{w})
	return w.lines()
}

func (w *walker) broke(line int, err error) *MemberError {
	return &MemberError{Member: w.name, Line: line, Err: err}
}

// lines delivers the member line by line. ReadSlice never grows the buffer:
// a longer line comes back in buffer-sized pieces, the first of which is
// delivered (truncated) and the others skipped.
func (w *walker) lines() (*MemberError, error) {
	num := 0
	for {
		b, err := w.br.ReadSlice('\n')
		if len(b) == 0 && err != nil {
			return w.end(num+1, err)
		}
		num++
		partial := err != nil && err != io.EOF && err != bufio.ErrBufferFull
		if partial && errors.Is(err, ErrLimit) {
			return nil, err // the walk ends; a cut line is not worth delivering
		}
		if ferr := w.deliver(num, b, partial); ferr != nil {
			return nil, ferr
		}
		if err == bufio.ErrBufferFull {
			err = w.skipLine()
		}
		if err != nil {
			return w.end(num, err)
		}
	}
}

// skipLine discards the rest of a line that did not fit in the buffer.
func (w *walker) skipLine() error {
	for {
		_, err := w.br.ReadSlice('\n')
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// end turns the error that ended a member into its result.
func (w *walker) end(line int, err error) (*MemberError, error) {
	switch {
	case err == nil || err == io.EOF:
		return nil, nil
	case errors.Is(err, ErrLimit):
		return nil, err
	}
	return w.broke(line, err), nil
}

// deliver passes one line to fn, truncated to MaxLineBytes.
func (w *walker) deliver(num int, b []byte, partial bool) error {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	l := Line{Member: w.name, Number: num, Bytes: b, Partial: partial}
	if len(b) > w.lim.MaxLineBytes {
		l.Bytes, l.TooLong = b[:w.lim.MaxLineBytes], true
		w.st.TooLong++
	}
	w.st.Lines++
	if err := w.fn(l); err != nil {
		return fmt.Errorf("member %q line %d: %w", w.name, num, err)
	}
	return nil
}

// memberReader is the gunzipped member as the line reader sees it. It
// enforces the uncompressed limits on every read, so a zip bomb is refused
// after at most one buffer beyond its limit is decompressed (and that buffer
// is dropped), never read to the end.
type memberReader struct{ w *walker }

func (m memberReader) Read(p []byte) (int, error) {
	w := m.w
	n, err := w.gz.Read(p)
	total, out := w.st.Uncompressed+int64(n), w.out+int64(n)
	if total > w.lim.MaxUncompressed {
		return 0, fmt.Errorf("%w: more than %d uncompressed bytes (MaxUncompressed)", ErrLimit, w.lim.MaxUncompressed)
	}
	in := max(w.src.read-w.base, 1)
	if float64(out) > w.lim.MaxRatio*float64(in) {
		return 0, fmt.Errorf("%w: %d bytes from %d archive bytes, limit %gx (MaxRatio)", ErrRatio, out, in, w.lim.MaxRatio)
	}
	w.st.Uncompressed, w.out = total, out
	return n, err
}
