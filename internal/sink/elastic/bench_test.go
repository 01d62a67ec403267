package elastic

import (
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// BenchmarkWrite measures Write of 1000-record batches against the fake
// cluster (in discard mode: it parses every action and document and
// answers 201s, but keeps nothing), with the file sink writing the same
// records as the baseline. allocs/record counts the whole process, the
// in-process server's allocations included.
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
	b.Run("elastic", func(b *testing.B) {
		f := newFakeES(b)
		f.discard, f.apiKey = true, testAPIKey
		sinktest.BenchWrite(b, newTestSink(b, f, func(c *Config) { c.APIKey = testAPIKey }), id, recs, size)
	})
}
