package elff

import "strconv"

// splitNames splits the names of a #Fields directive. Names are decoded to
// valid UTF-8 (ISO-8859-15 fallback) and made unique; see the package doc.
func splitNames(b []byte) []string {
	var names []string
	taken := map[string]bool{}
	next := map[string]int{} // next suffix to try per name: linear, not quadratic, in duplicates
	for i := 0; i < len(b); {
		for i < len(b) && isSep(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !isSep(b[j]) {
			j++
		}
		if j > i {
			name := unique(decodeName(b[i:j]), taken, next)
			taken[name] = true
			names = append(names, name)
		}
		i = j
	}
	return names
}

// unique returns name, or name#2, name#3, ... whichever is not taken yet.
func unique(name string, taken map[string]bool, next map[string]int) string {
	if !taken[name] {
		return name
	}
	for n := max(next[name], 2); ; n++ {
		s := name + "#" + strconv.Itoa(n)
		if !taken[s] {
			next[name] = n + 1
			return s
		}
	}
}

func decodeName(b []byte) string {
	// appendText without the quotes: decode to valid UTF-8, escape nothing.
	out := make([]byte, 0, len(b))
	return string(appendDecoded(out, b))
}

// setFields installs the column names and everything derived from them, so
// that the per-line path only indexes slices.
func (p *Parser) setFields(fields []string) {
	p.fields = fields
	p.index = make(map[string]int, len(fields))
	p.keys = p.keys[:0]
	p.keyEnd = p.keyEnd[:0]
	p.date, p.clock = -1, -1
	for i, f := range fields {
		p.index[f] = i
		if i == 0 {
			p.keys = append(p.keys, '{')
		} else {
			p.keys = append(p.keys, '"', ',')
		}
		p.keys = appendJSONString(p.keys, []byte(f))
		p.keys = append(p.keys, ':', '"')
		p.keyEnd = append(p.keyEnd, len(p.keys))
		switch f {
		case "date":
			p.date = i
		case "time":
			p.clock = i
		}
	}
}
