package file

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/google/go-cmp/cmp"
)

var testID = record.StreamID{Source: "acme-fp", Stream: "admin"}

func day(d, hour int) time.Time {
	return time.Date(2026, 11, d, hour, 30, 0, 123456789, time.UTC)
}

func rec(id string, t time.Time) record.Record {
	return record.Record{
		Time: t, Vendor: "forcepoint", Source: testID.Source, Stream: testID.Stream,
		ID: id, Fields: json.RawMessage(`{"id":"` + id + `","msg":"a \"quoted\" <b>"}`),
	}
}

// lines is the expected file content: the envelope of each record, as
// record.AppendJSON defines it, one per line.
func lines(recs ...record.Record) string {
	var b []byte
	for i := range recs {
		b = recs[i].AppendJSON(b)
		b = append(b, '\n')
	}
	return string(b)
}

// readTree returns every regular file under root by its slash path, the
// streams' lock files (TestLockFile) left out.
func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || d.Name() == lockName {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func newSink(t *testing.T, dir string) *Sink {
	t.Helper()
	s, err := New("archive", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// recovered returns a sink whose testID stream was recovered with pos.
func recovered(t *testing.T, dir string, pos []byte) *Sink {
	t.Helper()
	s := newSink(t, dir)
	if err := s.Recover(context.Background(), testID, pos); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	return s
}

func write(t *testing.T, s *Sink, recs ...record.Record) []byte {
	t.Helper()
	pos, err := s.Write(context.Background(), testID, recs)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return pos
}

func TestWriteLayoutAndEnvelope(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	// One batch spanning three days, out of day order, then a second batch.
	a, b, c, d, e := rec("a", day(20, 23)), rec("b", day(21, 0)), rec("c", day(19, 5)), rec("d", day(21, 1)), rec("e", day(20, 1))
	write(t, s, a, b, c, d)
	write(t, s, e)

	want := map[string]string{
		"acme-fp/admin/2026-11-19.jsonl": lines(c),
		"acme-fp/admin/2026-11-20.jsonl": lines(a, e),
		"acme-fp/admin/2026-11-21.jsonl": lines(b, d),
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestDayIsUTC(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	east := time.FixedZone("UTC+5", 5*3600)
	r := rec("x", time.Date(2026, 11, 21, 2, 0, 0, 0, east)) // 20 Nov 21:00 UTC
	write(t, s, r)
	want := map[string]string{"acme-fp/admin/2026-11-20.jsonl": lines(r)}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestPermissions(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	write(t, s, rec("a", day(20, 1)))
	for path, most := range map[string]fs.FileMode{
		filepath.Join(dir, "acme-fp"):                              0o750,
		filepath.Join(dir, "acme-fp", "admin"):                     0o750,
		filepath.Join(dir, "acme-fp", "admin", "2026-11-20.jsonl"): 0o640,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&^most != 0 {
			t.Errorf("%s: mode %v, want at most %v", path, perm, most)
		}
	}
}

func TestPositionNamesEveryFile(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	write(t, s, rec("a", day(19, 1)), rec("b", day(20, 1)))
	pos := write(t, s, rec("c", day(21, 1))) // touches only the 21st

	got, err := decodePosition(pos)
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := listDayFiles(filepath.Join(dir, "acme-fp", "admin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk) != 3 {
		t.Fatalf("%d files on disk, want 3", len(onDisk))
	}
	if diff := cmp.Diff(onDisk, got); diff != "" {
		t.Errorf("position vs disk (-disk +pos):\n%s", diff)
	}
}

func TestEmptyBatchReturnsPosition(t *testing.T) {
	s := recovered(t, t.TempDir(), nil)
	pos := write(t, s, rec("a", day(19, 1)))
	if got := write(t, s); string(got) != string(pos) {
		t.Errorf("empty batch position %s, want %s", got, pos)
	}
}

func TestUnsafeNamesRejected(t *testing.T) {
	bad := []string{"", ".", "..", "a/b", "../x", `a\b`, "a\x00b", "/abs"}
	for _, name := range bad {
		for _, id := range []record.StreamID{{Source: name, Stream: "admin"}, {Source: "src", Stream: name}} {
			t.Run(fmt.Sprintf("%q/%q", id.Source, id.Stream), func(t *testing.T) {
				parent := t.TempDir()
				s := newSink(t, filepath.Join(parent, "root"))
				err := s.Recover(context.Background(), id, nil)
				if !errclass.IsPermanent(err) {
					t.Fatalf("Recover: %v, want a permanent error", err)
				}
				if _, err := s.Write(context.Background(), id, []record.Record{rec("a", day(20, 1))}); err == nil {
					t.Fatal("Write succeeded")
				}
				if got := readTree(t, parent); len(got) != 0 {
					t.Errorf("files written: %v", got)
				}
			})
		}
	}
}

func TestWriteWithoutRecover(t *testing.T) {
	s := newSink(t, t.TempDir())
	_, err := s.Write(context.Background(), testID, []record.Record{rec("a", day(20, 1))})
	if !errclass.IsPermanent(err) {
		t.Fatalf("Write: %v, want a permanent error", err)
	}
}

func TestClose(t *testing.T) {
	s := recovered(t, t.TempDir(), nil)
	write(t, s, rec("a", day(20, 1)))
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if _, err := s.Write(context.Background(), testID, nil); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := s.Recover(context.Background(), testID, nil); err == nil {
		t.Error("Recover after Close succeeded")
	}
}

// The hot path keeps day files open across batches and closes days that
// stopped receiving records.
func TestHandlesCachedAndClosedWhenIdle(t *testing.T) {
	s := recovered(t, t.TempDir(), nil)
	write(t, s, rec("a", day(20, 1)))
	st := s.streams[testID]
	first := st.files[keyOf(day(20, 1))].f
	write(t, s, rec("b", day(20, 2)))
	if again := st.files[keyOf(day(20, 1))]; again == nil || again.f != first {
		t.Fatal("day file reopened for the next batch")
	}
	for d := 1; d <= 10; d++ { // ten batches, each for another day
		write(t, s, rec(fmt.Sprint(d), day(d, 1)))
	}
	if n := len(st.files); n > idleBatches {
		t.Errorf("%d files open, want at most %d", n, idleBatches)
	}
	if _, err := first.Stat(); err == nil {
		t.Error("idle day file still open")
	}
}

// A file that appears outside gatelog makes one Write fail; the next one
// restores the stream to the last position and succeeds.
func TestWriteRepairsOutsideChange(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	a := rec("a", day(20, 1))
	write(t, s, a)
	stray := filepath.Join(dir, "acme-fp", "admin", "2026-11-21.jsonl")
	if err := os.WriteFile(stray, []byte("stray\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, c := rec("b", day(20, 2)), rec("c", day(21, 1))
	if _, err := s.Write(context.Background(), testID, []record.Record{b, c}); err == nil {
		t.Fatal("Write over a stray file succeeded")
	}
	write(t, s, b, c) // the pipeline's retry
	want := map[string]string{
		"acme-fp/admin/2026-11-20.jsonl": lines(a, b),
		"acme-fp/admin/2026-11-21.jsonl": lines(c),
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// A day file removed for retention is forgotten; a late record for that day
// starts it again.
func TestWriteAfterRetentionRemovedFile(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	old, now := rec("old", day(1, 1)), rec("now", day(20, 1))
	write(t, s, old, now)
	for d := 2; d <= 2+idleBatches; d++ { // let the old day's handle go idle
		write(t, s, rec(fmt.Sprint(d), day(20, d)))
	}
	if err := os.Remove(filepath.Join(dir, "acme-fp", "admin", "2026-11-01.jsonl")); err != nil {
		t.Fatal(err)
	}
	late := rec("late", day(1, 2))
	pos := write(t, s, late)
	got := readTree(t, dir)["acme-fp/admin/2026-11-01.jsonl"]
	if got != lines(late) {
		t.Errorf("late day file = %q, want %q", got, lines(late))
	}
	sizes, _ := decodePosition(pos)
	if sizes["2026-11-01.jsonl"] != int64(len(lines(late))) {
		t.Errorf("position %s does not describe the restarted file", pos)
	}
}

func TestPositionDecodeRejectsCorrupt(t *testing.T) {
	for _, pos := range []string{`not json`, `{"v":2,"files":{}}`, `{"v":1,"files":{"../x.jsonl":1}}`, `{"v":1,"files":{"a.jsonl":-1}}`} {
		s := newSink(t, t.TempDir())
		err := s.Recover(context.Background(), testID, []byte(pos))
		if !errclass.IsPermanent(err) {
			t.Errorf("Recover(%s): %v, want a permanent error", pos, err)
		}
	}
}

// Write errors name the stream, so the pipeline's log line says which one.
func TestWriteErrorNamesStream(t *testing.T) {
	s := newSink(t, t.TempDir())
	_, err := s.Write(context.Background(), testID, nil)
	if err == nil || !strings.Contains(err.Error(), testID.String()) {
		t.Errorf("error %v does not name the stream", err)
	}
}
