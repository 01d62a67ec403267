package normalize

import (
	"strconv"
	"unicode/utf8"
)

// writer appends one JSON object member by member, in the order written.
// A container that ends up empty is removed again, key and all, so mapping
// code can open "src_endpoint" and write whatever of it the record has
// without first checking that it has anything. Writing directly is several
// times cheaper than building a map and calling json.Marshal, and keeps
// attribute order stable for golden files.
type writer struct {
	b     []byte
	comma bool // the current container already has a member
	open  []mark
	stack [8]mark // backing for open: neither schema nests deeper here
}

// mark is where an open container started, to close or remove it.
type mark struct {
	start int  // length of b before the container's key
	comma bool // the parent's comma state before it
	end   byte
}

func (w *writer) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
}

// key writes the name of the next member; k is a constant, safe to copy.
func (w *writer) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *writer) push(k string, open, end byte) {
	m := mark{start: len(w.b), comma: w.comma, end: end}
	if k == "" {
		w.sep()
	} else {
		w.key(k)
	}
	w.b = append(w.b, open)
	if w.open == nil {
		w.open = w.stack[:0]
	}
	w.open = append(w.open, m)
	w.comma = false
}

// obj opens the object member k; arr opens the array member k; elem opens
// an object element of the current array.
func (w *writer) obj(k string) { w.push(k, '{', '}') }
func (w *writer) arr(k string) { w.push(k, '[', ']') }
func (w *writer) elem()        { w.push("", '{', '}') }

// end closes the innermost container, or removes it if it has no member.
func (w *writer) end() {
	m := w.open[len(w.open)-1]
	w.open = w.open[:len(w.open)-1]
	if !w.comma {
		w.b = w.b[:m.start]
		w.comma = m.comma
		return
	}
	w.b = append(w.b, m.end)
	w.comma = true
}

func (w *writer) str(k string, v []byte) {
	w.key(k)
	w.b = appendString(w.b, v)
}

// opt writes a string member unless v is empty.
func (w *writer) opt(k string, v []byte) {
	if len(v) > 0 {
		w.str(k, v)
	}
}

func (w *writer) strS(k, v string) {
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *writer) int(k string, n int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, n, 10)
}

func (w *writer) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// elemStr and elemInt write an element of the current array.
func (w *writer) elemStr(v []byte) {
	w.sep()
	w.b = appendString(w.b, v)
}

func (w *writer) elemStrS(v string) {
	w.sep()
	w.b = appendString(w.b, v)
}

func (w *writer) elemInt(n int64) {
	w.sep()
	w.b = strconv.AppendInt(w.b, n, 10)
}

// member writes a string member whose name comes from the vendor.
func (w *writer) member(k, v []byte) {
	w.sep()
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
	w.b = appendString(w.b, v)
}

// raw writes a member as received: its checked key text and JSON value.
func (w *writer) raw(k, v []byte) {
	w.sep()
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
	w.b = append(w.b, v...)
}

// appendString quotes s as a JSON string.
func appendString[T []byte | string](b []byte, s T) []byte {
	b = append(b, '"')
	return append(appendEscaped(b, s), '"')
}

// appendEscaped writes the body of a JSON string. Runs that need no
// escaping are copied in one append. Invalid UTF-8 is left for validUTF8 to
// replace in one pass over the whole event, which is cheaper than decoding
// runes here.
func appendEscaped[T []byte | string](b []byte, s T) []byte {
	run := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			b = append(b, s[run:i]...)
			b = appendEscape(b, c)
			run = i + 1
		}
	}
	return append(b, s[run:]...)
}

const hexDigits = "0123456789abcdef"

// appendEscape writes the escape of an ASCII control, quote or backslash.
func appendEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// validUTF8 replaces each byte of invalid UTF-8 in b[from:] by \ufffd. The
// JSON around strings is ASCII, so such bytes can only be inside strings,
// where the escape is valid.
func validUTF8(b []byte, from int) []byte {
	if utf8.Valid(b[from:]) {
		return b
	}
	out := make([]byte, from, len(b)+64)
	copy(out, b[:from])
	v := b[from:]
	run := 0
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, v[run:i]...)
			out = append(out, `\ufffd`...)
			i++
			run = i
			continue
		}
		i += n
	}
	return append(out, v[run:]...)
}
