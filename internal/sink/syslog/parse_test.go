package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// This file holds strict parsers for what the sink emits: RFC 5424 (the
// module has no syslog parser dependency, so the test brings its own), CEF
// and LEEF. They reject anything the specifications do not allow.

type rfc5424Header struct {
	pri                              int
	timestamp                        string
	hostname, appName, procID, msgID string
	sd                               map[string]map[string]string // nil: NILVALUE
	msg                              []byte
}

var tsPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$`)

// parseRFC5424 parses one message per RFC 5424 section 6 and also rejects
// line breaks anywhere, which the sink promises never to send.
func parseRFC5424(m []byte) (*rfc5424Header, error) {
	if bytes.ContainsAny(m, "\r\n") {
		return nil, errors.New("line break in message")
	}
	p := &parser{b: m}
	h := &rfc5424Header{}
	var err error
	if h.pri, err = p.pri(); err != nil {
		return nil, err
	}
	if !p.lit("1 ") {
		return nil, errors.New("version is not 1")
	}
	if h.timestamp, err = p.timestamp(); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		dst *string
		max int
	}{{&h.hostname, 255}, {&h.appName, 48}, {&h.procID, 128}, {&h.msgID, 32}} {
		if *f.dst, err = p.token(f.max); err != nil {
			return nil, err
		}
	}
	if h.sd, err = p.structuredData(); err != nil {
		return nil, err
	}
	switch {
	case p.i == len(m):
	case m[p.i] == ' ':
		h.msg = m[p.i+1:]
	default:
		return nil, fmt.Errorf("junk after structured data at %d", p.i)
	}
	if bytes.HasPrefix(h.msg, []byte("\xef\xbb\xbf")) && !utf8.Valid(h.msg) {
		return nil, errors.New("MSG with BOM is not UTF-8")
	}
	return h, nil
}

type parser struct {
	b []byte
	i int
}

func (p *parser) lit(s string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

func (p *parser) pri() (int, error) {
	end := bytes.IndexByte(p.b, '>')
	if len(p.b) == 0 || p.b[0] != '<' || end < 2 || end > 4 {
		return 0, errors.New("bad PRI")
	}
	digits := string(p.b[1:end])
	n, err := strconv.Atoi(digits)
	if err != nil || n > 191 || len(digits) > 1 && digits[0] == '0' {
		return 0, fmt.Errorf("bad PRI %q", digits)
	}
	p.i = end + 1
	return n, nil
}

func (p *parser) timestamp() (string, error) {
	ts, err := p.token(64)
	if err != nil || ts == "-" {
		return ts, err
	}
	if !tsPattern.MatchString(ts) {
		return "", fmt.Errorf("timestamp %q is not RFC 5424 (at most 6 fraction digits)", ts)
	}
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		return "", err
	}
	return ts, nil
}

// token reads 1 to max PRINTUSASCII characters and the space after them.
func (p *parser) token(max int) (string, error) {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= 33 && p.b[p.i] <= 126 {
		p.i++
	}
	n := p.i - start
	if n == 0 || n > max || !p.lit(" ") {
		return "", fmt.Errorf("bad header field at %d: %q", start, p.b[start:p.i])
	}
	return string(p.b[start : p.i-1]), nil
}

func (p *parser) structuredData() (map[string]map[string]string, error) {
	if p.lit("-") {
		return nil, nil
	}
	sd := map[string]map[string]string{}
	for p.i < len(p.b) && p.b[p.i] == '[' {
		p.i++
		id, err := p.sdName()
		if err != nil {
			return nil, err
		}
		params := map[string]string{}
		for p.lit(" ") {
			name, err := p.sdName()
			if err != nil {
				return nil, err
			}
			if !p.lit(`="`) {
				return nil, fmt.Errorf("param %s: want =\"", name)
			}
			if params[name], err = p.paramValue(); err != nil {
				return nil, err
			}
		}
		if !p.lit("]") {
			return nil, fmt.Errorf("element %s not closed at %d", id, p.i)
		}
		sd[id] = params
	}
	if len(sd) == 0 {
		return nil, errors.New("no structured data")
	}
	return sd, nil
}

