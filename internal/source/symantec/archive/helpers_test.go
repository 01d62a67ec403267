package archive

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// entry is one ZIP member as a test writes it.
type entry struct {
	name   string
	data   []byte // written as is: gzip it first with gz() for a log member
	method uint16 // zip.Store (the vendor's habit) or zip.Deflate
}

// buildZip writes entries into an in-memory ZIP.
func buildZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gz compresses s as one gzip stream.
func gz(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// got is a line as delivered, copied out of the callback.
type got struct {
	Member  string
	Number  int
	Text    string
	TooLong bool
	Partial bool
}

// walkAll walks an in-memory ZIP and collects every line.
func walkAll(t testing.TB, z []byte, lim Limits) ([]got, Stats, error) {
	t.Helper()
	var lines []got
	st, err := Walk(bytes.NewReader(z), int64(len(z)), lim, func(l Line) error {
		lines = append(lines, got{l.Member, l.Number, string(l.Bytes), l.TooLong, l.Partial})
		return nil
	})
	return lines, st, err
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}
