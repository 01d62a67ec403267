package pipeline

import (
	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/record"
)

// views are the batch in each schema the stream's sinks ask for beyond the
// raw envelope: copies of the records carrying their event, each record
// mapped once per schema however many sinks share it.
func (r *runner) views(recs []record.Record) map[string][]record.Record {
	out := map[string][]record.Record{}
	for _, s := range r.o.Sinks {
		schema := r.o.Schemas[s.Name()]
		if schema == "" || schema == normalize.Raw || out[schema] != nil || r.stopped[s.Name()] != nil {
			continue
		}
		out[schema] = r.normalized(schema, recs)
	}
	return out
}

// normalized maps recs into schema, into one buffer. A record that cannot
// be mapped (its fields are not an object: a source bug) is kept as its raw
// envelope rather than lost, with a warning.
func (r *runner) normalized(schema string, recs []record.Record) []record.Record {
	view := make([]record.Record, len(recs))
	ends := make([]int, len(recs))
	var buf []byte
	failed := 0
	for i := range recs {
		before := len(buf)
		var err error
		if buf, err = normalize.Append(schema, &recs[i], buf); err != nil {
			buf = recs[i].AppendEnvelope(buf[:before])
			failed++
		}
		ends[i] = len(buf)
	}
	start := 0
	for i := range recs {
		view[i] = recs[i]
		view[i].Schema, view[i].Event = schema, buf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	if failed > 0 {
		id := r.st.ID()
		r.o.Logger.Warn("records that cannot be normalized are written raw", "source", id.Source, "stream", id.Stream,
			"schema", schema, "count", failed)
	}
	return view
}
