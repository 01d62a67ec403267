package elff

import (
	"unicode/utf8"
)

// AppendJSON appends the last data line as one JSON object whose keys are the
// #Fields names in order and whose values are JSON strings. A value that is
// valid UTF-8 is kept as is; any other value is decoded as ISO-8859-15 (the
// vendor's encoding), where every byte is one character, so nothing is lost
// and the original bytes can be recovered by encoding the string back.
// The decision is made per value, because values come from different origins
// (URL, user agent, directory names) and one bad byte should not turn the
// valid UTF-8 of the other values into mojibake.
//
// After a line that failed to parse, missing values are written as "".
//
// The object is written straight from the line's values: the keys, with
// their punctuation, are rendered once per #Fields directive, a value that
// needs no escaping (almost all of them) is copied in one piece, and so are
// the keys between two values that are not empty. When dst has room for
// JSONSizeHint bytes, AppendJSON does not allocate.
func (p *Parser) AppendJSON(dst []byte) []byte {
	if len(p.keyEnd) == 0 {
		return append(dst, '{', '}')
	}
	// keys holds `{"name":"` for the first field and `","name":"` for the
	// others: the quote that closes the previous value, the comma, the key
	// and the quote that opens this value. An empty value adds nothing
	// between its key and the next, so the keys of a run of empty values
	// ("-" is common) are copied together, with the next value's.
	from := 0
	for i, end := range p.keyEnd {
		if i >= len(p.vals) || len(p.vals[i]) == 0 {
			continue
		}
		dst = append(dst, p.keys[from:end]...)
		from = end
		if i < len(p.plain) && p.plain[i] {
			dst = append(dst, p.vals[i]...)
		} else {
			dst = appendJSONChars(dst, p.vals[i])
		}
	}
	dst = append(dst, p.keys[from:]...)
	return append(dst, '"', '}')
}

// JSONSizeHint is the size of AppendJSON's output for the last data line,
// line bytes long, unless its values need more than one escape or decoded
// byte per three bytes of separators and quotes: enough room for every line
// of the vendor's, which has a separator between any two values.
func (p *Parser) JSONSizeHint(line int) int {
	return len(p.keys) + 2 + line + line/2 + 16
}

const hex = "0123456789abcdef"

// special marks the bytes a JSON string cannot hold as they are: control
// characters, the quote, the backslash, and bytes of 0x80 and above (which
// are kept only when the value is valid UTF-8).
var special = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80
	}
	return t
}()

// appendJSONString appends v as a quoted JSON string (see AppendJSON).
func appendJSONString(dst, v []byte) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, v)
	return append(dst, '"')
}

// appendJSONChars appends v as the inside of a JSON string. A value with no
// special byte, the common case, is copied in one append.
func appendJSONChars(dst, v []byte) []byte {
	for i, c := range v {
		if special[c] {
			return appendEscaped(append(dst, v[:i]...), v[i:])
		}
	}
	return append(dst, v...)
}

// appendEscaped appends v, which starts with a special byte. Whether bytes
// of 0x80 and above are kept depends on the whole value being valid UTF-8;
// the part before v is ASCII, which does not change the answer. Runs of
// bytes that need no escaping are copied in one append.
func appendEscaped(dst, v []byte) []byte {
	utf := utf8.Valid(v)
	run := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !special[c] || (c >= 0x80 && utf) {
			continue
		}
		dst = append(dst, v[run:i]...)
		run = i + 1
		switch {
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
	return append(dst, v[run:]...)
}

// appendDecoded appends b as valid UTF-8 without JSON escaping: as is if it
// is valid UTF-8, else decoded as ISO-8859-15.
func appendDecoded(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for _, c := range b {
		if c < 0x80 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, latin9[c-0x80])
		}
	}
	return dst
}

// latin9 maps bytes 0x80-0xFF of ISO-8859-15 to Unicode. It is ISO-8859-1
// (code point = byte) except for the eight positions that carry the euro
// sign and the French/Finnish letters.
var latin9 = func() (t [128]rune) {
	for i := range t {
		t[i] = rune(0x80 + i)
	}
	for b, r := range map[byte]rune{
		0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž',
		0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ',
	} {
		t[b-0x80] = r
	}
	return t
}()
