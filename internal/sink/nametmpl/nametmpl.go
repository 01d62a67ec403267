// Package nametmpl parses and renders the name templates sinks use for
// indexes, sourcetypes and the like: literal text with {source}, {stream},
// {vendor} and, where allowed, {date} (the record's UTC day, YYYY.MM.DD).
package nametmpl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatelog/gatelog/internal/record"
)

// Template is a parsed template. Parsing once when the sink starts makes a
// typo a start-up error, not a runtime one.
type Template []string // even indexes: literals; odd: placeholder names

// Base are the placeholders every template may use.
var Base = []string{"source", "stream", "vendor"}

// Parse reads s, accepting the placeholders in allowed.
func Parse(s string, allowed []string) (Template, error) {
	var t Template
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
		if !slices.Contains(allowed, name) {
			return nil, fmt.Errorf("unknown placeholder {%s} (allowed: {%s})", name, strings.Join(allowed, "}, {"))
		}
		t = append(t, s[:open], name)
		s = s[open+end+1:]
	}
}

// Has reports whether t uses the placeholder name.
func (t Template) Has(name string) bool {
	for i := 1; i < len(t); i += 2 {
		if t[i] == name {
			return true
		}
	}
	return false
}

// Render returns t for record r.
func (t Template) Render(r *record.Record) string {
	if len(t) == 1 {
		return t[0]
	}
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
	return b.String()
}
