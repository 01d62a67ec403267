package forcepoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// recordKeys are the fields gatelog reads from a record; the rest is
// carried as received.
type recordKeys struct {
	Time, TransactionID, FileID string
	HasTime                     bool // "time" is present and a string
}

var errNotObject = errors.New("record is not a JSON object")

// scanKeys reads the top-level string values of time, transactionid and
// fileid from one record. A full json.Unmarshal per record costs as much as
// decoding the page again; this walks the bytes once and decodes only the
// three strings. As with encoding/json into a map, the last occurrence of a
// key wins; keys match exactly (the vendor's keys are lower case).
func scanKeys(raw []byte) (recordKeys, error) {
	var k recordKeys
	s := scanner{b: raw}
	if s.ws(); !s.eat('{') {
		return k, errNotObject
	}
	for first := true; ; first = false {
		if s.ws(); s.eat('}') {
			return k, nil
		}
		if !first && !s.eat(',') {
			return k, errNotObject
		}
		s.ws()
		key, ok := s.str()
		if s.ws(); !ok || !s.eat(':') {
			return k, errNotObject
		}
		s.ws()
		if err := s.member(&k, key); err != nil {
			return k, err
		}
	}
}

// member reads one value, keeping it when key is one gatelog needs. A
// later duplicate replaces an earlier one, also when it is not a string.
func (s *scanner) member(k *recordKeys, lit []byte) error {
	key := lit[1 : len(lit)-1]
	if bytes.IndexByte(key, '\\') >= 0 { // rare: decode the escapes
		var dec string
		if err := json.Unmarshal(lit, &dec); err != nil {
			return errNotObject
		}
		key = []byte(dec)
	}
	dst := k.target(key)
	if dst != nil {
		*dst = ""
		if string(key) == "time" {
			k.HasTime = false
		}
	}
	if dst == nil || s.peek() != '"' {
		if !s.skip() {
			return errNotObject
		}
		return nil
	}
	v, ok := s.str()
	if !ok {
		return errNotObject
	}
	if err := unquote(v, dst); err != nil {
		return err
	}
	k.HasTime = k.HasTime || string(key) == "time"
	return nil
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

// unquote decodes a JSON string literal (with its quotes); only literals
// with escapes or invalid UTF-8 (which encoding/json turns into U+FFFD)
// take the slow path.
func unquote(lit []byte, dst *string) error {
	inner := lit[1 : len(lit)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return json.Unmarshal(lit, dst)
	}
	*dst = string(inner)
	return nil
}

type scanner struct {
	b []byte
	i int
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
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// str reads a string literal and returns it with its quotes.
func (s *scanner) str() ([]byte, bool) {
	start := s.i
	if !s.eat('"') {
		return nil, false
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.b[start:s.i], true
		default:
			s.i++
		}
	}
	return nil, false
}

// skip passes over any value: a string, a nested object or array, or a
// scalar.
func (s *scanner) skip() bool {
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return ok
	case '{', '[':
		return s.skipNested()
	}
	start := s.i
	for s.i < len(s.b) && !isDelim(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

func (s *scanner) skipNested() bool {
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if _, ok := s.str(); !ok {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return true
			}
		}
		s.i++
	}
	return false
}

func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}
