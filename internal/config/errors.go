package config

import (
	"strconv"
	"strings"
)

// FieldError is one problem with the configuration.
type FieldError struct {
	File  string // config file name as given to Parse; "" for configs built in code
	Line  int    // YAML line when known, else 0
	Field string // path such as "sources[0].log_types[2]"; "" for whole-file problems
	Msg   string

	// bare is set when Msg already names the field, as in
	// `unknown key "x" in sources[0]`.
	bare bool
}

// Error formats the problem as `file:line: field: message`, leaving out
// the parts that are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File + ":" + strconv.Itoa(e.Line) + ": ")
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Field != "" && !e.bare {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// FieldErrors returns every *FieldError inside err (as joined by Parse and
// Validate), in order, so callers can list or inspect them one by one.
func FieldErrors(err error) []*FieldError {
	switch e := err.(type) {
	case *FieldError:
		return []*FieldError{e}
	case interface{ Unwrap() []error }:
		var out []*FieldError
		for _, inner := range e.Unwrap() {
			out = append(out, FieldErrors(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		return FieldErrors(e.Unwrap())
	}
	return nil
}

// origin records where the values of a parsed Config came from.
type origin struct {
	file    string
	lines   map[string]int  // field path -> line of its value
	fromEnv map[string]bool // field paths whose value came from ${VAR}
	// later are problems the walker found that do not stop decoding;
	// Validate reports them with its own.
	later []error
}

func newOrigin(file string) *origin {
	return &origin{file: file, lines: map[string]int{}, fromEnv: map[string]bool{}}
}

// line returns the line of field, or of its nearest enclosing block when
// the field was not written (a default, or a missing required key).
func (o *origin) line(field string) int {
	if o == nil {
		return 0
	}
	for field != "" {
		if l, ok := o.lines[field]; ok {
			return l
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0
}

func (o *origin) envValue(field string) bool {
	return o != nil && o.fromEnv[field]
}

func (o *origin) fileName() string {
	if o == nil {
		return ""
	}
	return o.file
}

// suggest returns the candidate closest to word when it is close enough to
// be a likely typo, else "".
func suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	lw := strings.ToLower(word)
	for _, c := range candidates {
		d := editDistance(lw, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > 2 || bestDist*3 > len(word) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes:
// keys and log types are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
