package s3

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/jsonstr"
)

// A jsonTree holds parsed JSON values, for the Parquet encoder: every
// value keeps its span in the source (a free-form column stores it as
// written), objects keep their members in order, and numbers are parsed
// once. The children of an object or array are consecutive nodes.
type jsonTree struct {
	src   []byte
	pos   int
	nodes []jnode // finished children, by container
	stack []jnode // children of the containers being parsed
	buf   []byte  // unescaped strings; a new one when full
}

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jInt    // an integer literal that fits int64
	jDouble // any other number that fits float64
	jBigNum // a number that fits neither: kept as written
	jString
	jObject
	jArray
)

type jnode struct {
	kind       jkind
	b          bool
	i          int64
	f          float64
	str        []byte // jString: the unescaped text
	key        []byte // the member name, for a member of an object
	start, end int32  // the value's span in the source
	first, n   int32  // jObject, jArray: the children, nodes[first:first+n]
}

// reset empties t for the values of a new object.
func (t *jsonTree) reset() {
	t.nodes, t.stack, t.buf = t.nodes[:0], t.stack[:0], t.buf[:0]
}

// parse adds the value src holds, which must be valid JSON (json.Valid),
// and returns its node. src must stay unchanged while t's nodes are used.
func (t *jsonTree) parse(src []byte) jnode {
	t.src, t.pos = src, 0
	return t.value()
}

// children returns the members or elements of n.
func (t *jsonTree) children(n *jnode) []jnode { return t.nodes[n.first : n.first+n.n] }

func (t *jsonTree) ws() {
	for t.pos < len(t.src) {
		switch t.src[t.pos] {
		case ' ', '\t', '\n', '\r':
			t.pos++
		default:
			return
		}
	}
}

func (t *jsonTree) value() jnode {
	t.ws()
	start := t.pos
	var n jnode
	switch c := t.src[t.pos]; c {
	case '{', '[':
		t.pos++
		mark := len(t.stack)
		n.kind = jObject
		end := byte('}')
		if c == '[' {
			n.kind, end = jArray, ']'
		}
		for {
			t.ws()
			if t.src[t.pos] == end {
				t.pos++
				break
			}
			if t.src[t.pos] == ',' {
				t.pos++
				t.ws()
			}
			var key []byte
			if n.kind == jObject {
				key = t.string()
				t.ws()
				t.pos++ // ':'
			}
			v := t.value()
			v.key = key
			t.stack = append(t.stack, v)
		}
		n.first, n.n = int32(len(t.nodes)), int32(len(t.stack)-mark)
		t.nodes = append(t.nodes, t.stack[mark:]...)
		t.stack = t.stack[:mark]
	case '"':
		n.kind, n.str = jString, t.string()
	case 't':
		n.kind, n.b = jBool, true
		t.pos += len("true")
	case 'f':
		n.kind = jBool
		t.pos += len("false")
	case 'n':
		t.pos += len("null")
	default:
		for t.pos < len(t.src) && isNumberByte(t.src[t.pos]) {
			t.pos++
		}
		n = number(t.src[start:t.pos])
	}
	n.start, n.end = int32(start), int32(t.pos)
	return n
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// number classifies a JSON number literal.
func number(lit []byte) jnode {
	if i, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
		return jnode{kind: jInt, i: i}
	}
	if isWhole(lit) {
		return jnode{kind: jBigNum} // an integer beyond int64: a double would round it
	}
	if f, err := strconv.ParseFloat(string(lit), 64); err == nil {
		return jnode{kind: jDouble, f: f}
	}
	return jnode{kind: jBigNum} // beyond float64
}

// isWhole reports whether a number literal has neither fraction nor
// exponent.
func isWhole(lit []byte) bool { return !bytes.ContainsAny(lit, ".eE") }

// string reads the string at t.pos and returns its text: a slice of the
// source when it has no escapes, else unescaped into t's buffer. Invalid
// UTF-8 becomes U+FFFD, as encoding/json decodes it.
func (t *jsonTree) string() []byte {
	raw, escaped := t.scanString()
	if !escaped && utf8.Valid(raw) {
		return raw
	}
	if cap(t.buf)-len(t.buf) < 3*len(raw) { // U+FFFD takes 3 bytes for an invalid 1
		t.buf = make([]byte, 0, max(64<<10, 3*len(raw)))
	}
	from := len(t.buf)
	t.buf = jsonstr.AppendUnescaped(t.buf, raw)
	if text := t.buf[from:]; !utf8.Valid(text) {
		t.buf = append(t.buf[:from], jsonstr.AppendValidUTF8(nil, text)...)
	}
	return t.buf[from:len(t.buf):len(t.buf)]
}

// scanString moves past the string at t.pos and returns its body as
// written, and whether it has escapes.
func (t *jsonTree) scanString() (raw []byte, escaped bool) {
	start := t.pos + 1
	for t.pos++; ; t.pos++ {
		switch t.src[t.pos] {
		case '"':
			t.pos++
			return t.src[start : t.pos-1], escaped
		case '\\':
			escaped = true
			t.pos++
		}
	}
}

// skip moves past the value at t.pos without keeping it.
func (t *jsonTree) skip() {
	t.ws()
	depth := 0
	for t.pos < len(t.src) {
		switch t.src[t.pos] {
		case '"':
			t.scanString()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				t.pos++
				return
			}
			if depth < 0 {
				return // the end of the enclosing container
			}
		case ',', ':':
			if depth == 0 {
				return
			}
		}
		t.pos++
	}
}

// eventClass returns the class_uid of an OCSF event, or why the event has
// none. It reads the top level only.
func eventClass(ev []byte) (int, string) {
	if len(ev) == 0 {
		return 0, "no OCSF event: the sink's schema must be ocsf"
	}
	if !json.Valid(ev) {
		return 0, "the OCSF event is not valid JSON"
	}
	t := jsonTree{src: ev}
	t.ws()
	if t.src[t.pos] != '{' {
		return 0, "the OCSF event is not a JSON object"
	}
	t.pos++
	for {
		t.ws()
		switch t.src[t.pos] {
		case '}':
			return 0, "the OCSF event has no class_uid: Security Lake files events by class"
		case ',':
			t.pos++
			t.ws()
		}
		key := t.string()
		t.ws()
		t.pos++ // ':'
		if string(key) != "class_uid" {
			t.skip()
			continue
		}
		v := t.value()
		if v.kind != jInt || v.i < 0 || v.i > maxClassUID {
			return 0, "the OCSF event's class_uid is not a class: " + string(ev[v.start:v.end])
		}
		return int(v.i), ""
	}
}
