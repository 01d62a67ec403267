package splunkhec

import (
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// BenchmarkWrite measures Write of 1000-record batches against the fake
// HEC (in discard mode: it checks the token and reads the body, but does
// not decode or keep it), with the file sink writing the same records as
// the baseline. allocs/record counts the whole process, the in-process
// server's few allocations per request included.
func BenchmarkWrite(b *testing.B) {
	id := record.StreamID{Source: "acme-fp", Stream: "admin"}
	recs, size := sinktest.BenchBatch(id, 1000)
	b.Run("file", func(b *testing.B) {
		s, err := file.New("bench", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		sinktest.BenchWrite(b, s, id, recs, size)
	})
	for _, tc := range []struct {
		name      string
		gzip, ack bool
	}{{"hec-gzip", true, false}, {"hec-plain", false, false}, {"hec-gzip-ack", true, true}} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFakeHEC(b, testToken, tc.ack)
			f.discard, f.ackDelay = true, 1
			sinktest.BenchWrite(b, newTestSink(b, f, func(c *Config) { c.Gzip = &tc.gzip }), id, recs, size)
		})
	}
}
