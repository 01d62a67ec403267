package normalize

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gatelog/gatelog/internal/jsonstr"
)

// errFields is wrapped by every error about a record's Fields.
var errFields = errors.New("record fields are not a JSON object")

// maxDepth bounds the nesting of values inside Fields, as encoding/json does.
const maxDepth = 10000

// decoder reads a Fields object strictly (RFC 8259 syntax; like encoding/json
// it lets invalid UTF-8 through, which the writer then replaces).
type decoder struct {
	b   []byte
	i   int
	esc []byte // unescaped strings
}

// decodeFields splits raw into fs. names maps the vendor's field names to
// slots. Empty raw is an empty object, as in record.AppendJSON.
func decodeFields(raw []byte, names map[string]slot, fs *fields) error {
	if len(raw) > 1<<31-1 {
		return fmt.Errorf("%w: %d bytes is too long", errFields, len(raw))
	}
	d := decoder{b: raw}
	fs.src = raw
	d.ws()
	if d.i == len(d.b) {
		return nil
	}
	fs.list = make([]field, 0, bytes.Count(raw, []byte{':'}))
	err := d.members(names, fs)
	fs.esc = d.esc
	if err != nil {
		return fmt.Errorf("%w: %w at byte %d", errFields, err, d.i)
	}
	return nil
}

var (
	errSyntax = errors.New("invalid JSON")
	errDepth  = errors.New("nested too deeply")
)

func (d *decoder) members(names map[string]slot, fs *fields) error {
	if !d.eat('{') {
		return errSyntax
	}
	d.ws()
	if d.eat('}') {
		return d.end()
	}
	for {
		f, err := d.member()
		if err != nil {
			return err
		}
		fs.list = append(fs.list, f)
		if s, ok := names[string(d.text(f.key))]; ok {
			fs.at[s] = int32(len(fs.list)) // a repeated name: the last wins, the others stay unmapped
		}
		d.ws()
		if d.eat('}') {
			return d.end()
		}
		if !d.eat(',') {
			return errSyntax
		}
		d.ws()
	}
}

func (d *decoder) member() (field, error) {
	var f field
	if d.peek() != '"' {
		return f, errSyntax
	}
	key, err := d.str()
	if err != nil {
		return f, err
	}
	f.key = key
	d.ws()
	if !d.eat(':') {
		return f, errSyntax
	}
	d.ws()
	start := d.i
	switch c := d.peek(); {
	case c == '"':
		f.kind = kindString
		f.val, err = d.str()
	case c == '-' || c >= '0' && c <= '9':
		f.kind = kindNumber
		err = d.num()
		f.val = span{off: int32(start), end: int32(d.i)}
	case c == 'n':
		f.kind = kindNull
		err = d.lit("null")
	default:
		f.kind = kindOther
		err = d.value(2) // the Fields object is level 1
		f.val = span{off: int32(start), end: int32(d.i)}
	}
	return f, err
}

// end accepts only whitespace after the object.
func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.b) {
		return errSyntax
	}
	return nil
}

func (d *decoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) eat(c byte) bool {
	if d.peek() == c && d.i < len(d.b) {
		d.i++
		return true
	}
	return false
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value checks any JSON value (for members copied as received).
func (d *decoder) value(depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch c := d.peek(); {
	case c == '"':
		_, err := d.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return d.num()
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '{':
		return d.container('}', depth, true)
	case c == '[':
		return d.container(']', depth, false)
	}
	return errSyntax
}

// container checks an object or an array after its opening bracket.
func (d *decoder) container(closer byte, depth int, object bool) error {
	d.i++
	d.ws()
	if d.eat(closer) {
		return nil
	}
	for {
		if object {
			if d.peek() != '"' {
				return errSyntax
			}
			if _, err := d.str(); err != nil {
				return err
			}
			d.ws()
			if !d.eat(':') {
				return errSyntax
			}
			d.ws()
		}
		if err := d.value(depth + 1); err != nil {
			return err
		}
		d.ws()
		if d.eat(closer) {
			return nil
		}
		if !d.eat(',') {
			return errSyntax
		}
		d.ws()
	}
}

func (d *decoder) lit(word string) error {
	if !bytes.HasPrefix(d.b[d.i:], []byte(word)) {
		return errSyntax
	}
	d.i += len(word)
	return nil
}

// num checks -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (d *decoder) num() error {
	d.eat('-')
	switch c := d.peek(); {
	case c == '0':
		d.i++
	case c >= '1' && c <= '9':
		d.digits()
	default:
		return errSyntax
	}
	if d.eat('.') && d.digits() == 0 {
		return errSyntax
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if d.digits() == 0 {
			return errSyntax
		}
	}
	return nil
}

func (d *decoder) digits() int {
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// text returns a span's bytes while decoding.
func (d *decoder) text(p span) []byte {
	if p.esc {
		return d.esc[p.off:p.end]
	}
	return d.b[p.off:p.end]
}

// str reads a string at its opening quote and returns its text: a piece of
// the input when it has no escapes, else the unescaped text in d.esc.
func (d *decoder) str() (span, error) {
	d.i++
	start := d.i
	plain := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			p := span{off: int32(start), end: int32(d.i)}
			d.i++
			if plain {
				return p, nil
			}
			return d.unescape(d.b[start : d.i-1]), nil
		case c == '\\':
			if err := d.escape(); err != nil {
				return span{}, err
			}
			plain = false
			continue
		case c < 0x20:
			return span{}, errSyntax
		}
		d.i++
	}
	return span{}, errSyntax
}

// escape checks one escape sequence at a backslash.
func (d *decoder) escape() error {
	d.i++
	switch d.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		d.i++
		return nil
	case 'u':
		if d.i+5 > len(d.b) {
			return errSyntax
		}
		for _, h := range d.b[d.i+1 : d.i+5] {
			if hexVal(h) < 0 {
				return errSyntax
			}
		}
		d.i += 5
		return nil
	}
	return errSyntax
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// unescape decodes a checked string body into d.esc. An unpaired surrogate
// becomes U+FFFD, as in encoding/json.
func (d *decoder) unescape(s []byte) span {
	if d.esc == nil {
		d.esc = make([]byte, 0, max(64, len(s)))
	}
	start := len(d.esc)
	d.esc = jsonstr.AppendUnescaped(d.esc, s)
	return span{off: int32(start), end: int32(len(d.esc)), esc: true}
}
