package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

const benchBatchSize = 1000

// BenchmarkWrite measures Write of 1000-record batches: the file sink
// (fsync included) as the baseline, then this sink against three in-process
// kfake brokers, acks=all. allocs/record counts the whole process, so the
// Kafka figure includes kfake's own work as a broker; Encode is the sink's
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
	b.Run("kafka", func(b *testing.B) {
		c := newCluster(b, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
		s, err := New(Config{Name: "bench", Brokers: c.ListenAddrs()})
		if err != nil {
			b.Fatal(err)
		}
		sinktest.BenchWrite(b, s, id, recs, size)
	})
	b.Run("kafka-encode", func(b *testing.B) {
		s, err := New(Config{Name: "bench", Brokers: []string{"127.0.0.1:1"}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.SetBytes(size)
		sinktest.Measure(b, len(recs), func() {
			if _, err := s.encode(id, recs); err != nil {
				b.Fatal(err)
			}
		})
	})
}
