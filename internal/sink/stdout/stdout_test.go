package stdout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/google/go-cmp/cmp"
)

func rec(id record.StreamID, n string) record.Record {
	return record.Record{
		Time: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Vendor: "symantec",
		Source: id.Source, Stream: id.Stream, ID: n,
		Fields: json.RawMessage(`{"cs-uri":"https://example.com/` + strings.Repeat("x", 100) + `"}`),
	}
}

func batch(id record.StreamID, b, n int) []record.Record {
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = rec(id, fmt.Sprintf("%s-%d-%d", id.Stream, b, i))
	}
	return recs
}

func envelope(recs ...record.Record) string {
	var b []byte
	for i := range recs {
		b = append(recs[i].AppendJSON(b), '\n')
	}
	return string(b)
}

var idA = record.StreamID{Source: "acme-wss", Stream: "accesslog"}

func TestWriteLines(t *testing.T) {
	var out bytes.Buffer
	s := New("console", &out)
	if err := s.Recover(context.Background(), idA, nil); err != nil {
		t.Fatal(err)
	}
	b1, b2 := batch(idA, 1, 3), batch(idA, 2, 2)
	for _, b := range [][]record.Record{b1, b2, nil} {
		pos, err := s.Write(context.Background(), idA, b)
		if err != nil || pos != nil {
			t.Fatalf("Write = %q, %v; want nil, nil", pos, err)
		}
	}
	if diff := cmp.Diff(envelope(append(b1, b2...)...), out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// Each Write reaches the writer before it returns, even for batches larger
// than the internal buffer.
func TestWriteFlushes(t *testing.T) {
	var out bytes.Buffer
	s := New("console", &out)
	b := batch(idA, 1, 1000) // ~200 kB
	if _, err := s.Write(context.Background(), idA, b[:1]); err != nil {
		t.Fatal(err)
	}
	if out.String() != envelope(b[0]) {
		t.Fatalf("after one record: %q", out.String())
	}
	if _, err := s.Write(context.Background(), idA, b[1:]); err != nil {
		t.Fatal(err)
	}
	if out.Len() != len(envelope(b...)) {
		t.Errorf("got %d bytes, want %d", out.Len(), len(envelope(b...)))
	}
}

// Pipes cannot be fsynced; that must not fail the Write. A regular file is
// fsynced and gets every line.
func TestWriteToFiles(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	recs := batch(idA, 1, 2)
	if _, err := New("pipe", w).Write(context.Background(), idA, recs); err != nil {
		t.Fatalf("Write to a pipe: %v", err)
	}
	got := make([]byte, len(envelope(recs...)))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != envelope(recs...) {
		t.Errorf("pipe got %q, %v", got, err)
	}

	f, err := os.Create(filepath.Join(t.TempDir(), "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := New("file", f).Write(context.Background(), idA, recs); err != nil {
		t.Fatalf("Write to a file: %v", err)
	}
	if b, _ := os.ReadFile(f.Name()); string(b) != envelope(recs...) {
		t.Errorf("file got %q", b)
	}
}

// failOnce fails the first write it sees, then accepts everything.
type failOnce struct {
	bytes.Buffer
	failed bool
}

func (f *failOnce) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("disk full")
	}
	return f.Buffer.Write(p)
}

// After a failed Write the retried batch is written whole, without leftovers
// of the failed attempt.
func TestWriteRetryAfterError(t *testing.T) {
	out := &failOnce{}
	s := New("console", out)
	recs := batch(idA, 1, 2)
	if _, err := s.Write(context.Background(), idA, recs); err == nil {
		t.Fatal("Write to a failing writer succeeded")
	}
	if _, err := s.Write(context.Background(), idA, recs); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if diff := cmp.Diff(envelope(recs...), out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestClose(t *testing.T) {
	s := New("console", &bytes.Buffer{})
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Write(context.Background(), idA, batch(idA, 1, 1)); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// Two streams writing at once: every batch appears whole and contiguous.
// Batches exceed the 64 KiB buffer, so without serialization the flushes of
// the two streams would interleave.
func TestConcurrentStreamsDoNotInterleave(t *testing.T) {
	var out bytes.Buffer
	s := New("console", &out)
	ids := []record.StreamID{idA, {Source: "acme-fp", Stream: "swgweb"}}
	const batches, size = 20, 500
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for b := range batches {
				if _, err := s.Write(context.Background(), id, batch(id, b, size)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	checkContiguous(t, out.String(), size, len(ids)*batches)
}

// checkContiguous splits out into runs of size lines and asserts each run is
// exactly one batch, in record order.
func checkContiguous(t *testing.T, out string, size, batches int) {
	t.Helper()
	lines := strings.SplitAfter(out, "\n")
	lines = lines[:len(lines)-1] // after the final newline
	if len(lines) != size*batches {
		t.Fatalf("%d lines, want %d", len(lines), size*batches)
	}
	for start := 0; start < len(lines); start += size {
		var first struct{ Stream, ID string }
		if err := json.Unmarshal([]byte(lines[start]), &first); err != nil {
			t.Fatalf("line %d: %v", start, err)
		}
		var stream string
		var b int
		if _, err := fmt.Sscanf(strings.ReplaceAll(first.ID, "-", " "), "%s %d", &stream, &b); err != nil {
			t.Fatalf("line %d: id %q: %v", start, first.ID, err)
		}
		want := envelope(batch(record.StreamID{Source: sourceOf(lines[start]), Stream: first.Stream}, b, size)...)
		if got := strings.Join(lines[start:start+size], ""); got != want {
			t.Fatalf("lines %d..%d are not one whole batch (%s)", start, start+size, first.ID)
		}
	}
}

func sourceOf(line string) string {
	var env struct{ Source string }
	_ = json.Unmarshal([]byte(line), &env)
	return env.Source
}
