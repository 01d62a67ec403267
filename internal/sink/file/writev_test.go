package file

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/google/go-cmp/cmp"
)

// bigRec is a record whose Fields are long enough to be written from the
// record (sharedFields), not copied.
func bigRec(id string, d, hour int) record.Record {
	r := rec(id, day(d, hour))
	r.Fields = json.RawMessage(`{"id":"` + id + `","pad":"` + strings.Repeat("x", 2*sharedFields) + `"}`)
	return r
}

// Records with large Fields (written in place with writev), small ones
// and normalized ones (copied), over two days and two batches, land in
// the files exactly as their envelopes, in order.
func TestWriteSharesLargeFields(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	small, event := rec("s", day(20, 2)), rec("n", day(20, 3))
	event.Schema, event.Event = "ocsf", json.RawMessage(`{"class_uid":4002,"pad":"`+strings.Repeat("y", 2*sharedFields)+`"}`)
	empty := rec("e", day(21, 4))
	empty.Fields = nil
	batch1 := []record.Record{bigRec("a", 20, 1), small, bigRec("b", 21, 1), event, bigRec("c", 20, 4), empty, bigRec("d", 21, 5)}
	// More pieces than one writev call takes.
	var batch2 []record.Record
	for i := range maxIovecs {
		batch2 = append(batch2, bigRec("m"+strings.Repeat("0", i%3), 20, 5))
	}
	pos1 := write(t, s, batch1...)
	write(t, s, batch2...)
	want := map[string]string{
		"acme-fp/admin/2026-11-20.jsonl": lines(batch1[0], small, event, batch1[4]) + lines(batch2...),
		"acme-fp/admin/2026-11-21.jsonl": lines(batch1[2], empty, batch1[6]),
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	// The position counts every byte: recovering to the first batch's
	// position cuts exactly the second batch off.
	s.Close()
	recovered(t, dir, pos1)
	want["acme-fp/admin/2026-11-20.jsonl"] = lines(batch1[0], small, event, batch1[4])
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Fatalf("after Recover (-want +got):\n%s", diff)
	}
}

// writeAll writes the concatenation of its pieces, whatever their number,
// and advance goes on after a short write at any byte.
func TestWriteAllAndAdvance(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pieces [][]byte
	var want []byte
	for i := range 2*maxIovecs + 7 {
		p := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%5)
		pieces = append(pieces, p)
		want = append(want, p...)
	}
	var vecs []syscall.Iovec
	if vecs, err = writeAll(f, pieces, vecs); err != nil {
		t.Fatal(err)
	}
	if _, err = writeAll(f, [][]byte{[]byte("one")}, vecs); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f.Name())
	if !bytes.Equal(got, append(want, "one"...)) {
		t.Fatalf("file holds %d bytes, want %d", len(got), len(want)+3)
	}

	for n := 0; n <= 9; n++ {
		p := advance([][]byte{[]byte("abc"), {}, []byte("de"), []byte("fghi")}, n)
		if got := string(bytes.Join(p, nil)); got != "abcdefghi"[n:] {
			t.Errorf("advance %d: %q", n, got)
		}
		if len(p) > 0 && len(p[0]) == 0 {
			t.Errorf("advance %d left an empty first piece", n)
		}
	}
}
