package stdout

import (
	"bytes"
	"sync"
	"syscall"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// destination is the writer the sink writes to, as a file on a disk that
// can fill up.
type destination struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	failNext bool // the next Write fails
	failed   bool // a Write has failed: a torn line may be in buf
}

// Write fails as a full disk does when failNext is set: it takes the first
// half of the first line, then reports ENOSPC.
func (d *destination) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failNext {
		d.failNext, d.failed = false, true
		n := bytes.IndexByte(p, '\n')/2 + 1
		d.buf.Write(p[:n])
		return n, syscall.ENOSPC
	}
	return d.buf.Write(p)
}

// records returns the records of stream id in output order. A line that is
// not a record is an error, unless a failed write may have torn it.
func (d *destination) records(t *testing.T, id record.StreamID) []record.Record {
	t.Helper()
	d.mu.Lock()
	all, bad := sinktest.JSONLines(d.buf.Bytes())
	failed := d.failed
	d.mu.Unlock()
	for _, l := range bad {
		if failed {
			t.Logf("line left by a failed write: %s", l)
		} else {
			t.Errorf("not a record: %s", l)
		}
	}
	var recs []record.Record
	for _, r := range all {
		if r.Source == id.Source && r.Stream == id.Stream {
			recs = append(recs, r)
		}
	}
	return recs
}

func TestConformance(t *testing.T) {
	var dest *destination // of the latest New
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
			dest = &destination{}
			return New("console", dest), dest.records
		},
		FailNext: func(t *testing.T, kind sinktest.FailKind) {
			if kind == sinktest.Permanent {
				t.Skip("stdout sink: a writer has no permanent failure: it retries every write error")
			}
			dest.mu.Lock()
			dest.failNext = true
			dest.mu.Unlock()
		},
		AtLeastOnce: true,
	})
}
