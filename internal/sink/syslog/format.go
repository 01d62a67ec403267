package syslog

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/record"
)

// sdID is the SD-ID of gatelog's structured data element. 32473 is the
// private enterprise number that RFC 5612 reserves for documentation and
// examples; gatelog has no number of its own, and the "@" form keeps the
// element out of the IANA-registered namespace either way.
const sdID = "gatelog@32473"

// formatter turns a record into one message, framing excluded. The same
// record always gives the same bytes; FORMATS.md describes them.
type formatter struct {
	format   format
	facility int
	hostname string
	appName  string
	procID   string
	version  string // CEF/LEEF device version
}

func newFormatter(s *settings) *formatter {
	return &formatter{format: s.format, facility: s.facility, hostname: s.hostname, appName: s.appName, procID: s.procID, version: s.version}
}

// appendMessage appends r's message to b. fs is scratch space, reused.
func (f *formatter) appendMessage(b []byte, r *record.Record, fs *fieldSet) []byte {
	if f.format == formatJSON {
		return appendEnvelope(b, r)
	}
	if fs.parse(r.Fields) != nil {
		// Not an object: no mapping, the raw fields travel as they are
		// (see appendRest), and nothing is lost.
		fs.list = fs.list[:0]
		fs.bad = true
	} else {
		fs.bad = false
	}
	m, vendor, product := lookup(r.Vendor, r.Stream)
	sev := m.severityOf(fs)
	b = f.appendHeader(b, sev, r)
	switch f.format {
	case formatCEF:
		return f.appendCEF(append(b, "- "...), r, fs, m, vendor, product, sev)
	case formatLEEF:
		return f.appendLEEF(append(b, "- "...), r, fs, m, vendor, product, sev)
	}
	b = appendSD(b, r)
	return appendEnvelope(append(b, ' '), r)
}

// appendHeader appends "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID ".
func (f *formatter) appendHeader(b []byte, sev severity, r *record.Record) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(f.facility*8+int(sev)), 10)
	b = append(b, ">1 "...)
	b = appendTimestamp(b, r.Time, f.format == formatLEEF)
	b = append(b, ' ')
	b = append(b, f.hostname...)
	b = append(b, ' ')
	b = append(b, f.appName...)
	b = append(b, ' ')
	b = append(b, f.procID...)
	b = append(b, ' ')
	b = appendMSGID(b, r.Stream)
	return append(b, ' ')
}

// appendTimestamp writes t in UTC as RFC 5424 allows: at most six digits
// of fraction (finer is truncated), none when t has none. QRadar documents
// exactly milliseconds for LEEF (yyyy-MM-ddTHH:mm:ss.SSSZ), so LEEF always
// gets three. A time outside years 1 to 9999 is the NILVALUE.
func appendTimestamp(b []byte, t time.Time, millis bool) []byte {
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return append(b, nilValue...)
	}
	if millis {
		return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	}
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.999999Z07:00")
}

// appendMSGID writes the stream name as MSGID: at most 32 printable
// US-ASCII characters, others replaced by "_"; empty is the NILVALUE.
func appendMSGID(b []byte, stream string) []byte {
	if stream == "" {
		return append(b, nilValue...)
	}
	for i := 0; i < len(stream) && i < 32; i++ {
		c := stream[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// appendSD writes gatelog's structured data element.
func appendSD(b []byte, r *record.Record) []byte {
	b = append(b, "["+sdID+` source="`...)
	b = appendEscaped(b, r.Source, &sdEsc)
	b = append(b, `" stream="`...)
	b = appendEscaped(b, r.Stream, &sdEsc)
	b = append(b, `" id="`...)
	b = appendEscaped(b, r.ID, &sdEsc)
	b = append(b, `" vendor="`...)
	b = appendEscaped(b, r.Vendor, &sdEsc)
	return append(b, `"]`...)
}

// appendEnvelope appends the envelope JSON with any CR or LF turned into
// a space. In valid JSON they can only be whitespace between tokens, so
// the JSON means the same, and no message ever holds a line break: newline
// framing, and receivers that split datagrams on them, stay correct.
func appendEnvelope(b []byte, r *record.Record) []byte {
	start := len(b)
	b = r.AppendJSON(b)
	flattenLines(b[start:])
	return b
}

func flattenLines(b []byte) {
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
}

// escaper says, for each ASCII byte, what replaces it ("" keeps it).
// Bytes from 0x80 must form valid UTF-8; each invalid one becomes U+FFFD.
type escaper [utf8.RuneSelf]string

var (
	sdEsc         = newEscaper(" ", map[byte]string{'"': `\"`, '\\': `\\`, ']': `\]`})
	cefHeaderEsc  = newEscaper(" ", map[byte]string{'\\': `\\`, '|': `\|`})
	cefValueEsc   = newEscaper(" ", map[byte]string{'\\': `\\`, '=': `\=`, '\n': `\n`, '\r': `\r`})
	leefHeaderEsc = newEscaper(" ", map[byte]string{'\\': `\\`, '|': `\|`})
	leefValueEsc  = newEscaper(" ", nil)
)

// newEscaper replaces control characters with ctl, then applies special.
func newEscaper(ctl string, special map[byte]string) escaper {
	var e escaper
	for c := 0; c < 0x20; c++ {
		e[c] = ctl
	}
	e[0x7f] = ctl
	for c, s := range special {
		e[c] = s
	}
	return e
}

// appendEscaped appends s escaped by e, copying runs of unchanged bytes.
func appendEscaped[S ~string | ~[]byte](b []byte, s S, e *escaper) []byte {
	run := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if e[c] == "" {
				i++
				continue
			}
			b = append(append(b, s[run:i]...), e[c]...)
			i++
			run = i
			continue
		}
		size := runeLen(s, i)
		if size == 0 {
			b = append(append(b, s[run:i]...), "\uFFFD"...)
			size = 1
			run = i + 1
		}
		i += size
	}
	return append(b, s[run:]...)
}

// runeLen returns the length of the valid UTF-8 sequence at s[i] (a
// non-ASCII byte), or 0. It is utf8.DecodeRune's acceptance table, written
// out so that strings and byte slices share it without conversions.
func runeLen[S ~string | ~[]byte](s S, i int) int {
	c := s[i]
	n, lo, hi := 0, byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c == 0xED:
		n, hi = 3, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		n = 3
	case c == 0xF0:
		n, lo = 4, 0x90
	case c == 0xF4:
		n, hi = 4, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		n = 4
	default:
		return 0
	}
	if i+n > len(s) || s[i+1] < lo || s[i+1] > hi {
		return 0
	}
	for j := 2; j < n; j++ {
		if s[i+j] < 0x80 || s[i+j] > 0xBF {
			return 0
		}
	}
	return n
}
