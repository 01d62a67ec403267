package sinktest

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// BenchBatch returns n records of realistic size (a Forcepoint access
// event, about 400 bytes), one second apart from 2026-11-20T10:00Z, and
// their envelope bytes: the batch every sink benchmark writes, so that
// figures compare.
func BenchBatch(id record.StreamID, n int) ([]record.Record, int64) {
	recs := make([]record.Record, n)
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

// BenchWrite benchmarks s writing recs (size envelope bytes) for id.
func BenchWrite(b *testing.B, s sink.Sink, id record.StreamID, recs []record.Record, size int64) {
	defer s.Close()
	ctx := context.Background()
	if err := s.Recover(ctx, id, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	Measure(b, len(recs), func() {
		if _, err := s.Write(ctx, id, recs); err != nil {
			b.Fatal(err)
		}
	})
}

// Measure runs op, one batch of n records, in the benchmark loop and
// reports records/s and heap allocations per record (the whole process's).
func Measure(b *testing.B, n int, op func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		op()
	}
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(n)
	b.ReportMetric(total/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/record")
}
