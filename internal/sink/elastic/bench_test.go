package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/file"
)

// BenchmarkWrite measures Write of 1000-record batches against the fake
// cluster (in discard mode: it parses every action and document and
// answers 201s, but keeps nothing), with the file sink writing the same
// records as the baseline. allocs/record counts the whole process, the
// in-process server's allocations included.
func BenchmarkWrite(b *testing.B) {
	b.Run("file", func(b *testing.B) {
		s, err := file.New("bench", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		benchSink(b, s)
	})
	b.Run("elastic", func(b *testing.B) {
		f := newFakeES(b)
		f.discard, f.apiKey = true, testAPIKey
		benchSink(b, newTestSink(b, f, func(c *Config) { c.APIKey = testAPIKey }))
	})
}

func benchSink(b *testing.B, s sink.Sink) {
	const batch = 1000
	defer s.Close()
	ctx := context.Background()
	id := record.StreamID{Source: "acme-fp", Stream: "admin"}
	if err := s.Recover(ctx, id, nil); err != nil {
		b.Fatal(err)
	}
	recs, size := benchBatch(id, batch)
	b.SetBytes(size)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, err := s.Write(ctx, id, recs); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N) * batch
	b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/record")
}

// benchBatch returns n records of realistic size (a Forcepoint access
// event, about 400 bytes), as the file sink's benchmark makes them, and
// their envelope size.
func benchBatch(id record.StreamID, n int) ([]record.Record, int64) {
	recs := make([]record.Record, n)
	var size int64
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		rid := fmt.Sprintf("tx-%08d", i)
		recs[i] = record.Record{
			Time: base.Add(time.Duration(i) * time.Second), Vendor: "forcepoint",
			Source: id.Source, Stream: id.Stream, ID: rid,
			Fields: json.RawMessage(`{"transactionid":"` + rid + `","time":"20 Nov 2026 10:00:00","email":"user@example.com",` +
				`"action":"allow","application":"Microsoft Office 365","url":"https://outlook.office.com/mail/inbox",` +
				`"useragent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","sourceip":"203.0.113.7","bytes":18432}`),
		}
		size += int64(len(recs[i].AppendJSON(nil)) + 1)
	}
	return recs, size
}
