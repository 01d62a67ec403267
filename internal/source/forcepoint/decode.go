package forcepoint

import (
	"bytes"
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
	HasData  bool              // response.data was present
	Format   string            // response.dataformat
	Encoding string            // response.dataencoding
}

// errMalformed marks a body that is not the documented JSON shape. It is
// retried (a dropped connection truncates bodies) and quarantined when the
// retries run out.
var errMalformed = errors.New("malformed response")

// decodePage reads a response body as a stream: records are decoded one at a
// time, so memory follows the page, not a buffered copy of the body too.
// Success is a parseable response.data, whatever the status text says.
func decodePage(r io.Reader) (*page, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	p := &page{}
	err := eachKey(dec, func(key string) error {
		switch key {
		case "nextpagetoken":
			return decodeString(dec, &p.Token)
		case "status":
			return decodeString(dec, &p.Status)
		case "response":
			return decodeResponse(dec, p)
		default:
			return skipValue(dec)
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

func decodeResponse(dec *json.Decoder, p *page) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	return eachKey(dec, func(key string) error {
		switch key {
		case "data":
			return decodeData(dec, p)
		case "dataformat":
			return decodeString(dec, &p.Format)
		case "dataencoding":
			return decodeString(dec, &p.Encoding)
		default:
			return skipValue(dec)
		}
	})
}

func decodeData(dec *json.Decoder, p *page) error {
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
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
			return malformed(err)
		}
		p.Data = append(p.Data, compact(raw))
	}
	if _, err := dec.Token(); err != nil {
		return malformed(err)
	}
	p.HasData = true
	return nil
}

// compact removes insignificant whitespace when a record spans lines, so that
// it stays one line in JSON Lines output. Values are untouched.
func compact(raw json.RawMessage) json.RawMessage {
	if !bytes.ContainsAny(raw, "\n\r") {
		return raw
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw // cannot happen: Decode validated it
	}
	return b.Bytes()
}

func eachKey(dec *json.Decoder, fn func(string) error) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed(err)
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
	return malformed(err)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: expected %q, found %v", errMalformed, want, tok)
	}
	return nil
}

func decodeString(dec *json.Decoder, dst *string) error {
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
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

func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return malformed(dec.Decode(&v))
}

func malformed(err error) error {
	if err == nil || errors.Is(err, errMalformed) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", errMalformed, err)
}
