package symantec

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"runtime"
	"testing"
)

// countingWriter counts bytes and keeps the first few.
type countingWriter struct {
	n    int64
	head []byte
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if len(w.head) < 64 {
		w.head = append(w.head, p[:min(len(p), 64-len(w.head))]...)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// localEntry is what a streaming reader learns from a ZIP local header.
type localEntry struct {
	name         string
	flags        uint16
	method       uint16
	crc          uint32
	csize, usize uint32
}

// readLocalHeader reads one ZIP local file header, as a streaming reader
// (one that never seeks to the central directory) would.
func readLocalHeader(t *testing.T, r io.Reader) localEntry {
	t.Helper()
	var h [30]byte
	if _, err := io.ReadFull(r, h[:]); err != nil || binary.LittleEndian.Uint32(h[:]) != 0x04034b50 {
		t.Fatalf("local header: %v %x", err, h[:4])
	}
	le := binary.LittleEndian
	e := localEntry{flags: le.Uint16(h[6:]), method: le.Uint16(h[8:]), crc: le.Uint32(h[14:]),
		csize: le.Uint32(h[18:]), usize: le.Uint32(h[22:])}
	name := make([]byte, int(le.Uint16(h[26:]))+int(le.Uint16(h[28:])))
	if _, err := io.ReadFull(r, name); err != nil {
		t.Fatal(err)
	}
	e.name = string(name[:le.Uint16(h[26:])])
	return e
}

func TestHugeArchiveStreams(t *testing.T) {
	const huge = 64 << 20
	cfg := baseConfig(newClock())
	cfg.HugeBytes = huge
	s := New(cfg)
	c := start(t, s)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	req, _ := http.NewRequest(http.MethodGet, c.base+pathSync+"?"+syncQuery(testStart, "0", "none"), nil)
	c.auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("huge sync: %v %v", err, resp)
	}
	defer resp.Body.Close()
	e, out, crcOK, rest := readStoredGzip(t, resp.Body)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("ELFF %d MiB in %d MiB of gzip; allocated %d KiB while streaming", out.n>>20, e.csize>>20, alloc>>10)

	if out.n < huge || !bytes.HasPrefix(out.head, []byte("#Software: ")) && !bytes.HasPrefix(out.head, []byte("# Software: ")) {
		t.Errorf("ELFF %d bytes starting %q, want >= %d starting with the directives", out.n, out.head, huge)
	}
	if !crcOK {
		t.Error("CRC mismatch")
	}
	_, tok, st := splitTrailer(t, rest)
	if st != statusDone || len(tok) != tokenLen {
		t.Errorf("trailer %q %q", tok, st)
	}
	if r := c.sync(TrailerBody, syncQuery(testStart, "0", tok)); r.status != statusDone || r.token != tok || r.zip != nil {
		t.Errorf("after the huge archive: %q, same token %v, %d zip bytes", r.status, r.token == tok, len(r.zip))
	}
	// Neither side may hold the archive. The test's own gzip decoding
	// allocates about 15% of the gzip size (flate rebuilds Huffman tables
	// per block); a server buffering the archive would add 100% or more.
	if alloc > uint64(e.csize)/2 {
		t.Errorf("allocated %d bytes for a %d-byte archive", alloc, e.csize)
	}
}

// readStoredGzip streams the first ZIP entry of r through gunzip without
// holding it, and returns the rest of the body (directory and trailer).
func readStoredGzip(t *testing.T, r io.Reader) (e localEntry, out countingWriter, crcOK bool, rest []byte) {
	t.Helper()
	br := bufio.NewReader(r)
	e = readLocalHeader(t, br)
	if e.method != 0 || e.flags&8 != 0 || e.csize != e.usize {
		t.Fatalf("entry %+v: want stored with sizes in the local header", e)
	}
	crc := crc32.NewIEEE()
	zr, err := gzip.NewReader(io.TeeReader(io.LimitReader(br, int64(e.csize)), crc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(&out, zr); err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	rest, err = io.ReadAll(br) // small
	if err != nil {
		t.Fatal(err)
	}
	return e, out, crc.Sum32() == e.crc, rest
}
