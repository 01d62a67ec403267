package file

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// fillDisk makes the open day files under dir fail their next write, where
// the platform allows it (diskfull_linux_test.go).
var fillDisk func(t *testing.T, dir string)

func TestConformance(t *testing.T) {
	var dir string // the destination of the latest New
	h := sinktest.Harness{
		New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
			dir = t.TempDir()
			s, err := New("archive", dir)
			if err != nil {
				t.Fatal(err)
			}
			return s, dayFileReader(dir)
		},
		ExactlyOnce: true,
	}
	if fillDisk != nil {
		h.FailNext = func(t *testing.T, kind sinktest.FailKind) {
			if kind == sinktest.Permanent {
				t.Skip("file sink: no write failure is permanent for it: it retries every I/O error")
			}
			fillDisk(t, dir)
		}
	}
	sinktest.Run(t, h)
}

// dayFileReader reads a stream's day files in name (date) order. Every line
// must be a whole envelope: the sink cuts what a failed write left.
func dayFileReader(dir string) sinktest.Reader {
	return func(t *testing.T, id record.StreamID) []record.Record {
		t.Helper()
		sdir := filepath.Join(dir, id.Source, id.Stream)
		entries, err := os.ReadDir(sdir) // sorted by name
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		var recs []record.Record
		for _, e := range entries {
			if filepath.Ext(e.Name()) != ".jsonl" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(sdir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			got, bad := sinktest.JSONLines(b)
			for _, l := range bad {
				t.Errorf("%s/%s: not a record: %s", id, e.Name(), l)
			}
			recs = append(recs, got...)
		}
		return recs
	}
}
