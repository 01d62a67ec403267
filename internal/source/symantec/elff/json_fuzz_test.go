package elff

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// referenceJSON is the object AppendJSON wrote before it used the split's
// plain flags and pre-rendered keys: every key and value quoted one by one
// with referenceString, the straightforward encoding.
func referenceJSON(p *Parser) []byte {
	out := []byte{'{'}
	for i, name := range p.Fields() {
		if i > 0 {
			out = append(out, ',')
		}
		out = referenceString(out, []byte(name))
		out = append(out, ':')
		var v []byte
		if i < len(p.Values()) {
			v = p.Values()[i]
		}
		out = referenceString(out, v)
	}
	return append(out, '}')
}

// referenceString is appendJSONString as it was: a byte loop with the
// UTF-8 decision taken on the whole value first.
func referenceString(dst, v []byte) []byte {
	dst = append(dst, '"')
	utf := utf8.Valid(v)
	for _, c := range v {
		switch {
		case c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || utf):
			dst = append(dst, c)
		case c >= 0x80:
			dst = utf8.AppendRune(dst, latin9[c-0x80])
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(dst, '"')
}

// FuzzAppendJSONMatchesReference feeds the input to one parser line by
// line, like FuzzLine, and checks for every line that Classify names the
// kind Line returns and, for a data line that parses, that AppendJSON (the
// one-pass encoder that copies plain values whole) writes exactly the
// reference encoding, into any buffer, without writing beyond what it
// returns.
func FuzzAppendJSONMatchesReference(f *testing.F) {
	f.Add([]byte(defaultFields + "\n" + sampleLine + "\n"))
	f.Add([]byte("#Fields: date time x\n2026-12-06 10:00:00 caf\xe9\n2026-12-06 10:00:00 \"a\tb\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewParser(1 << 12)
		for _, line := range bytes.Split(data, []byte("\n")) {
			want := Classify(line)
			k, err := p.Line(line)
			if k != want {
				t.Fatalf("Classify(%q) = %v, Line says %v", line, want, k)
			}
			if k != KindData || err != nil {
				continue
			}
			ref := referenceJSON(p)
			// A buffer with room, one without, one with bytes before.
			for _, dst := range [][]byte{make([]byte, 0, p.JSONSizeHint(len(line))), nil, []byte("prefix")} {
				before := len(dst)
				spare := dst[len(dst):cap(dst)]
				for i := range spare {
					spare[i] = 0xAA
				}
				got := p.AppendJSON(dst)
				if !bytes.Equal(got[before:], ref) {
					t.Fatalf("line %q:\ngot  %s\nwant %s", line, got[before:], ref)
				}
				if cap(got) == cap(dst) {
					for _, c := range dst[len(got):cap(dst)] {
						if c != 0xAA {
							t.Fatalf("line %q: AppendJSON wrote past what it returned", line)
						}
					}
				}
			}
		}
	})
}
