package elastic

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// template is a parsed target name: literal text and {placeholders}.
// Parsing once at New makes a typo a start-up error, not a runtime one.
type template []string // even indexes: literals; odd: placeholder names

func parseTemplate(s string, allowDate bool) (template, error) {
	var t template
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			return append(t, s), nil
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%q: unclosed {", s)
		}
		name := s[open+1 : open+end]
		switch {
		case name == "source", name == "stream", name == "vendor":
		case name == "date" && allowDate:
		case name == "date":
			return nil, fmt.Errorf("{date} is not allowed in a data stream name: a data stream rolls over by itself")
		default:
			return nil, fmt.Errorf("unknown placeholder {%s} (allowed: {source}, {stream}, {vendor}, {date})", name)
		}
		t = append(t, s[:open], name)
		s = s[open+end+1:]
	}
}

// has reports whether t uses the placeholder name.
func (t template) has(name string) bool {
	for i := 1; i < len(t); i += 2 {
		if t[i] == name {
			return true
		}
	}
	return false
}

// render returns the target of r, lowercased: Elasticsearch refuses
// uppercase index names, and source names may well have some.
func (t template) render(r *record.Record) string {
	var b strings.Builder
	for i, part := range t {
		if i%2 == 0 {
			b.WriteString(part)
			continue
		}
		switch part {
		case "source":
			b.WriteString(r.Source)
		case "stream":
			b.WriteString(r.Stream)
		case "vendor":
			b.WriteString(r.Vendor)
		case "date":
			b.WriteString(r.Time.UTC().Format("2006.01.02"))
		}
	}
	return strings.ToLower(b.String())
}

// targets caches rendered names: a batch spans a day or two and one
// vendor, so a Write renders a handful of names, not one per record.
type targets struct {
	t     template
	date  bool
	cache map[targetKey]string
}

type targetKey struct {
	vendor string
	day    int64 // days since 1970, when the template uses {date}
}

func newTargets(t template) *targets {
	return &targets{t: t, date: t.has("date"), cache: make(map[targetKey]string)}
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
	n := ts.t.render(r)
	ts.cache[k] = n
	return n
}

// appendString appends s as a JSON string. Names and ids are mostly plain,
// so json.Marshal (which gets every escape right) runs only when needed.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTime appends t as Elasticsearch's default date format reads it.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
