package elastic

import (
	"sync"

	"github.com/gatelog/gatelog/internal/record"
)

// maxIDBytes is Elasticsearch's limit on _id.
const maxIDBytes = 512

// ids decides each document's _id. It must be the same for a record every
// time, so that a redelivered record meets itself (409) instead of being
// stored twice, and it must differ between records: a 409 is taken as
// "already stored", so two records sharing an _id in one index would lose
// the second one silently.
type ids struct {
	// qualify prefixes "<source>/<stream>/" when the target name does not
	// separate streams: record ids are unique within a stream only.
	qualify bool
}

func (x ids) appendID(b []byte, r *record.Record) []byte {
	id := r.ID
	if x.qualify {
		id = r.Source + "/" + r.Stream + "/" + r.ID
	}
	if len(id) > maxIDBytes {
		id = record.HashID([]byte(id)) // still deterministic
	}
	return record.AppendJSONString(b, id)
}

// bufs pools request bodies, which are megabytes each.
var bufs = sync.Pool{New: func() any { return new([]byte) }}

func getBuf() *[]byte { return bufs.Get().(*[]byte) }

// putBuf returns a buffer unless a huge batch grew it: a pooled 100 MiB
// buffer would be pinned for the life of the process.
func putBuf(b *[]byte) {
	if cap(*b) <= 32<<20 {
		*b = (*b)[:0]
		bufs.Put(b)
	}
}

// encodeBulk appends the NDJSON of the longest prefix of recs within the
// batch limits (always at least one record) and returns how many it took.
func (s *Sink) encodeBulk(b []byte, ts *targets, recs []record.Record) ([]byte, int) {
	n := 0
	for n < len(recs) && n < s.cfg.BatchRecords {
		mark := len(b)
		b = s.appendItem(b, ts, &recs[n])
		if len(b) > s.cfg.BatchBytes && n > 0 {
			return b[:mark], n
		}
		n++
	}
	return b, n
}

// appendItem appends one create action and its document: the record as
// the sink's schema has it plus @timestamp, which Kibana, OpenSearch
// Dashboards and data streams expect (an ECS document has its own). create,
// not index: an _id already there is left alone and answered 409, which is
// what makes a redelivery idempotent.
func (s *Sink) appendItem(b []byte, ts *targets, r *record.Record) []byte {
	b = append(b, `{"create":{"_index":`...)
	b = record.AppendJSONString(b, ts.name(r))
	b = append(b, `,"_id":`...)
	b = s.ids.appendID(b, r)
	b = append(b, "}}\n"...)
	b = r.AppendJSON(b)
	if r.Schema == "ecs" {
		return append(b, '\n')
	}
	b = append(b[:len(b)-1], `,"@timestamp":`...) // reopen the envelope object
	b = appendTime(b, r.Time)
	return append(b, "}\n"...)
}
