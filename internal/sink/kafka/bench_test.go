package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/file"
)

const benchBatchSize = 1000

// BenchmarkWrite measures Write of 1000-record batches: the file sink
// (fsync included) as the baseline, then this sink against three in-process
// kfake brokers, acks=all. allocs/record counts the whole process, so the
// Kafka figure includes kfake's own work as a broker; Encode is the sink's
// share alone.
func BenchmarkWrite(b *testing.B) {
	id := record.StreamID{Source: "bench", Stream: "access"}
	recs, size := benchBatch(id)
	b.Run("file", func(b *testing.B) {
		s, err := file.New("bench", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		benchSink(b, s, id, recs, size)
	})
	b.Run("kafka", func(b *testing.B) {
		c := newCluster(b, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
		s, err := New(Config{Name: "bench", Brokers: c.ListenAddrs()})
		if err != nil {
			b.Fatal(err)
		}
		benchSink(b, s, id, recs, size)
	})
	b.Run("kafka-encode", func(b *testing.B) {
		s, err := New(Config{Name: "bench", Brokers: []string{"127.0.0.1:1"}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.SetBytes(size)
		measure(b, func() {
			if _, err := s.encode(id, recs); err != nil {
				b.Fatal(err)
			}
		})
	})
}

func benchSink(b *testing.B, s sink.Sink, id record.StreamID, recs []record.Record, size int64) {
	defer s.Close()
	ctx := context.Background()
	if err := s.Recover(ctx, id, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	measure(b, func() {
		if _, err := s.Write(ctx, id, recs); err != nil {
			b.Fatal(err)
		}
	})
}

// measure runs op, one batch, in the benchmark loop and reports records/s
// and heap allocations per record.
func measure(b *testing.B, op func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		op()
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N) * benchBatchSize
	b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/record")
}

// benchBatch returns benchBatchSize records of realistic size (a Forcepoint
// access event, about 400 bytes) within one hour, and their envelope size.
func benchBatch(id record.StreamID) ([]record.Record, int64) {
	recs := make([]record.Record, benchBatchSize)
	var size int64
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i := range recs {
		tx := fmt.Sprintf("tx-%08d", i)
		recs[i] = record.Record{
			Time: start.Add(time.Duration(i) * time.Second), Vendor: "forcepoint", Source: id.Source, Stream: id.Stream, ID: tx,
			Fields: json.RawMessage(`{"transactionid":"` + tx + `","time":"20 Nov 2026 10:00:00","email":"user@example.com",` +
				`"action":"allow","application":"Microsoft Office 365","url":"https://outlook.office.com/mail/inbox",` +
				`"useragent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","sourceip":"203.0.113.7","bytes":18432}`),
		}
		size += int64(len(recs[i].AppendJSON(nil)) + 1)
	}
	return recs, size
}
