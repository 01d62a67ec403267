package elff

import "fmt"

// Byte classes for the one-pass split: a separator ends an unquoted value;
// a special byte (see special) makes its value need escaping or decoding
// in AppendJSON, which then scans it again; every other byte is copied.
const (
	plain     = 0
	separator = 1
	escaped   = 2
)

var class = func() (t [256]uint8) {
	for c := range t {
		switch {
		case isSep(byte(c)):
			t[c] = separator
		case special[c]:
			t[c] = escaped
		}
	}
	return t
}()

// split fills p.vals with the values of line, and p.plain with whether each
// is free of special bytes (so AppendJSON copies it without a second look).
// Unquoted values and quoted values without escapes are sub-slices of line;
// the others are written to p.scratch, which is sized to len(line) up
// front: unquoting never makes a value longer, so scratch never reallocates
// and earlier values stay valid.
func (p *Parser) split(line []byte) error {
	if cap(p.scratch) < len(line) {
		p.scratch = make([]byte, 0, len(line))
	}
	p.scratch = p.scratch[:0]
	p.plain = p.plain[:0]
	for i := 0; ; {
		for i < len(line) && isSep(line[i]) {
			i++
		}
		if i == len(line) {
			return nil
		}
		var v []byte
		var err error
		var clean bool
		if line[i] == '"' {
			v, i, clean, err = p.quoted(line, i)
			if err != nil {
				return err
			}
		} else {
			v, i, clean = unquoted(line, i)
		}
		p.vals = append(p.vals, v)
		p.plain = append(p.plain, clean)
	}
}

// unquoted returns the value starting at i, the index after it, and whether
// it holds no special byte.
func unquoted(line []byte, i int) ([]byte, int, bool) {
	j := i
	clean := true
	for ; j < len(line); j++ {
		if k := class[line[j]]; k != plain {
			if k == separator {
				break
			}
			clean = false
		}
	}
	if j-i == 1 && line[i] == '-' {
		return line[i:i], j, true
	}
	return line[i:j], j, clean
}

// quoted reads the quoted value whose opening quote is at line[i], and
// says whether it holds no special byte (only the fast path finds out).
func (p *Parser) quoted(line []byte, i int) ([]byte, int, bool, error) {
	// Fast path: no escape before the closing quote, nothing glued after it.
	clean := true
	for j := i + 1; j < len(line); j++ {
		c := line[j]
		if c == '\\' {
			break
		}
		if c == '"' {
			if j+1 == len(line) || isSep(line[j+1]) {
				return line[i+1 : j], j + 1, clean, nil
			}
			break
		}
		if special[c] {
			clean = false
		}
	}
	mark := len(p.scratch)
	for _, backslash := range [2]bool{true, false} {
		var ok bool
		var next int
		p.scratch, next, ok = unquote(p.scratch[:mark], line, i+1, backslash)
		if ok {
			return p.scratch[mark:len(p.scratch):len(p.scratch)], next, false, nil
		}
	}
	p.scratch = p.scratch[:mark]
	return nil, 0, false, fmt.Errorf("%w: quote opened at byte %d of %d never closes", ErrQuote, i+1, len(line))
}

// unquote appends the value that starts after an opening quote at line[i-1]
// to dst. ok is false if no closing quote is found.
func unquote(dst, line []byte, i int, backslash bool) (out []byte, next int, ok bool) {
	for j := i; j < len(line); j++ {
		c := line[j]
		switch {
		case c == '\\' && backslash && j+1 < len(line) && line[j+1] == '"':
			dst = append(dst, '"')
			j++
		case c == '"' && j+1 < len(line) && line[j+1] == '"':
			dst = append(dst, '"')
			j++
		case c == '"':
			for j++; j < len(line) && !isSep(line[j]); j++ {
				dst = append(dst, line[j])
			}
			return dst, j, true
		default:
			dst = append(dst, c)
		}
	}
	return dst, len(line), false
}
