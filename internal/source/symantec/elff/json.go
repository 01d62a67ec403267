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
func (p *Parser) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	start := 0
	for i, end := range p.keyEnd {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, p.keys[start:end]...)
		start = end
		var v []byte
		if i < len(p.vals) {
			v = p.vals[i]
		}
		dst = appendJSONString(dst, v)
	}
	return append(dst, '}')
}

const hex = "0123456789abcdef"

// appendJSONString appends v as a quoted JSON string (see AppendJSON).
// Runs of bytes that need no escaping are copied in one append.
func appendJSONString(dst, v []byte) []byte {
	dst = append(dst, '"')
	utf := utf8.Valid(v)
	run := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || utf) {
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
	dst = append(dst, v[run:]...)
	return append(dst, '"')
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
