// Package elff parses the W3C Extended Log File Format that Symantec Cloud
// SWG writes into each gz member of an access-log archive.
//
// A Parser holds the column names of one member: the "#Fields:" directive
// sets them and every following data line is split against them. The field
// set changes from member to member, so use one Parser per member (or call
// Reset between members).
//
// Line splitting rules (liberal, because the only specification is "the
// vendor's files"):
//
//   - Values are separated by runs of spaces and/or tabs; leading and
//     trailing separators are ignored.
//   - A bare "-" is an empty value. A quoted "-" is a literal dash.
//   - A value that starts with a double quote runs to the matching closing
//     quote. Inside it, "" and \" both stand for one quote. Bytes that follow
//     the closing quote up to the next separator belong to the same value
//     (as Python's csv module reads them). A quote inside an unquoted value is
//     an ordinary byte.
//   - If reading \" as an escaped quote leaves the value unterminated, the
//     value is read again with backslashes as ordinary bytes, so a Windows
//     path such as "C:\dir\" still parses. The two readings are ambiguous by
//     nature; the first one that terminates wins.
//   - An unterminated quoted value is an error (ErrQuote).
//
// Duplicate names in "#Fields:": every column is kept. The second column
// named "x" is called "x#2", the third "x#3" (skipping names that are already
// taken), so JSON objects never have duplicate keys and no value is lost.
//
// Field names that are not valid UTF-8 are decoded as ISO-8859-15, like
// values, so Fields() are always valid UTF-8 strings.
package elff

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Kind says what a line was.
type Kind int

// The kinds of line in an ELFF file.
const (
	KindBlank     Kind = iota // empty, or only separators
	KindDirective             // starts with '#'
	KindData                  // anything else
)

func (k Kind) String() string {
	switch k {
	case KindBlank:
		return "blank"
	case KindDirective:
		return "directive"
	case KindData:
		return "data"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Errors returned by Line and Time. They are wrapped with the numbers that
// explain them; test with errors.Is.
var (
	ErrNoFields    = errors.New("no #Fields directive")
	ErrFieldCount  = errors.New("value count does not match #Fields")
	ErrLineTooLong = errors.New("line too long")
	ErrQuote       = errors.New("unterminated quoted value")
	ErrNoTime      = errors.New("no date and time columns")
	ErrTime        = errors.New("bad date or time")
)

// Parser splits the lines of one gz member. It is not safe for concurrent
// use. The zero value is not usable: call NewParser.
type Parser struct {
	maxLine int

	fields []string       // current #Fields names, deduplicated
	index  map[string]int // name -> column, for Value
	keys   []byte         // `{"name":"`, then `","name":"` for every other field, concatenated (AppendJSON)
	keyEnd []int          // end offset of each key in keys
	date   int            // column of "date", -1 if none
	clock  int            // column of "time", -1 if none

	vals    [][]byte // values of the last data line
	plain   []bool   // plain[i]: vals[i] holds no byte AppendJSON must escape or decode
	scratch []byte   // backing store for values that needed unquoting
}

// NewParser returns a parser that rejects lines longer than maxLine bytes
// (maxLine <= 0: no limit).
func NewParser(maxLine int) *Parser {
	return &Parser{maxLine: maxLine, date: -1, clock: -1}
}

// Reset forgets the #Fields of the previous member, keeping the buffers.
func (p *Parser) Reset() {
	p.setFields(nil)
	p.vals, p.plain = p.vals[:0], p.plain[:0]
}

// Fields returns the current #Fields names (nil before any).
func (p *Parser) Fields() []string { return p.fields }

// Values returns the values of the last data line: unquoted, with "-" as
// empty. They alias the line passed to Line or the parser's buffers, so they
// are valid until the next Line call and only as long as that line's bytes.
func (p *Parser) Values() [][]byte { return p.vals }

// Value returns the value of the named column of the last data line.
func (p *Parser) Value(name string) ([]byte, bool) {
	i, ok := p.index[name]
	if !ok || i >= len(p.vals) {
		return nil, false
	}
	return p.vals[i], true
}

// Line consumes one line without its trailing "\n" (a trailing "\r" is
// stripped here). It returns the line's kind even when it also returns an
// error, so the caller knows whether a data line was lost. A "#Fields:" or
// "# Fields:" directive replaces the column names.
func (p *Parser) Line(line []byte) (Kind, error) {
	p.vals, p.plain = p.vals[:0], p.plain[:0]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	kind := classify(line)
	if p.maxLine > 0 && len(line) > p.maxLine {
		return kind, fmt.Errorf("%w: line is %d bytes, limit %d", ErrLineTooLong, len(line), p.maxLine)
	}
	switch kind {
	case KindDirective:
		return kind, p.directive(line)
	case KindData:
		return kind, p.data(line)
	}
	return kind, nil
}

// Classify says what kind of line Line would take line for, without
// parsing it or changing any parser: a directive, a blank line or a data
// line (which may still fail to parse).
func Classify(line []byte) Kind {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return classify(line)
}

func classify(line []byte) Kind {
	if len(line) > 0 && line[0] == '#' {
		return KindDirective
	}
	for _, c := range line {
		if !isSep(c) {
			return KindData
		}
	}
	return KindBlank
}

func isSep(c byte) bool { return c == ' ' || c == '\t' }

// directive records "#Fields:" (with or without spaces after '#'); other
// directives (#Version, #Date, #Software, ...) carry nothing we need.
func (p *Parser) directive(line []byte) error {
	rest := bytes.TrimLeft(line[1:], " \t")
	names, ok := bytes.CutPrefix(rest, []byte("Fields:"))
	if !ok {
		return nil
	}
	fields := splitNames(names)
	p.setFields(fields)
	if len(fields) == 0 {
		return fmt.Errorf("%w: the #Fields directive names 0 fields", ErrNoFields)
	}
	return nil
}

// data splits a data line and checks it against #Fields.
func (p *Parser) data(line []byte) error {
	if p.fields == nil {
		return fmt.Errorf("%w: data line before any #Fields directive (%d bytes)", ErrNoFields, len(line))
	}
	if err := p.split(line); err != nil {
		return err
	}
	if len(p.vals) != len(p.fields) {
		return fmt.Errorf("%w: line has %d values, #Fields names %d", ErrFieldCount, len(p.vals), len(p.fields))
	}
	return nil
}
