// Package jsonstr decodes the body of a JSON string, the bytes between its
// quotes, for the hand-written scanners that read records without
// encoding/json (the syslog and S3 sinks, the normalizers).
package jsonstr

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendUnescaped appends the text of s, a JSON string body, to b. A
// checked body comes out exactly as encoding/json would decode it; a
// malformed one never panics: a bad or cut \u escape or a lone surrogate
// becomes U+FFFD (as in encoding/json), any other bad escape the character
// itself, a trailing backslash itself. Bytes that are not UTF-8 pass
// through (see AppendValidUTF8). The text of a valid body is never longer
// than the body.
func AppendUnescaped(b, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			var r rune
			r, i = unicodeEscape(s, i)
			b = utf8.AppendRune(b, r)
		default: // " \ / and anything invalid: the character itself
			b = append(b, s[i])
		}
	}
	return b
}

// AppendValidUTF8 appends s to b with each byte that is not part of valid
// UTF-8 replaced by U+FFFD, for writers whose format requires UTF-8.
func AppendValidUTF8(b, s []byte) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		b = utf8.AppendRune(b, r) // RuneError for an invalid byte
		i += n
	}
	return b
}

// unicodeEscape decodes the \uXXXX whose 'u' is at s[i] (and a following
// low surrogate); it returns the rune and the index of its last byte.
func unicodeEscape(s []byte, i int) (rune, int) {
	r, ok := hex4(s, i+1)
	if !ok {
		return utf8.RuneError, i
	}
	i += 4
	if !utf16.IsSurrogate(r) {
		return r, i
	}
	if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
		if lo, ok := hex4(s, i+3); ok {
			if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
				return d, i + 6
			}
		}
	}
	return utf8.RuneError, i
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
