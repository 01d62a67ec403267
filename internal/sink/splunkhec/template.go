package splunkhec

import (
	"encoding/json"
	"fmt"
	"strings"
)

// vars are the values a template may use.
type vars struct{ source, stream, vendor string }

// template is a parsed name template: literal text and {placeholders}.
// Parsing once at New makes a typo a start-up error, not a runtime one.
type template []string // even indexes: literals; odd: placeholder names

func parseTemplate(s string) (template, error) {
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
		switch name {
		case "source", "stream", "vendor":
		default:
			return nil, fmt.Errorf("unknown placeholder {%s} (allowed: {source}, {stream}, {vendor})", name)
		}
		t = append(t, s[:open], name)
		s = s[open+end+1:]
	}
}

func (t template) render(v vars) string {
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
			b.WriteString(v.source)
		case "stream":
			b.WriteString(v.stream)
		case "vendor":
			b.WriteString(v.vendor)
		}
	}
	return b.String()
}

// appendString appends s as a JSON string. Names are short and plain, so
// json.Marshal (which gets every escape right) runs only when one needs it.
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
