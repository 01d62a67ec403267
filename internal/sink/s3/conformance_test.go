package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// TestConformance runs the suite against gofakes3, in both formats.
// Failures are S3 answers to the next upload: 503 SlowDown on every
// attempt minio-go makes (transient), 403 AccessDenied (permanent).
//
// JSON: the Reader lists the stream's objects in key order and reads them
// through the S3 API, checking each against its manifest.
//
// Parquet: the suite writes raw records, which Security Lake cannot take
// (Write quarantines a record without an OCSF event), and compares what
// it reads back byte for byte with them, time to the nanosecond and
// fields with their whitespace, which no OCSF mapping keeps. So the
// harness gives each record the event a pipeline hands a sink with schema
// ocsf: here a Base Event (class 0) holding the record's envelope, as
// written, under unmapped, a JSON text column, and the Reader reads the
// Security Lake objects (every object of the location, in key order, rows
// in order) and takes the stream's envelopes back from that column.
func TestConformance(t *testing.T) {
	for _, f := range []string{FormatJSON, FormatParquet} {
		t.Run(f, func(t *testing.T) {
			var st *store // of the latest New
			sinktest.Run(t, sinktest.Harness{
				New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
					st = newStore(t)
					if f == FormatJSON {
						s, err := New(st.config())
						if err != nil {
							t.Fatal(err)
						}
						return s, st.readStream
					}
					s, err := New(st.lakeConfig())
					if err != nil {
						t.Fatal(err)
					}
					return envelopeEvents{s}, st.readEnvelopes
				},
				FailNext: func(t *testing.T, kind sinktest.FailKind) {
					if kind == sinktest.Permanent {
						st.fail(accessDenied, 1)
						return
					}
					st.fail(slowDown, requestAttempts)
				},
				Secret:      testSecret,
				AtLeastOnce: true,
			})
		})
	}
}

// envelopeEvents gives each record a Base Event carrying its envelope
// before the sink writes it.
type envelopeEvents struct{ *Sink }

func (s envelopeEvents) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	out := make([]record.Record, len(recs))
	for i, r := range recs {
		r.Schema = normalize.OCSF
		r.Event = fmt.Appendf(nil, `{"class_uid":0,"category_uid":0,"activity_id":0,"type_uid":0,"severity_id":1,"time":%d,`+
			`"metadata":{"version":"1.8.0","product":{"name":"sinktest","vendor_name":"gatelog"},"uid":%s},"unmapped":%s}`,
			r.Time.UnixMilli(), record.AppendJSONString(nil, r.ID), r.AppendEnvelope(nil))
		out[i] = r
	}
	return s.Sink.Write(ctx, id, out)
}

// readEnvelopes reads the records of stream id from the Base Event
// location: every object in key order, each row's unmapped column.
func (st *store) readEnvelopes(t *testing.T, id record.StreamID) []record.Record {
	t.Helper()
	var out []record.Record
	for _, k := range st.keys(t, testPrefix) {
		if !strings.HasPrefix(k, testPrefix+"ext/"+DefaultSourceName(0)+"/") {
			t.Errorf("%s: not in the Base Event location", k)
			continue
		}
		body := st.get(t, k)
		f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		col, ok := f.Schema().Lookup("unmapped")
		if !ok {
			t.Fatalf("%s: no unmapped column", k)
		}
		r := parquet.NewReader(f)
		rows := make([]parquet.Row, 100)
		for {
			n, err := r.ReadRows(rows)
			for _, row := range rows[:n] {
				var env []byte
				for _, v := range row {
					if v.Column() == col.ColumnIndex {
						env = v.ByteArray()
					}
				}
				rec, _, err := sinktest.DecodeEnvelope(env)
				if err != nil {
					t.Fatalf("%s: %v: %q", k, err, env)
				}
				if rec.Source == id.Source && rec.Stream == id.Stream {
					out = append(out, rec)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}
		r.Close()
	}
	return out
}
