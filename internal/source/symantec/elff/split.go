package elff

import "fmt"

// split fills p.vals with the values of line. Unquoted values and quoted
// values without escapes are sub-slices of line; the others are written to
// p.scratch, which is sized to len(line) up front: unquoting never makes a
// value longer, so scratch never reallocates and earlier values stay valid.
func (p *Parser) split(line []byte) error {
	if cap(p.scratch) < len(line) {
		p.scratch = make([]byte, 0, len(line))
	}
	p.scratch = p.scratch[:0]
	for i := 0; ; {
		for i < len(line) && isSep(line[i]) {
			i++
		}
		if i == len(line) {
			return nil
		}
		var v []byte
		var err error
		if line[i] == '"' {
			v, i, err = p.quoted(line, i)
			if err != nil {
				return err
			}
		} else {
			v, i = unquoted(line, i)
		}
		p.vals = append(p.vals, v)
	}
}

// unquoted returns the value starting at i and the index after it.
func unquoted(line []byte, i int) ([]byte, int) {
	j := i
	for j < len(line) && !isSep(line[j]) {
		j++
	}
	if j-i == 1 && line[i] == '-' {
		return line[i:i], j
	}
	return line[i:j], j
}

// quoted reads the quoted value whose opening quote is at line[i].
func (p *Parser) quoted(line []byte, i int) ([]byte, int, error) {
	// Fast path: no escape before the closing quote, nothing glued after it.
	for j := i + 1; j < len(line); j++ {
		c := line[j]
		if c == '\\' {
			break
		}
		if c == '"' {
			if j+1 == len(line) || isSep(line[j+1]) {
				return line[i+1 : j], j + 1, nil
			}
			break
		}
	}
	mark := len(p.scratch)
	for _, backslash := range [2]bool{true, false} {
		var ok bool
		var next int
		p.scratch, next, ok = unquote(p.scratch[:mark], line, i+1, backslash)
		if ok {
			return p.scratch[mark:len(p.scratch):len(p.scratch)], next, nil
		}
	}
	p.scratch = p.scratch[:mark]
	return nil, 0, fmt.Errorf("%w: quote opened at byte %d of %d never closes", ErrQuote, i+1, len(line))
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
