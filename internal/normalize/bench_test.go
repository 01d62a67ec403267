package normalize_test

import (
	"testing"

	"github.com/gatelog/gatelog/internal/normalize"
)

// BenchmarkNormalize renders each stream's test records as raw (the
// baseline: record.AppendJSON), as OCSF and as ECS, in the same run, so the
// cost of normalizing reads as a ratio: go test -bench Normalize -benchmem.
func BenchmarkNormalize(b *testing.B) {
	for _, s := range loadRecords(b) {
		for _, schema := range []string{normalize.Raw, normalize.OCSF, normalize.ECS} {
			b.Run(s.name+"/"+schema, func(b *testing.B) {
				b.ReportAllocs()
				var buf []byte
				var err error
				for i := 0; b.Loop(); i++ {
					buf, err = normalize.Append(schema, &s.recs[i%len(s.recs)], buf[:0])
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
