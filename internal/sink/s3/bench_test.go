package s3

import (
	"testing"
	"time"

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
			encodeAll(b, format{prefix: testPrefix, maxRecords: DefaultMaxObjectRecords, maxBytes: DefaultMaxObjectBytes}, id, recs)
		})
	})
}

// encodeAll builds every object of recs as Write does, without storing
// them, and returns their total size.
func encodeAll(tb testing.TB, f format, id record.StreamID, recs []record.Record) (size int64) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	groups, rejects := e.group(&f, recs)
	if len(rejects) > 0 {
		tb.Fatalf("%d records rejected: %s", len(rejects), rejects[0].reason)
	}
	for _, g := range groups {
		for idx := e.members(&f, recs, g); len(idx) > 0; {
			obj, err := e.build(&f, id, recs, idx, g.key)
			if err != nil {
				tb.Fatal(err)
			}
			size += int64(len(obj.body))
			idx = idx[obj.n:]
		}
	}
	return size
}

// BenchmarkFormats writes the same 1000 OCSF events (the normalize
// package's sample records of every stream, repeated, one second apart:
// 9 classes, one hour) as JSON Lines and as Parquet: Write against
// gofakes3, then encoding alone. ns/record and bytes/record (the objects
// as stored, manifests left out) compare the formats.
func BenchmarkFormats(b *testing.B) {
	id := record.StreamID{Source: "bench", Stream: "mixed"}
	recs := manyOCSF(b, benchBatchSize, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), time.Second)
	var size int64
	for i := range recs {
		size += int64(len(recs[i].Event) + 1)
	}
	encodeOnly := newStore(b) // for configs only
	for _, f := range []string{FormatJSON, FormatParquet} {
		cfg := func(st *store) Config {
			if f == FormatJSON {
				return st.config()
			}
			return st.lakeConfig()
		}
		perRecord := func(b *testing.B) {
			c := cfg(encodeOnly)
			c.SetDefaults(nil)
			b.ReportMetric(float64(encodeAll(b, newFormat(c), id, recs))/float64(len(recs)), "bytes/record")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(recs)), "ns/record")
		}
		b.Run(f, func(b *testing.B) {
			s, err := New(cfg(newStore(b)))
			if err != nil {
				b.Fatal(err)
			}
			sinktest.BenchWrite(b, s, id, recs, size)
			perRecord(b)
		})
		b.Run(f+"-encode", func(b *testing.B) {
			c := cfg(encodeOnly)
			c.SetDefaults(nil)
			format := newFormat(c)
			b.SetBytes(size)
			sinktest.Measure(b, len(recs), func() { encodeAll(b, format, id, recs) })
			perRecord(b)
		})
	}
}
