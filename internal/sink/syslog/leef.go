package syslog

import (
	"strconv"

	"github.com/gatelog/gatelog/internal/record"
)

// LEEF attributes: the delimiter is a tab, announced in hex ("x09") as
// LEEF 2.0 allows, since a literal tab in the header is easy to lose.
const (
	leefDelim      = '\t'
	leefTimeFormat = "MMM dd yyyy HH:mm:ss.SSS zzz" // Java SimpleDateFormat, as QRadar reads it
	goLEEFTime     = "Jan 02 2006 15:04:05.000 MST"
	vendorPrefix   = "vendor_"
)

// leefReserved are the predefined LEEF attributes and the ones gatelog
// writes itself. IBM forbids custom keys with a predefined name, so a vendor
// field whose (cleaned) name is one of these gets vendorPrefix.
var leefReserved = map[string]bool{
	"cat": true, "devTime": true, "devTimeFormat": true, "proto": true, "sev": true, "src": true, "dst": true,
	"srcPort": true, "dstPort": true, "srcPreNAT": true, "dstPreNAT": true, "srcPostNAT": true, "dstPostNAT": true,
	"usrName": true, "srcMAC": true, "dstMAC": true, "srcPreNATPort": true, "dstPreNATPort": true,
	"srcPostNATPort": true, "dstPostNATPort": true, "identSrc": true, "identHostName": true, "identNetBios": true,
	"identGrpName": true, "identMAC": true, "vSrc": true, "vSrcName": true, "accountName": true,
	"srcBytes": true, "dstBytes": true, "srcPackets": true, "dstPackets": true, "totalPackets": true,
	"role": true, "realm": true, "policy": true, "resource": true, "url": true, "groupID": true, "domain": true,
	"isLoginEvent": true, "isLogoutEvent": true, "identSecondlp": true, "calLanguage": true,
	"AttributeLimits": true, "calCountryOrRegion": true,
	"action": true, "gatelogId": true, "gatelogSource": true, "gatelogStream": true,
}

// appendLEEF appends an IBM QRadar LEEF 2.0 event (the MSG of the syslog
// line):
//
//	LEEF:2.0|Vendor|Product|Version|EventID|x09|devTime=...<TAB>...
//
// EventID is CEF's SignatureID. Then devTime, devTimeFormat, sev, the
// stream's mapped attributes, gatelogId, gatelogSource, gatelogStream and
// every field no attribute took, under its own (cleaned) name.
func (f *formatter) appendLEEF(b []byte, r *record.Record, fs *fieldSet, m *streamMap, vendor, product string, sev severity) []byte {
	b = append(b, "LEEF:2.0|"...)
	b = append(appendEscaped(b, vendor, &leefHeaderEsc), '|')
	b = append(appendEscaped(b, product, &leefHeaderEsc), '|')
	b = append(appendEscaped(b, f.version, &leefHeaderEsc), '|')
	b = append(appendVerbed(b, r.Stream, ":", m.verbOf(fs), &leefHeaderEsc), '|')
	b = append(b, "x09|"...)

	x := extWriter{b: b, sep: leefDelim, esc: &leefValueEsc}
	if !r.Time.IsZero() {
		x.key("devTime", "")
		x.b = r.Time.UTC().AppendFormat(x.b, goLEEFTime)
		pair(&x, "devTimeFormat", leefTimeFormat)
	}
	x.key("sev", "")
	x.b = strconv.AppendInt(x.b, int64(sev.cef()), 10)
	m.markDropped(fs, r.ID)
	for i := range m.entries {
		e := &m.entries[i]
		if e.leef == "" {
			continue
		}
		if v := e.valueOf(fs); v != nil {
			pair(&x, e.leef, v)
		}
	}
	pair(&x, "gatelogId", r.ID)
	pair(&x, "gatelogSource", r.Source)
	pair(&x, "gatelogStream", r.Stream)
	appendLEEFRest(&x, fs)
	return x.b
}

// appendLEEFRest writes each field no attribute took as its own attribute.
func appendLEEFRest(x *extWriter, fs *fieldSet) {
	if fs.bad {
		if len(fs.raw) > 0 {
			pair(x, "fields", fs.raw)
		}
		return
	}
	for i := range fs.list {
		fl := &fs.list[i]
		if fl.used || len(fl.val) == 0 {
			continue
		}
		if x.n > 0 {
			x.b = append(x.b, x.sep)
		}
		x.n++
		x.b = append(appendLEEFKey(x.b, fl.key), '=')
		x.b = appendEscaped(x.b, fl.val, x.esc)
	}
}

// appendLEEFKey writes a vendor field name as a LEEF key: letters, digits,
// "_", "-" and "." are kept, anything else becomes "_" (IBM recommends
// alphanumeric keys; "=" or the delimiter would break parsing).
func appendLEEFKey(b, key []byte) []byte {
	if len(key) == 0 || leefReserved[string(key)] {
		b = append(b, vendorPrefix...)
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}
