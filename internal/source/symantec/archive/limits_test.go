package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// bomb is 64 MiB of short lines in about 64 KiB of gzip: ratio ~1000.
func bomb(t testing.TB) []byte {
	return gz(t, strings.Repeat(strings.Repeat("A", 99)+"\n", 64<<20/100))
}

func TestRatioBombRefused(t *testing.T) {
	b := bomb(t)
	z := buildZip(t,
		entry{name: "bomb.gz", data: b},
		entry{name: "after.gz", data: gz(t, "still read\n")},
	)
	r := &countingReaderAt{r: bytes.NewReader(z)}
	var lines int
	st, err := Walk(r, int64(len(z)), Limits{}, func(l Line) error {
		lines++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Broken) != 1 || st.Broken[0].Member != "bomb.gz" || !errors.Is(st.Broken[0].Err, ErrRatio) {
		t.Fatalf("broken %v", st.Broken)
	}
	t.Logf("bomb: %d compressed bytes, read %d archive bytes, %d uncompressed, refused: %v",
		len(b), r.n, st.Uncompressed, st.Broken[0])
	if r.n > int64(len(b))/4 {
		t.Errorf("read %d archive bytes of a %d-byte bomb: not refused early", r.n, len(b))
	}
	if st.Uncompressed > 8<<20 || st.Members != 2 || lines == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRatioBombDeflatedInZip(t *testing.T) {
	// The same bomb stored with ZIP deflate on top: ratio is measured
	// against archive bytes, so double compression does not hide it.
	z := buildZip(t, entry{name: "bomb.gz", data: bomb(t), method: zip.Deflate})
	_, st, err := walkAll(t, z, Limits{})
	if err != nil || len(st.Broken) != 1 || !errors.Is(st.Broken[0].Err, ErrRatio) {
		t.Fatalf("stats %+v, err %v", st, err)
	}
}

func TestMaxUncompressed(t *testing.T) {
	part := gz(t, noise(680_000))
	z := buildZip(t, entry{name: "a.gz", data: part}, entry{name: "b.gz", data: part}, entry{name: "c.gz", data: part})
	lines, st, err := walkAll(t, z, Limits{MaxUncompressed: 1 << 20})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 1048576 uncompressed bytes") {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
	if st.Uncompressed > 1<<20 || len(lines) < 680_000/64 || lines[len(lines)-1].Member != "b.gz" || lines[len(lines)-1].Partial {
		t.Errorf("stats %+v, %d lines, last %+v", st, len(lines), lines[len(lines)-1])
	}
}

func TestMaxMembers(t *testing.T) {
	var entries []entry
	for i := range 11 {
		entries = append(entries, entry{name: fmt.Sprintf("m%d.gz", i), data: gz(t, "x\n")})
	}
	lines, _, err := walkAll(t, buildZip(t, entries...), Limits{MaxMembers: 10})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "11 members, limit 10") || len(lines) != 0 {
		t.Fatalf("err = %v after %d lines; want ErrLimit before any line", err, len(lines))
	}
}

func TestCentralDirectoryBudget(t *testing.T) {
	var entries []entry
	for i := range 40 {
		entries = append(entries, entry{name: fmt.Sprintf("%04d%s.gz", i, strings.Repeat("n", 8000)), data: nil})
	}
	_, _, err := walkAll(t, buildZip(t, entries...), Limits{MaxMembers: 10})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "central directory is larger than") {
		t.Fatalf("err = %v; want ErrLimit for the central directory", err)
	}
}

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	body := strings.Repeat("z", 1000)
	f, n, err := Spool(strings.NewReader(body), dir, 1000)
	if err != nil || n != 1000 {
		t.Fatalf("Spool at the limit: %d, %v", n, err)
	}
	if b, _ := io.ReadAll(f); string(b) != body {
		t.Errorf("spooled %d bytes, not the body", len(b))
	}
	discard(f)
	_, _, err = Spool(strings.NewReader(body+"!"), dir, 1000)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 1000 bytes") {
		t.Errorf("Spool over the limit: %v", err)
	}
	_, _, err = Spool(iotest.TimeoutReader(strings.NewReader(strings.Repeat("q", 100<<10))), dir, 0)
	if !errors.Is(err, iotest.ErrTimeout) || !strings.Contains(err.Error(), "spool body after") {
		t.Errorf("Spool with a failing reader: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("spool dir keeps %v after failures", ents)
	}
}

// noise returns about n bytes of lines of random hex, which compress about
// 2:1, like a log's unique parts.
func noise(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "%016x %016x %016x %012x\n", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()>>16)
	}
	return b.String()
}
