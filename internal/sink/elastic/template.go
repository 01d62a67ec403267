package elastic

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/nametmpl"
)

// parseTarget reads an index or data stream name template. A data stream
// rolls over by itself, so its name takes no {date}.
func parseTarget(s string, allowDate bool) (nametmpl.Template, error) {
	if !allowDate && strings.Contains(s, "{date}") {
		return nil, fmt.Errorf("{date} is not allowed in a data stream name: a data stream rolls over by itself")
	}
	allowed := nametmpl.Base
	if allowDate {
		allowed = append(slices.Clone(allowed), "date")
	}
	return nametmpl.Parse(s, allowed)
}

// targets caches rendered names: a batch spans a day or two and one
// vendor, so a Write renders a handful of names, not one per record.
type targets struct {
	t     nametmpl.Template
	date  bool
	cache map[targetKey]string
}

type targetKey struct {
	vendor string
	day    int64 // days since 1970, when the template uses {date}
}

func newTargets(t nametmpl.Template) *targets {
	return &targets{t: t, date: t.Has("date"), cache: make(map[targetKey]string)}
}

// name returns the target of r; all records of a Write share a stream.
func (ts *targets) name(r *record.Record) string {
	k := targetKey{vendor: r.Vendor}
	if ts.date {
		k.day = r.Time.Unix() / 86400
		if r.Time.Unix() < 0 && r.Time.Unix()%86400 != 0 {
			k.day-- // floor, not truncation, before 1970
		}
	}
	if n, ok := ts.cache[k]; ok {
		return n
	}
	n := strings.ToLower(ts.t.Render(r)) // Elasticsearch refuses uppercase names
	ts.cache[k] = n
	return n
}

// appendTime appends t as Elasticsearch's default date format reads it.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
