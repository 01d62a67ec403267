package forcepoint

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// recordKeys are the fields gatelog reads from a record; the rest is
// carried as received.
type recordKeys struct {
	Time, TransactionID, FileID string
	HasTime                     bool // "time" is present and a string
	NotObject                   bool // the record is a list, string, number, ...
}

var errNotObject = errors.New("record is not a JSON object")

// maxDepth is encoding/json's nesting limit, which the decoder this one
// replaced applied to each record (and each skipped value) on its own.
const maxDepth = 10000

// scanner validates JSON in one pass over the bytes, as strictly as
// encoding/json does, and keeps the few values the caller asks for. It
// replaced encoding/json's Decoder over the page followed by a key scan of
// each record, which cost 5 to 7 times json.Valid on the same page; the
// pages' shape is fixed, so a small hand-written scanner is enough.
type scanner struct {
	b  []byte
	i  int
	nl bool // a CR or LF was skipped as whitespace
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) ws() {
	for ; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case ' ', '\t':
		case '\n', '\r':
			s.nl = true
		default:
			return
		}
	}
}

// record reads one element of response.data. It returns the record's
// bytes as received (compacted if it spans lines) and, for an object, the
// keys gatelog needs; a record that is not an object is marked, not an
// error: it is quarantined, while invalid JSON fails the page.
func (s *scanner) record() (raw json.RawMessage, k recordKeys, ok bool) {
	start := s.i
	s.nl = false
	if s.peek() == '{' {
		ok = s.object(1, &k)
	} else {
		k.NotObject = true
		ok = s.value(0)
	}
	if !ok {
		return nil, k, false
	}
	// The record shares the body's array; the cap stops an append to it
	// from overwriting the next record.
	raw = s.b[start:s.i:s.i]
	if s.nl {
		raw = compact(raw)
	}
	return raw, k, true
}

// value reads any value inside a container at depth.
func (s *scanner) value(depth int) bool {
	switch s.peek() {
	case '"':
		_, _, ok := s.str()
		return ok
	case '{':
		return s.object(depth+1, nil)
	case '[':
		return s.array(depth + 1)
	case 't':
		return s.word("true")
	case 'f':
		return s.word("false")
	case 'n':
		return s.word("null")
	}
	return s.number()
}

// object reads an object at depth. With k (a record's own object), it
// also keeps the members gatelog needs.
func (s *scanner) object(depth int, k *recordKeys) bool {
	if depth > maxDepth {
		return false
	}
	s.i++ // '{'
	if s.ws(); s.eat('}') {
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		key, esc, ok := s.str()
		if s.ws(); !ok || !s.eat(':') {
			return false
		}
		s.ws()
		if k != nil {
			ok = s.member(k, keyName(key, esc), depth)
		} else {
			ok = s.value(depth)
		}
		if s.ws(); !ok {
			return false
		}
		if s.eat('}') {
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.ws()
	}
}

func (s *scanner) array(depth int) bool {
	if depth > maxDepth {
		return false
	}
	s.i++ // '['
	if s.ws(); s.eat(']') {
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		if s.ws(); s.eat(']') {
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.ws()
	}
}

// member reads the value of a record's top-level key. As with encoding/json
// into a map, the last occurrence of a key wins, also when it is not a
// string; keys match exactly (the vendor's keys are lower case).
func (s *scanner) member(k *recordKeys, key []byte, depth int) bool {
	dst := k.target(key)
	if dst == nil {
		return s.value(depth)
	}
	isTime := string(key) == "time"
	*dst = ""
	k.HasTime = k.HasTime && !isTime
	if s.peek() != '"' {
		return s.value(depth)
	}
	lit, esc, ok := s.str()
	if ok {
		*dst = unquote(lit, esc)
		k.HasTime = k.HasTime || isTime
	}
	return ok
}

func (k *recordKeys) target(key []byte) *string {
	switch string(key) { // compiled without allocating
	case "time":
		return &k.Time
	case "transactionid":
		return &k.TransactionID
	case "fileid":
		return &k.FileID
	}
	return nil
}

// plain marks the bytes a string literal holds as they are: not '"', not
// '\\', not a control character (which JSON forbids in strings).
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string literal and returns it with its quotes; esc tells
// whether it has escapes. Bytes that are not UTF-8 pass, as in
// encoding/json.
func (s *scanner) str() (lit []byte, esc, ok bool) {
	b, i := s.b, s.i+1 // after the opening quote, which the caller saw
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		switch {
		case i >= len(b) || b[i] < 0x20:
			s.i = i
			return nil, false, false
		case b[i] == '"':
			lit, s.i = b[s.i:i+1], i+1
			return lit, esc, true
		}
		esc = true // b[i] is '\\'
		switch {
		case i+1 < len(b) && strings.IndexByte(`"\/bfnrt`, b[i+1]) >= 0:
			i += 2
		case i+5 < len(b) && b[i+1] == 'u' && isHex(b[i+2]) && isHex(b[i+3]) && isHex(b[i+4]) && isHex(b[i+5]):
			i += 6
		default:
			s.i = i
			return nil, false, false
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; what follows
// it is the caller's to check.
func (s *scanner) number() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); b[i-1] == '.' {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	return true
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func (s *scanner) word(w string) bool {
	if string(s.b[s.i:min(s.i+len(w), len(s.b))]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// keyName is a key literal's text; escapes in keys are rare, so only then
// is the key decoded.
func keyName(lit []byte, esc bool) []byte {
	if !esc {
		return lit[1 : len(lit)-1]
	}
	return []byte(unquote(lit, esc))
}

// unquote decodes a valid JSON string literal (with its quotes); only
// literals with escapes or invalid UTF-8 (which encoding/json turns into
// U+FFFD) take the slow path.
func unquote(lit []byte, esc bool) string {
	inner := lit[1 : len(lit)-1]
	if !esc && utf8.Valid(inner) {
		return string(inner)
	}
	var v string
	_ = json.Unmarshal(lit, &v) // cannot fail: str validated lit
	return v
}

// compact removes the whitespace between the tokens of a valid record that
// spans lines, so that it stays one line in JSON Lines output (as
// json.Compact does). Strings are copied as they are.
func compact(raw []byte) json.RawMessage {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			s := scanner{b: raw, i: i}
			lit, _, _ := s.str()
			out = append(out, lit...)
			i = s.i - 1
		default:
			out = append(out, c)
		}
	}
	return out
}
