package archive

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/gatelog/gatelog/internal/source/symantec/elff"
)

// benchMember is one 8 MiB ELFF member, gzip'd, and the archive holding it.
func benchMember(b *testing.B) (block string, gzData, zipData []byte) {
	block, _ = elffBlock(8<<20, 2)
	gzData = gz(b, block)
	return block, gzData, buildZip(b, entry{name: "cloud_abcde_20260122050000.log.gz", data: gzData})
}

// BenchmarkWalk measures MB/s of uncompressed ELFF through Walk. Compare it
// with BenchmarkGunzipBaseline, the cost of gunzip alone on the same member.
func BenchmarkWalk(b *testing.B) {
	block, _, z := benchMember(b)
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		var n int
		_, err := Walk(bytes.NewReader(z), int64(len(z)), Limits{}, func(l Line) error {
			n++
			return nil
		})
		if err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkGunzipBaseline(b *testing.B) {
	block, gzData, _ := benchMember(b)
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(gzData))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalkELFF adds what the source does per line: split it against
// #Fields, render JSON and read the time.
func BenchmarkWalkELFF(b *testing.B) {
	block, _, z := benchMember(b)
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	p := elff.NewParser(0)
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		_, err := Walk(bytes.NewReader(z), int64(len(z)), Limits{}, func(l Line) error {
			k, err := p.Line(l.Bytes)
			if k == elff.KindData && err == nil {
				buf = p.AppendJSON(buf[:0])
				_, err = p.Time()
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
