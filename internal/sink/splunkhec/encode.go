package splunkhec

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/nametmpl"
)

// meta holds the parsed metadata templates of every event.
type meta struct {
	host                      string
	index, sourceType, source nametmpl.Template
}

// encoder builds request bodies. Encoders are pooled: the gzip state alone
// is hundreds of KiB, too much to allocate per Write.
type encoder struct {
	raw  []byte       // the uncompressed events of one request
	zbuf bytes.Buffer // raw, gzipped
	zw   *gzip.Writer

	// The metadata of the last vendor seen: a stream's records nearly
	// always share one, so it is rendered once per Write, not per record.
	vendor string
	head   []byte // `,"host":...,"event":`
}

var encoders = sync.Pool{New: func() any {
	// BestSpeed: HEC throughput is bound by the sender's CPU long before
	// the last few percent of compression matter on the wire.
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level never fails
	return &encoder{zw: zw}
}}

func getEncoder() *encoder {
	e := encoders.Get().(*encoder)
	e.head = e.head[:0]
	return e
}

// release returns e to the pool unless a huge batch grew its buffers: a
// pooled 100 MiB buffer would be pinned for the life of the process.
func (e *encoder) release() {
	if cap(e.raw) > 16<<20 || e.zbuf.Cap() > 16<<20 {
		return
	}
	encoders.Put(e)
}

// next encodes the events of the longest prefix of recs within the batch
// limits (always at least one record), and returns the request body.
func (e *encoder) next(m *meta, recs []record.Record, maxRecs, maxBytes int, gz bool) (body []byte, n int) {
	e.raw = e.raw[:0]
	for n < len(recs) && n < maxRecs {
		mark := len(e.raw)
		e.raw = e.appendEvent(e.raw, m, &recs[n])
		if len(e.raw) > maxBytes && n > 0 {
			e.raw = e.raw[:mark]
			break
		}
		n++
	}
	if !gz {
		return e.raw, n
	}
	e.zbuf.Reset()
	e.zw.Reset(&e.zbuf)
	_, _ = e.zw.Write(e.raw) // writes to a bytes.Buffer cannot fail
	_ = e.zw.Close()
	return e.zbuf.Bytes(), n
}

// appendEvent appends one HEC event object: its time, metadata and the
// record's envelope as the event, so that Splunk holds the same document
// the file sink writes.
func (e *encoder) appendEvent(b []byte, m *meta, r *record.Record) []byte {
	b = append(b, `{"time":`...)
	b = appendEpoch(b, r.Time)
	if len(e.head) == 0 || r.Vendor != e.vendor {
		e.vendor = r.Vendor
		e.head = m.appendHead(e.head[:0], r)
	}
	b = append(b, e.head...)
	b = r.AppendJSON(b)
	return append(b, "}\n"...)
}

// appendHead appends the metadata keys between time and event.
func (m *meta) appendHead(b []byte, r *record.Record) []byte {
	if m.host != "" {
		b = record.AppendJSONString(append(b, `,"host":`...), m.host)
	}
	b = record.AppendJSONString(append(b, `,"source":`...), m.source.Render(r))
	b = record.AppendJSONString(append(b, `,"sourcetype":`...), m.sourceType.Render(r))
	if idx := m.index.Render(r); idx != "" {
		b = record.AppendJSONString(append(b, `,"index":`...), idx)
	}
	return append(b, `,"event":`...)
}

// appendEpoch appends t as epoch seconds with a millisecond fraction, the
// precision HEC keeps. The envelope inside the event keeps the full time.
func appendEpoch(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 { // before 1970: floor, so the fraction stays positive
		sec, frac = sec-1, frac+1000
	}
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}
