package syslog

import (
	"strconv"

	"github.com/gatelog/gatelog/internal/record"
)

// appendCEF appends an ArcSight CEF event (the MSG of the syslog line):
//
//	CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|key=value ...
//
// SignatureID is "stream" or "stream:verb", Name "Title" or "Title: verb"
// (verb: the record's action or operation, see streamMap.verb). Then rt,
// the stream's mapped keys, externalId, cs1 (stream), cs2 (source) and cs6,
// a JSON object of every field no key took.
func (f *formatter) appendCEF(b []byte, r *record.Record, fs *fieldSet, m *streamMap, vendor, product string, sev severity) []byte {
	verb := m.verbOf(fs)
	b = append(b, "CEF:0|"...)
	b = append(appendEscaped(b, vendor, &cefHeaderEsc), '|')
	b = append(appendEscaped(b, product, &cefHeaderEsc), '|')
	b = append(appendEscaped(b, f.version, &cefHeaderEsc), '|')
	b = append(appendVerbed(b, r.Stream, ":", verb, &cefHeaderEsc), '|')
	b = append(appendVerbed(b, m.titleFor(r.Stream), ": ", verb, &cefHeaderEsc), '|')
	b = append(strconv.AppendInt(b, int64(sev.cef()), 10), '|')

	x := extWriter{b: b, sep: ' ', esc: &cefValueEsc}
	if !r.Time.IsZero() {
		x.key("rt", "")
		x.b = strconv.AppendInt(x.b, r.Time.UnixMilli(), 10)
	}
	m.markDropped(fs, r.ID)
	for i := range m.entries {
		e := &m.entries[i]
		if e.cef == "" {
			continue
		}
		if v := e.valueOf(fs); v != nil {
			labelled(&x, e.cef, e.label, v)
		}
	}
	pair(&x, "externalId", r.ID)
	labelled(&x, "cs1", "stream", r.Stream)
	labelled(&x, "cs2", "source", r.Source)
	if fs.tmp = fs.appendRest(fs.tmp[:0]); len(fs.tmp) > 0 {
		labelled(&x, "cs6", "fields", fs.tmp)
	}
	return x.b
}

// appendVerbed appends s, or s+sep+verb when there is a verb.
func appendVerbed(b []byte, s, sep string, verb []byte, e *escaper) []byte {
	b = appendEscaped(b, s, e)
	if len(verb) == 0 {
		return b
	}
	return appendEscaped(append(b, sep...), verb, e)
}

// extWriter appends key=value pairs separated by sep.
type extWriter struct {
	b   []byte
	sep byte
	esc *escaper
	n   int
}

// key starts a pair: separator, then k+suffix and "=".
func (x *extWriter) key(k, suffix string) {
	if x.n > 0 {
		x.b = append(x.b, x.sep)
	}
	x.n++
	x.b = append(append(append(x.b, k...), suffix...), '=')
}

func pair[S ~string | ~[]byte](x *extWriter, k string, v S) {
	x.key(k, "")
	x.b = appendEscaped(x.b, v, x.esc)
}

// labelled writes a CEF custom key with its label first (cs3Label=...
// cs3=...), or a plain pair when label is empty.
func labelled[S ~string | ~[]byte](x *extWriter, k, label string, v S) {
	if label != "" {
		x.key(k, "Label")
		x.b = appendEscaped(x.b, label, x.esc)
	}
	pair(x, k, v)
}
