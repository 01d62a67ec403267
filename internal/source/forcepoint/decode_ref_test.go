package forcepoint

// The page decoder and record key scanner that decode.go and keys.go
// replaced, kept as they were (renamed) as the reference that
// FuzzDecodeDiff compares the one-pass scanner with: encoding/json's
// Decoder over the page, and a key scan of each record it returned.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// decodePageRef reads a response body as a stream: records are decoded one at a
// time, so memory follows the page, not a buffered copy of the body too.
// Success is a parseable response.data, whatever the status text says.
func decodePageRef(r io.Reader) (*page, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := refExpectDelim(dec, '{'); err != nil {
		return nil, err
	}
	p := &page{}
	err := refEachKey(dec, func(key string) error {
		switch key {
		case "nextpagetoken":
			return refString(dec, &p.Token)
		case "status":
			return refString(dec, &p.Status)
		case "response":
			return refResponse(dec, p)
		default:
			return refSkipValue(dec)
		}
	})
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the response object", errMalformed)
	}
	if !p.HasData {
		return nil, fmt.Errorf("%w: no response.data in the body (status %q)", errMalformed, p.Status)
	}
	return p, nil
}

func refResponse(dec *json.Decoder, p *page) error {
	if err := refExpectDelim(dec, '{'); err != nil {
		return err
	}
	return refEachKey(dec, func(key string) error {
		switch key {
		case "data":
			return refData(dec, p)
		case "dataformat":
			return refString(dec, &p.Format)
		case "dataencoding":
			return refString(dec, &p.Encoding)
		default:
			return refSkipValue(dec)
		}
	})
}

func refData(dec *json.Decoder, p *page) error {
	tok, err := dec.Token()
	if err != nil {
		return refMalformed(err)
	}
	if tok == nil { // "data": null is an empty page
		p.HasData = true
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("%w: response.data is not a list", errMalformed)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return refMalformed(err)
		}
		p.Data = append(p.Data, refCompact(raw))
	}
	if _, err := dec.Token(); err != nil {
		return refMalformed(err)
	}
	p.HasData = true
	return nil
}

// refCompact removes insignificant whitespace when a record spans lines, so that
// it stays one line in JSON Lines output. Values are untouched.
func refCompact(raw json.RawMessage) json.RawMessage {
	if !bytes.ContainsAny(raw, "\n\r") {
		return raw
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw // cannot happen: Decode validated it
	}
	return b.Bytes()
}

func refEachKey(dec *json.Decoder, fn func(string) error) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return refMalformed(err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%w: object key is not a string", errMalformed)
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	_, err := dec.Token() // the closing '}'
	return refMalformed(err)
}

func refExpectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return refMalformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: expected %q, found %v", errMalformed, want, tok)
	}
	return nil
}

func refString(dec *json.Decoder, dst *string) error {
	tok, err := dec.Token()
	if err != nil {
		return refMalformed(err)
	}
	switch v := tok.(type) {
	case string:
		*dst = v
	case nil:
		*dst = ""
	default:
		return fmt.Errorf("%w: expected a string, found %v", errMalformed, tok)
	}
	return nil
}

func refSkipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return refMalformed(dec.Decode(&v))
}

func refMalformed(err error) error {
	if err == nil || errors.Is(err, errMalformed) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", errMalformed, err)
}

// scanKeysRef reads the top-level string values of time, transactionid and
// fileid from one record. A full json.Unmarshal per record costs as much as
// decoding the page again; this walks the bytes once and decodes only the
// three strings. As with encoding/json into a map, the last occurrence of a
// key wins; keys match exactly (the vendor's keys are lower case).
func scanKeysRef(raw []byte) (recordKeys, error) {
	var k recordKeys
	s := refScanner{b: raw}
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
func (s *refScanner) member(k *recordKeys, lit []byte) error {
	key := lit[1 : len(lit)-1]
	if bytes.IndexByte(key, '\\') >= 0 { // rare: decode the escapes
		var dec string
		if err := json.Unmarshal(lit, &dec); err != nil {
			return errNotObject
		}
		key = []byte(dec)
	}
	dst := refTarget(k, key)
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
	if err := refUnquote(v, dst); err != nil {
		return err
	}
	k.HasTime = k.HasTime || string(key) == "time"
	return nil
}

func refTarget(k *recordKeys, key []byte) *string {
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

// refUnquote decodes a JSON string literal (with its quotes); only literals
// with escapes or invalid UTF-8 (which encoding/json turns into U+FFFD)
// take the slow path.
func refUnquote(lit []byte, dst *string) error {
	inner := lit[1 : len(lit)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return json.Unmarshal(lit, dst)
	}
	*dst = string(inner)
	return nil
}

type refScanner struct {
	b []byte
	i int
}

func (s *refScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *refScanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *refScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// str reads a string literal and returns it with its quotes.
func (s *refScanner) str() ([]byte, bool) {
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
func (s *refScanner) skip() bool {
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return ok
	case '{', '[':
		return s.skipNested()
	}
	start := s.i
	for s.i < len(s.b) && !refIsDelim(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

func (s *refScanner) skipNested() bool {
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

func refIsDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}
