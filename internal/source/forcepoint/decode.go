package forcepoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// page is one decoded response of the logs API.
type page struct {
	Token    string            // nextpagetoken as received ("" when absent)
	Status   string            // the status text (informational only)
	Data     []json.RawMessage // each record's bytes exactly as received
	Keys     []recordKeys      // Keys[i] is read from Data[i] in the same pass
	HasData  bool              // response.data was present
	Format   string            // response.dataformat
	Encoding string            // response.dataencoding
}

// errMalformed marks a body that is not the documented JSON shape. It is
// retried (a dropped connection truncates bodies) and quarantined when the
// retries run out.
var errMalformed = errors.New("malformed response")

// maxSizeHint caps the buffer reserved ahead from a Content-Length, which
// a server may get wrong; a longer body still reads, by growing.
const maxSizeHint = 64 << 20

// readPage reads a whole body into one buffer, which the records then
// share, and decodes it in one pass: one copy of the page, not one per
// record. size is the Content-Length, or -1 when it is unknown.
func readPage(r io.Reader, size int64) (*page, error) {
	if size < 0 || size > maxSizeHint {
		size = 0
	}
	b := make([]byte, 0, size+512) // room to see EOF without growing
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return parsePage(b)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errMalformed, err)
		}
	}
}

// parsePage decodes a body: the members gatelog reads, and every record of
// response.data with its keys. It accepts exactly what encoding/json
// accepts (the previous decoder, kept in decode_ref_test.go, used it).
// Success is a parseable response.data, whatever the status text says.
func parsePage(body []byte) (*page, error) {
	s := &scanner{b: body}
	p := &page{}
	err := s.members("the body", func(key []byte) error {
		switch string(key) {
		case "nextpagetoken":
			return s.stringOrNull(&p.Token)
		case "status":
			return s.stringOrNull(&p.Status)
		case "response":
			return s.members("response", func(key []byte) error {
				switch string(key) {
				case "data":
					return s.data(p)
				case "dataformat":
					return s.stringOrNull(&p.Format)
				case "dataencoding":
					return s.stringOrNull(&p.Encoding)
				}
				return s.skip()
			})
		}
		return s.skip()
	})
	if err != nil {
		return nil, err
	}
	if s.ws(); s.i < len(s.b) {
		return nil, fmt.Errorf("%w: data after the response object", errMalformed)
	}
	if !p.HasData {
		return nil, fmt.Errorf("%w: no response.data in the body (status %q)", errMalformed, p.Status)
	}
	return p, nil
}

// members reads an object of the page's own (not a record), calling fn at
// each member's value. As with encoding/json, a repeated key is read again.
func (s *scanner) members(what string, fn func(key []byte) error) error {
	if s.ws(); !s.eat('{') {
		return s.syntax(what + " is not an object")
	}
	if s.ws(); s.eat('}') {
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.syntax("expected a key")
		}
		key, esc, ok := s.str()
		if s.ws(); !ok || !s.eat(':') {
			return s.syntax("invalid key")
		}
		s.ws()
		if err := fn(keyName(key, esc)); err != nil {
			return err
		}
		if s.ws(); s.eat('}') {
			return nil
		}
		if !s.eat(',') {
			return s.syntax("expected ',' or '}'")
		}
		s.ws()
	}
}

// data reads response.data: a list of records, or null for an empty page.
func (s *scanner) data(p *page) error {
	p.HasData = true // only returned with p when there is no error
	if s.word("null") {
		return nil
	}
	if !s.eat('[') {
		return fmt.Errorf("%w: response.data is not a list", errMalformed)
	}
	if s.ws(); s.eat(']') {
		return nil
	}
	for {
		raw, k, ok := s.record()
		if !ok {
			return s.syntax(fmt.Sprintf("invalid JSON in data[%d]", len(p.Data)))
		}
		p.Data, p.Keys = append(p.Data, raw), append(p.Keys, k)
		if s.ws(); s.eat(']') {
			return nil
		}
		if !s.eat(',') {
			return s.syntax("expected ',' or ']' after a record")
		}
		s.ws()
	}
}

func (s *scanner) stringOrNull(dst *string) error {
	switch s.peek() {
	case '"':
		lit, esc, ok := s.str()
		if !ok {
			return s.syntax("invalid string")
		}
		*dst = unquote(lit, esc)
		return nil
	case 'n':
		if s.word("null") {
			*dst = ""
			return nil
		}
	}
	return s.syntax("expected a string")
}

// skip passes over a value gatelog does not read, validating it.
func (s *scanner) skip() error {
	if !s.value(0) {
		return s.syntax("invalid JSON")
	}
	return nil
}

func (s *scanner) syntax(msg string) error {
	if s.i >= len(s.b) {
		return fmt.Errorf("%w: %s: %w at byte %d", errMalformed, msg, io.ErrUnexpectedEOF, s.i)
	}
	return fmt.Errorf("%w: %s at byte %d (%q)", errMalformed, msg, s.i, s.b[s.i])
}
