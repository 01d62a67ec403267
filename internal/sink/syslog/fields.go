package syslog

import (
	"errors"

	"github.com/gatelog/gatelog/internal/jsonstr"
)

// field is one top-level member of a record's fields object.
type field struct {
	key    []byte // unescaped name
	rawKey []byte // the name as in the JSON, quotes included
	raw    []byte // the value as in the JSON
	val    []byte // unescaped string, raw scalar or raw object/array; nil for null
	used   bool   // mapped to a format key, or duplicated by the envelope
}

// fieldSet holds the top-level fields of one record. CEF and LEEF need
// them by name, and Severity by value; decoding them once per record with
// this scanner is cheaper than encoding/json and, reused, allocation-free.
type fieldSet struct {
	list []field
	buf  []byte // unescaped strings; never grows past cap, see parse
	tmp  []byte // scratch for composed values and the cs6 object
	raw  []byte // the fields as received
	bad  bool   // raw is not a JSON object: list is empty
}

var errNotObject = errors.New("fields are not a JSON object")

// parse splits raw, a JSON object, into fields. Values are not validated
// beyond what finding their end needs: the sources deliver valid JSON.
func (fs *fieldSet) parse(raw []byte) error {
	fs.list = fs.list[:0]
	fs.raw = raw
	// An unescaped string is never longer than its JSON form, so buf never
	// reallocates and the slices into it stay valid.
	if cap(fs.buf) < len(raw) {
		fs.buf = make([]byte, 0, len(raw))
	}
	fs.buf = fs.buf[:0]
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return errNotObject
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil
	}
	for {
		next, err := fs.member(raw, i)
		if err != nil {
			return err
		}
		i = skipSpace(raw, next)
		switch {
		case i < len(raw) && raw[i] == ',':
			i = skipSpace(raw, i+1)
		case i < len(raw) && raw[i] == '}':
			return nil
		default:
			return errNotObject
		}
	}
}

// member reads `"key": value` at i and returns the index after the value.
func (fs *fieldSet) member(raw []byte, i int) (int, error) {
	if i >= len(raw) || raw[i] != '"' {
		return 0, errNotObject
	}
	kend := stringEnd(raw, i)
	if kend < 0 {
		return 0, errNotObject
	}
	f := field{rawKey: raw[i:kend]}
	i = skipSpace(raw, kend)
	if i >= len(raw) || raw[i] != ':' {
		return 0, errNotObject
	}
	vstart := skipSpace(raw, i+1)
	vend := valueEnd(raw, vstart)
	if vend < 0 {
		return 0, errNotObject
	}
	f.raw = raw[vstart:vend]
	f.key = fs.unquote(f.rawKey)
	switch {
	case raw[vstart] == '"':
		f.val = fs.unquote(f.raw)
	case string(f.raw) != "null":
		f.val = f.raw
	}
	fs.list = append(fs.list, f)
	return vend, nil
}

// unquote returns the content of the JSON string q (quotes included),
// unescaped into buf when it has escapes.
func (fs *fieldSet) unquote(q []byte) []byte {
	s := q[1 : len(q)-1]
	if indexByte(s, '\\') < 0 {
		return s
	}
	start := len(fs.buf)
	fs.buf = jsonstr.AppendUnescaped(fs.buf, s)
	return fs.buf[start:len(fs.buf):len(fs.buf)]
}

// appendRest appends, as one JSON object, the non-empty fields no key
// took, in their original order and encoding (line breaks flattened, see
// appendEnvelope); nothing when there are none. Unparseable fields come
// out whole.
func (fs *fieldSet) appendRest(b []byte) []byte {
	start := len(b)
	if fs.bad {
		if len(fs.raw) == 0 {
			return b
		}
		b = append(b, fs.raw...)
		flattenLines(b[start:])
		return b
	}
	b = append(b, '{')
	for i := range fs.list {
		fl := &fs.list[i]
		if fl.used || len(fl.val) == 0 {
			continue
		}
		if len(b) > start+1 {
			b = append(b, ',')
		}
		b = append(append(append(b, fl.rawKey...), ':'), fl.raw...)
	}
	if len(b) == start+1 {
		return b[:start]
	}
	flattenLines(b[start:])
	return append(b, '}')
}

// get returns the field named name, or nil.
func (fs *fieldSet) get(name string) *field {
	for i := range fs.list {
		if string(fs.list[i].key) == name {
			return &fs.list[i]
		}
	}
	return nil
}

// value returns the value of the field named name ("" when absent or null).
func (fs *fieldSet) value(name string) []byte {
	if f := fs.get(name); f != nil {
		return f.val
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// opens at i, or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value at i, or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		return nestedEnd(b, i)
	}
	j := i
	for j < len(b) && !isDelim(b[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// nestedEnd skips an object or array, strings inside included.
func nestedEnd(b []byte, i int) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			e := stringEnd(b, j)
			if e < 0 {
				return -1
			}
			j = e - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}
