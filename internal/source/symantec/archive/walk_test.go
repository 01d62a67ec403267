package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWalkLines(t *testing.T) {
	latin := "#Fields: a\r\ncaf\xe9 \xa4\xff\r\n\r\nno newline at end"
	z := buildZip(t,
		entry{name: "cloud_abcde_20260101000000.log.gz", data: gz(t, latin), method: zip.Store},
		entry{name: "README.txt", data: []byte("not a log")},
		entry{name: "dir/", data: nil},
		entry{name: "cloud_abcde_20260101010000.LOG.GZ", data: gz(t, "x\ny\n"), method: zip.Deflate},
		entry{name: "empty.gz", data: nil},
	)
	lines, st, err := walkAll(t, z, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := "cloud_abcde_20260101000000.log.gz", "cloud_abcde_20260101010000.LOG.GZ"
	want := []got{
		{Member: m1, Number: 1, Text: "#Fields: a"},
		{Member: m1, Number: 2, Text: "caf\xe9 \xa4\xff"}, // byte-exact: no decoding here
		{Member: m1, Number: 3, Text: ""},
		{Member: m1, Number: 4, Text: "no newline at end"},
		{Member: m2, Number: 1, Text: "x"},
		{Member: m2, Number: 2, Text: "y"},
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("lines (-want +got)\n%s", d)
	}
	if st.Members != 3 || st.Skipped != 2 || st.Lines != 6 || len(st.Broken) != 0 ||
		st.Uncompressed != int64(len(latin)+4) || st.Compressed == 0 {
		t.Errorf("stats %+v", st)
	}
	if d := cmp.Diff([]string{"README.txt", "dir/"}, st.SkippedNames); d != "" {
		t.Errorf("skipped (-want +got)\n%s", d)
	}
}

func TestWalkEmpty(t *testing.T) {
	lines, st, err := walkAll(t, buildZip(t), Limits{})
	if err != nil || len(lines) != 0 || st.Members != 0 {
		t.Fatalf("empty zip: %v, %+v, %v", lines, st, err)
	}
	st, err = Walk(bytes.NewReader(nil), 0, Limits{}, nil)
	if err != nil || st.Members != 0 {
		t.Fatalf("zipSize 0: %+v, %v", st, err)
	}
}

// Names are labels only: suspicious ones are read, labelled and reported,
// and nothing is written anywhere.
func TestZipSlipNames(t *testing.T) {
	names := []string{"../../etc/passwd.gz", "/abs.gz", `..\..\win.gz`, "C:/x.gz", "ok/../../x.gz", "ok/fine..gz"}
	var entries []entry
	for _, n := range names {
		entries = append(entries, entry{name: n, data: gz(t, "line of "+n+"\n")})
	}
	z := buildZip(t, entries...)
	work, spool := t.TempDir(), t.TempDir()
	t.Chdir(work)
	f, size, err := Spool(bytes.NewReader(z), spool, 0)
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	st, err := Walk(f, size, Limits{}, func(l Line) error {
		members = append(members, l.Member)
		return nil
	})
	discard(f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(names, members); d != "" {
		t.Errorf("members read (-want +got)\n%s", d)
	}
	if d := cmp.Diff(names[:5], st.Suspicious); d != "" {
		t.Errorf("suspicious (-want +got)\n%s", d)
	}
	for _, dir := range []string{work, spool} {
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s holds %v, want nothing", dir, ents)
		}
	}
}

func TestTruncatedMembers(t *testing.T) {
	full := gz(t, "#Fields: a\n1\n2\n3\n")
	cut := gz(t, "#Fields: a\n"+strings.Repeat("0123456789", 2000)+"\nlast\n")
	cut = cut[:len(cut)/2] // ends inside line 2
	bad := bytes.Clone(full)
	bad[len(bad)-5] ^= 0xFF // gzip CRC/size trailer corrupted: all lines arrive first
	z := buildZip(t,
		entry{name: "a.gz", data: full},
		entry{name: "mid.gz", data: cut},
		entry{name: "crc.gz", data: bad},
		entry{name: "plain.gz", data: []byte("this is not gzip at all\n")},
		entry{name: "z.gz", data: full},
		entry{name: "end.gz", data: cut},
	)
	lines, st, err := walkAll(t, z, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	perMember := map[string][]int{}
	for _, l := range lines {
		perMember[l.Member] = append(perMember[l.Member], l.Number)
		wantPartial := (l.Member == "mid.gz" || l.Member == "end.gz") && l.Number == 2
		if l.Partial != wantPartial {
			t.Errorf("%s line %d: Partial = %v", l.Member, l.Number, l.Partial)
		}
	}
	wantLines := map[string][]int{"a.gz": {1, 2, 3, 4}, "mid.gz": {1, 2}, "crc.gz": {1, 2, 3, 4}, "z.gz": {1, 2, 3, 4}, "end.gz": {1, 2}}
	if d := cmp.Diff(wantLines, perMember); d != "" {
		t.Errorf("lines per member (-want +got)\n%s", d)
	}
	type brk struct {
		Member string
		Line   int
		Msg    string
	}
	var broken []brk
	for _, b := range st.Broken {
		broken = append(broken, brk{b.Member, b.Line, b.Err.Error()})
	}
	wantBroken := []brk{
		{"mid.gz", 2, "unexpected EOF"},
		{"crc.gz", 5, "gzip: invalid checksum"},
		{"plain.gz", 1, "gzip header: gzip: invalid header"},
		{"end.gz", 2, "unexpected EOF"},
	}
	if d := cmp.Diff(wantBroken, broken); d != "" {
		t.Errorf("broken (-want +got)\n%s", d)
	}
	if msg := st.Broken[0].Error(); msg != `member "mid.gz" line 2: unexpected EOF` {
		t.Errorf("MemberError text %q", msg)
	}
}

// A member whose stored bytes do not match the ZIP's CRC-32 is broken after
// its lines are delivered.
func TestZipChecksum(t *testing.T) {
	data := gz(t, "a\nb\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "x.gz", Method: zip.Store, CRC32: 1,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	zw.Close()
	lines, st, err := walkAll(t, buf.Bytes(), Limits{})
	if err != nil || len(lines) != 2 || len(st.Broken) != 1 || !errors.Is(st.Broken[0].Err, zip.ErrChecksum) {
		t.Fatalf("lines %v, stats %+v, err %v", lines, st, err)
	}
}

func TestLongLines(t *testing.T) {
	long := strings.Repeat("L", 300<<10) // longer than the 64 KiB buffer too
	text := "short\n" + strings.Repeat("m", 101) + "\r\n" + strings.Repeat("e", 100) + "\n" + long + "\nnext\n" + long
	lines, st, err := walkAll(t, buildZip(t, entry{name: "a.gz", data: gz(t, text)}), Limits{MaxLineBytes: 100, MaxRatio: 1e6}) // runs of one letter are a bomb by ratio
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{Member: "a.gz", Number: 1, Text: "short"},
		{Member: "a.gz", Number: 2, Text: strings.Repeat("m", 100), TooLong: true},
		{Member: "a.gz", Number: 3, Text: strings.Repeat("e", 100)},
		{Member: "a.gz", Number: 4, Text: strings.Repeat("L", 100), TooLong: true},
		{Member: "a.gz", Number: 5, Text: "next"},
		{Member: "a.gz", Number: 6, Text: strings.Repeat("L", 100), TooLong: true},
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if st.TooLong != 3 || len(st.Broken) != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestCallbackError(t *testing.T) {
	stop := errors.New("sink full")
	z := buildZip(t, entry{name: "a.gz", data: gz(t, "1\n2\n3\n")}, entry{name: "b.gz", data: gz(t, "4\n")})
	n := 0
	st, err := Walk(bytes.NewReader(z), int64(len(z)), Limits{}, func(l Line) error {
		if n++; l.Number == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || err.Error() != `member "a.gz" line 2: sink full` || n != 2 || st.Lines != 2 {
		t.Fatalf("err %v after %d lines, stats %+v", err, n, st)
	}
}

func TestNotZip(t *testing.T) {
	for _, body := range []string{"<html>busy</html>", strings.Repeat("\x00", 100), "PK\x05\x06"} {
		_, _, err := walkAll(t, []byte(body), Limits{})
		if !errors.Is(err, ErrNotZip) {
			t.Errorf("%q: err = %v, want ErrNotZip", body, err)
		}
	}
}