func (p *parser) sdName() (string, error) {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= 33 && p.b[p.i] <= 126 && !strings.ContainsRune(`= ]"`, rune(p.b[p.i])) {
		p.i++
	}
	if n := p.i - start; n == 0 || n > 32 {
		return "", fmt.Errorf("bad SD-NAME at %d", start)
	}
	return string(p.b[start:p.i]), nil
}

// paramValue reads up to the closing quote: ", \ and ] must be escaped;
// a backslash before anything else stays a backslash (RFC 5424 6.3.3).
func (p *parser) paramValue() (string, error) {
	var v []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(v) {
				return "", errors.New("PARAM-VALUE is not UTF-8")
			}
			return string(v), nil
		case c == ']':
			return "", errors.New("unescaped ] in PARAM-VALUE")
		case c == '\\' && p.i+1 < len(p.b) && strings.ContainsRune(`"\]`, rune(p.b[p.i+1])):
			v = append(v, p.b[p.i+1])
			p.i += 2
		default:
			v = append(v, c)
			p.i++
		}
	}
	return "", errors.New("PARAM-VALUE not closed")
}

type cefEvent struct {
	header []string          // CEF:0, vendor, product, version, signature, name, severity
	ext    map[string]string // unescaped values
}

var (
	cefKey  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	leefKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// parseCEF splits the MSG of a syslog message as a CEF reader does: seven
// header fields on unescaped pipes, then key=value pairs where a value
// runs to the space before the next unescaped "key=".
func parseCEF(t *testing.T, msg []byte) cefEvent {
	t.Helper()
	h, err := parseRFC5424(msg)
	if err != nil {
		t.Fatal(err)
	}
	s := string(h.msg)
	var ev cefEvent
	for len(ev.header) < 7 {
		i := unescapedIndex(s, '|')
		if i < 0 {
			t.Fatalf("CEF header has %d fields: %q", len(ev.header), h.msg)
		}
		ev.header = append(ev.header, unescapeCEF(s[:i]))
		s = s[i+1:]
	}
	ev.ext = map[string]string{}
	for _, kv := range splitExtensions(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !cefKey.MatchString(k) {
			t.Fatalf("bad extension %q in %q", kv, s)
		}
		if _, dup := ev.ext[k]; dup {
			t.Fatalf("extension %s twice", k)
		}
		ev.ext[k] = unescapeCEF(v)
	}
	return ev
}

// splitExtensions cuts s before each " key=" whose = is unescaped.
func splitExtensions(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] == '_') {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '=' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescapedIndex(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case c:
			return i
		}
	}
	return -1
}

func unescapeCEF(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

type leefEvent struct {
	header []string // LEEF:2.0, vendor, product, version, event id, delimiter
	attrs  map[string]string
	dups   []string // keys seen twice (vendor names that clean to the same key)
}

// parseLEEF splits a LEEF 2.0 MSG: six header fields, then attributes on
// the announced delimiter, each cut at its first "=".
func parseLEEF(t *testing.T, msg []byte) leefEvent {
	t.Helper()
	h, err := parseRFC5424(msg)
	if err != nil {
		t.Fatal(err)
	}
	s := string(h.msg)
	var ev leefEvent
	for len(ev.header) < 6 {
		i := unescapedIndex(s, '|')
		if i < 0 {
			t.Fatalf("LEEF header has %d fields: %q", len(ev.header), h.msg)
		}
		ev.header = append(ev.header, unescapeCEF(s[:i]))
		s = s[i+1:]
	}
	if ev.header[5] != "x09" {
		t.Fatalf("delimiter %q", ev.header[5])
	}
	ev.attrs = map[string]string{}
	for _, kv := range strings.Split(s, "\t") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !leefKey.MatchString(k) {
			t.Fatalf("bad attribute %q", kv)
		}
		if _, dup := ev.attrs[k]; dup {
			ev.dups = append(ev.dups, k)
		}
		ev.attrs[k] = v
	}
	return ev
}

func utf8Valid(b []byte) bool { return utf8.Valid(b) }
