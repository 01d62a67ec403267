package s3

import (
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

const benchBatchSize = 1000

// BenchmarkWrite measures Write of 1000-record batches within one hour:
// the file sink (fsync included) as the baseline, then this sink against
// an in-process gofakes3, one object and one manifest per batch.
// allocs/record counts the whole process, so the S3 figure includes the
// HTTP server and gofakes3; Encode (gzip, hashes, manifest) is the sink's
// share alone.
func BenchmarkWrite(b *testing.B) {
	id := record.StreamID{Source: "bench", Stream: "access"}
	recs, size := sinktest.BenchBatch(id, benchBatchSize)
	b.Run("file", func(b *testing.B) {
		s, err := file.New("bench", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		sinktest.BenchWrite(b, s, id, recs, size)
	})
	b.Run("s3", func(b *testing.B) {
		s, err := New(newStore(b).config())
		if err != nil {
			b.Fatal(err)
		}
		sinktest.BenchWrite(b, s, id, recs, size)
	})
	b.Run("s3-encode", func(b *testing.B) {
		b.SetBytes(size)
		sinktest.Measure(b, len(recs), func() {
			e := encoders.Get().(*encoder)
			hours, groups := groupByHour(recs)
			for _, g := range groups {
				e.build(testPrefix, id, recs, hours, g)
			}
			encoders.Put(e)
		})
	})
}
