package file

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// BenchmarkFileWrite measures Write of 1000-record batches, fsync included,
// for batches within one day and batches spread over three.
func BenchmarkFileWrite(b *testing.B) {
	for _, days := range []int{1, 3} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) { benchWrite(b, days) })
	}
}

func benchWrite(b *testing.B, days int) {
	const batch = 1000
	s, err := New("bench", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Recover(ctx, testID, nil); err != nil {
		b.Fatal(err)
	}
	recs, size := benchBatch(batch, days)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Write(ctx, testID, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*batch/b.Elapsed().Seconds(), "records/s")
}

// benchBatch returns n records of realistic size (a Forcepoint access event,
// about 400 bytes) over the given number of days, and their encoded size.
func benchBatch(n, days int) ([]record.Record, int64) {
	recs := make([]record.Record, n)
	var size int64
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		id := fmt.Sprintf("tx-%08d", i)
		recs[i] = record.Record{
			Time: base.AddDate(0, 0, i%days).Add(time.Duration(i) * time.Second), Vendor: "forcepoint",
			Source: testID.Source, Stream: testID.Stream, ID: id,
			Fields: json.RawMessage(`{"transactionid":"` + id + `","time":"20 Nov 2026 10:00:00","email":"user@example.com",` +
				`"action":"allow","application":"Microsoft Office 365","url":"https://outlook.office.com/mail/inbox",` +
				`"useragent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","sourceip":"203.0.113.7","bytes":18432}`),
		}
		size += int64(len(recs[i].AppendJSON(nil)) + 1)
	}
	return recs, size
}
