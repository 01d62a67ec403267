package syslog

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/file"
)

// BenchmarkFormat measures formatting alone, one record per op (so
// allocs/op is allocations per record), over the fixtures of every stream.
func BenchmarkFormat(b *testing.B) {
	recs := fixtures(b)
	for _, fn := range formatNames {
		b.Run(fn.name, func(b *testing.B) {
			f := testFormatter(fn.f)
			var fs fieldSet
			var buf []byte
			var size int64
			for i := range recs {
				size += int64(len(f.appendMessage(nil, &recs[i], &fs)))
			}
			b.SetBytes(size / int64(len(recs)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				buf = f.appendMessage(buf[:0], &recs[i%len(recs)], &fs)
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

const benchBatchSize = 1000

// BenchmarkWriteTCP measures Write of 1000-record batches to a loopback
// receiver that discards what it reads, per format.
func BenchmarkWriteTCP(b *testing.B) {
	for _, format := range []string{"rfc5424", "cef", "leef", "json"} {
		b.Run(format, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go discard(ln)
			s, err := New(Config{Name: "bench", Address: ln.Addr().String(), Protocol: "tcp", Format: format})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchSink(b, s)
		})
	}
}

// BenchmarkFileSinkBaseline is the file sink (fsync included) writing the
// same batches, for comparison with BenchmarkWriteTCP.
func BenchmarkFileSinkBaseline(b *testing.B) {
	s, err := file.New("bench", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchSink(b, s)
}

type benchTarget interface {
	Recover(ctx context.Context, id record.StreamID, pos []byte) error
	Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error)
}

func benchSink(b *testing.B, s benchTarget) {
	ctx := context.Background()
	if err := s.Recover(ctx, idA, nil); err != nil {
		b.Fatal(err)
	}
	recs := batch(idA, 0, benchBatchSize)
	var size int64
	for i := range recs {
		size += int64(len(recs[i].AppendJSON(nil)) + 1)
	}
	b.SetBytes(size) // envelope bytes, the same for every sink
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Write(ctx, idA, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchBatchSize/b.Elapsed().Seconds(), "records/s")
}

func discard(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(io.Discard, c)
		}()
	}
}
