package syslog

import (
	"bytes"
	"net/netip"
)

// This file is the per-vendor, per-stream mapping of vendor fields to CEF
// extension keys and LEEF attributes. FORMATS.md shows the same tables; a
// test keeps the two identical.

// valueType restricts what a target key accepts: SIEMs reject a CEF src
// that is not an address, or a dpt that is not a number. A value of the
// wrong type is left unmapped (it still travels in cs6 / as its own LEEF
// attribute).
type valueType uint8

const (
	typeString valueType = iota
	typeIP
	typeInt
)

// entry maps the first non-empty of its vendor fields to a CEF key and a
// LEEF key. An empty cef or leef leaves the field unmapped in that format.
type entry struct {
	cef   string // CEF extension key
	label string // csN/cnN label, for custom CEF keys
	leef  string // LEEF attribute key
	typ   valueType
	from  []string
	// compose builds the value from several fields (all of from), instead
	// of taking the first non-empty one.
	compose func(fs *fieldSet, b []byte) []byte
}

// streamMap is the mapping of one vendor stream.
type streamMap struct {
	title   string   // CEF Name prefix
	verb    []string // first non-empty: the outcome or operation, in CEF Name/SignatureID and LEEF EventID
	drop    []string // fields the envelope already carries (event time)
	idField string   // vendor id field, dropped when it equals the record id
	entries []entry
	// severity is the syslog severity of a record; nil: informational.
	severity func(fs *fieldSet) severity
}

// vendorMap is the mapping of one vendor.
type vendorMap struct {
	name, product string // CEF/LEEF device vendor and product
	streams       map[string]*streamMap
	other         *streamMap // streams without their own table
}

func f(names ...string) []string { return names }

var (
	fpAccess = &streamMap{
		title: "Cloud app access", verb: f("action"), drop: f("time"), idField: "transactionid", severity: forcepointSeverity,
		entries: []entry{
			{cef: "src", leef: "src", typ: typeIP, from: f("ipaddress")},
			{cef: "suser", leef: "usrName", from: f("email", "user")},
			{cef: "act", leef: "action", from: f("action")},
			{cef: "cat", leef: "cat", from: f("activity")},
			{cef: "request", leef: "url", from: f("url")},
			{cef: "destinationServiceName", from: f("application")},
			{cef: "requestClientApplication", from: f("useragent")},
			{cef: "fname", from: f("filename")},
			{cef: "msg", from: f("details")},
			{cef: "cs3", label: "userGroup", leef: "identGrpName", from: f("usergroup")},
			{cef: "cs4", label: "policyId", leef: "policy", from: f("policyid")},
			{cef: "cs5", label: "dlpPattern", from: f("dlppattern")},
		},
	}
	fpSWGWeb = &streamMap{
		title: "Web request", verb: f("action"), drop: f("time"), idField: "transactionid", severity: forcepointSeverity,
		entries: []entry{
			{cef: "src", leef: "src", typ: typeIP, from: f("ipaddress")},
			{cef: "dst", leef: "dst", typ: typeIP, from: f("destinationip")},
			{cef: "suser", leef: "usrName", from: f("email", "user")},
			{cef: "act", leef: "action", from: f("action")},
			{cef: "cat", leef: "cat", from: f("webcategories")},
			{cef: "request", leef: "url", from: f("url")},
			{cef: "requestMethod", from: f("requestmethod")},
			{cef: "app", from: f("protocol")},
			{cef: "dhost", from: f("requestdomain")},
			{cef: "dpt", leef: "dstPort", typ: typeInt, from: f("requestport")},
			{cef: "destinationServiceName", from: f("application")},
			{cef: "requestClientApplication", from: f("useragent")},
			{cef: "requestContext", from: f("referrer")},
			{cef: "in", leef: "srcBytes", typ: typeInt, from: f("uploadedbytes")},
			{cef: "out", leef: "dstBytes", typ: typeInt, from: f("size")},
			{cef: "cn1", label: "responseCode", typ: typeInt, from: f("responsecode")},
			{cef: "cs3", label: "userGroup", leef: "identGrpName", from: f("usergroup")},
			{cef: "cs4", label: "policyId", leef: "policy", from: f("policyid")},
			{cef: "cs5", label: "webReputation", from: f("webreputation")},
		},
	}
	fpAdmin = &streamMap{
		title: "Admin activity", verb: f("activity"), drop: f("time"),
		entries: []entry{
			{cef: "src", leef: "src", typ: typeIP, from: f("ipaddress")},
			{cef: "suser", leef: "usrName", from: f("email", "user")},
			{cef: "act", leef: "action", from: f("activity")},
			{cef: "destinationServiceName", from: f("application")},
			{cef: "requestClientApplication", from: f("useragent")},
			{cef: "msg", from: f("details")},
			{cef: "cs3", label: "location", from: f("location")},
		},
	}
	// fpOther covers cloudaudit, cloudsummary, the health streams and any
	// later stream with the fields Forcepoint names alike everywhere.
	fpOther = &streamMap{
		verb: f("action", "activity", "status"), drop: f("time"), idField: "transactionid", severity: forcepointSeverity,
		entries: []entry{
			{cef: "src", leef: "src", typ: typeIP, from: f("ipaddress", "actoripaddress")},
			{cef: "suser", leef: "usrName", from: f("email", "actor", "user", "owner")},
			{cef: "act", leef: "action", from: f("action", "activity")},
			{cef: "request", leef: "url", from: f("url", "filelink")},
			{cef: "fname", from: f("filename")},
			{cef: "destinationServiceName", from: f("application")},
			{cef: "msg", from: f("details")},
			{cef: "cs4", label: "policyId", leef: "policy", from: f("policyid")},
		},
	}
)

// Titles of the Forcepoint streams that use fpOther or share a table.
var fpTitles = map[string]string{
	"swgwebdlp": "Web DLP", "cloudaudit": "Cloud file audit", "cloudsummary": "Cloud file summary",
	"healthproxy": "Proxy health", "healthapi": "API health", "healthsystem": "System health",
}

var (
	symAccessLog = &streamMap{
		title: "Web request", verb: f("sc-filter-result", "s-action"), drop: f("date", "time"),
		idField: "x-bluecoat-transaction-uuid", severity: symantecSeverity,
		entries: []entry{
			{cef: "src", leef: "src", typ: typeIP, from: f("c-ip")},
			{cef: "suser", leef: "usrName", from: f("cs-userdn", "cs-username")},
			{cef: "act", leef: "action", from: f("s-action")},
			{cef: "cat", leef: "cat", from: f("cs-categories")},
			{cef: "request", leef: "url", compose: symantecURL, from: f("cs-uri-scheme", "cs-host", "cs-uri-port", "cs-uri-path", "cs-uri-query")},
			{cef: "requestMethod", from: f("cs-method")},
			{cef: "app", from: f("cs-uri-scheme")},
			{cef: "dhost", from: f("cs-host")},
			{cef: "dpt", leef: "dstPort", typ: typeInt, from: f("cs-uri-port")},
			{cef: "dst", leef: "dst", typ: typeIP, from: f("s-supplier-ip", "r-ip")},
			{cef: "dvc", typ: typeIP, from: f("s-ip")},
			{cef: "dvchost", from: f("x-bluecoat-appliance-name")},
			{cef: "shost", leef: "identHostName", from: f("x-client-device-name")},
			{cef: "destinationServiceName", from: f("x-bluecoat-application-name")},
			{cef: "requestClientApplication", from: f("cs(User-Agent)")},
			{cef: "requestContext", from: f("cs(Referer)")},
			{cef: "in", leef: "srcBytes", typ: typeInt, from: f("cs-bytes")},
			{cef: "out", leef: "dstBytes", typ: typeInt, from: f("sc-bytes")},
			{cef: "cn1", label: "responseCode", typ: typeInt, from: f("sc-status")},
			{cef: "cs3", label: "userGroup", leef: "identGrpName", from: f("cs-auth-groups")},
			{cef: "cs4", label: "filterResult", from: f("sc-filter-result")},
			{cef: "cs5", label: "virusId", from: f("x-virus-id")},
		},
	}
	symAudit = &streamMap{
		title: "Admin audit", verb: f("operationType"), drop: f("date"),
		entries: []entry{
			{cef: "suser", leef: "usrName", from: f("user")},
			{cef: "act", leef: "action", from: f("operationType")},
			{cef: "cs3", label: "objectType", leef: "cat", from: f("objectType")},
			{cef: "cs4", label: "object", leef: "resource", from: f("object")},
			{cef: "msg", from: f("details")},
		},
	}
	symOther = &streamMap{}
)

var vendors = map[string]*vendorMap{
	"forcepoint": {name: "Forcepoint", product: "ONE SSE", other: fpOther,
		streams: map[string]*streamMap{"access": fpAccess, "swgweb": fpSWGWeb, "swgwebdlp": fpSWGWeb, "admin": fpAdmin}},
	"symantec": {name: "Broadcom", product: "Cloud SWG", other: symOther,
		streams: map[string]*streamMap{"accesslog": symAccessLog, "audit": symAudit}},
}

// unknownStream maps records of a vendor gatelog has no table for.
var unknownStream = &streamMap{}

// lookup returns the mapping of a record's vendor and stream, and the CEF
// device vendor and product.
func lookup(vendor, stream string) (*streamMap, string, string) {
	v := vendors[vendor]
	if v == nil {
		return unknownStream, vendor, vendor
	}
	if m := v.streams[stream]; m != nil {
		return m, v.name, v.product
	}
	return v.other, v.name, v.product
}

// title is the CEF Name prefix of a stream.
func (m *streamMap) titleFor(stream string) string {
	if t := fpTitles[stream]; t != "" && (m == fpOther || m == fpSWGWeb) {
		return t
	}
	if m.title != "" {
		return m.title
	}
	return stream
}

// verbOf returns the first non-empty verb field.
func (m *streamMap) verbOf(fs *fieldSet) []byte {
	for _, name := range m.verb {
		if v := fs.value(name); len(v) > 0 {
			return v
		}
	}
	return nil
}

// markDropped flags the fields the envelope already carries.
func (m *streamMap) markDropped(fs *fieldSet, id string) {
	for _, name := range m.drop {
		if fl := fs.get(name); fl != nil {
			fl.used = true
		}
	}
	if m.idField != "" {
		if fl := fs.get(m.idField); fl != nil && string(fl.val) == id {
			fl.used = true
		}
	}
}

// valueOf returns the value of e and marks the fields it used; nil when
// no field has a usable value.
func (e *entry) valueOf(fs *fieldSet) []byte {
	if e.compose != nil {
		fs.tmp = e.compose(fs, fs.tmp[:0])
		if len(fs.tmp) == 0 {
			return nil
		}
		for _, name := range e.from {
			if fl := fs.get(name); fl != nil {
				fl.used = true
			}
		}
		return fs.tmp
	}
	for _, name := range e.from {
		fl := fs.get(name)
		if fl == nil || len(fl.val) == 0 || !e.typ.accepts(fl.val) {
			continue
		}
		fl.used = true
		return fl.val
	}
	return nil
}

func (t valueType) accepts(v []byte) bool {
	switch t {
	case typeIP:
		return isIP(v)
	case typeInt:
		return isDigits(v)
	}
	return true
}

// isIP reports whether v is an IP address as netip.ParseAddr reads it. The
// common IPv4 case is checked here because converting v to a string for
// ParseAddr allocates, once per record and key.
func isIP(v []byte) bool {
	if bytes.IndexByte(v, ':') >= 0 {
		_, err := netip.ParseAddr(string(v))
		return err == nil
	}
	parts := 0
	for rest, more := v, true; more; parts++ {
		var p []byte
		p, rest, more = bytes.Cut(rest, []byte("."))
		if len(p) == 0 || len(p) > 3 || len(p) > 1 && p[0] == '0' || !isDigits(p) || len(p) == 3 && string(p) > "255" {
			return false
		}
	}
	return parts == 4
}

func isDigits(v []byte) bool {
	if len(v) == 0 || len(v) > 18 { // fits an int64 (CEF Long)
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// symantecURL rebuilds the request URL from the ELFF cs-uri-* fields:
// scheme://host[:port]path[query], the port only when not the scheme's
// default.
func symantecURL(fs *fieldSet, b []byte) []byte {
	host := fs.value("cs-host")
	if len(host) == 0 {
		return b
	}
	scheme, port := fs.value("cs-uri-scheme"), fs.value("cs-uri-port")
	if len(scheme) > 0 {
		b = append(append(b, scheme...), "://"...)
	}
	b = append(b, host...)
	if len(port) > 0 && !defaultPort(scheme, port) {
		b = append(append(b, ':'), port...)
	}
	b = append(b, fs.value("cs-uri-path")...)
	q := fs.value("cs-uri-query")
	if len(q) > 0 && q[0] != '?' {
		b = append(b, '?')
	}
	return append(b, q...)
}

func defaultPort(scheme, port []byte) bool {
	return string(scheme) == "http" && string(port) == "80" || string(scheme) == "https" && string(port) == "443"
}

// severity is a syslog severity (RFC 5424 table 2).
type severity uint8

const (
	sevError   severity = 3 // a threat was found, a service is down
	sevWarning severity = 4 // a request or file was blocked, a service degraded
	sevNotice  severity = 5 // a policy matched and the user was let through
	sevInfo    severity = 6 // everything else
)

// cefSeverity maps a syslog severity to the CEF 0-10 scale (also LEEF
// sev): Low 3, Medium 5, High 7 and 8.
func (s severity) cef() int {
	switch s {
	case sevError:
		return 8
	case sevWarning:
		return 7
	case sevNotice:
		return 5
	}
	return 3
}

func (m *streamMap) severityOf(fs *fieldSet) severity {
	if m.severity == nil {
		return sevInfo
	}
	return m.severity(fs)
}

// Forcepoint action words, lower case. An action such as "Alert, Denied,
// Notify, Threat" lists several; the most severe counts.
var fpActions = map[string]severity{
	"threat": sevError, "malware": sevError, "virus": sevError,
	"deny": sevWarning, "denied": sevWarning, "block": sevWarning, "blocked": sevWarning,
	"quarantine": sevWarning, "quarantined": sevWarning,
	"alert": sevNotice, "notify": sevNotice, "notifyadmin": sevNotice, "notifyowner": sevNotice,
	"continue": sevNotice, "isolate": sevNotice, "encrypt": sevNotice, "coach": sevNotice,
}

// Forcepoint health status words, lower case.
var fpStatus = map[string]severity{"down": sevError, "degraded": sevWarning}

func forcepointSeverity(fs *fieldSet) severity {
	sev := word(fpStatus, fs.value("status"))
	for rest, more := fs.value("action"), true; more; {
		var w []byte
		w, rest, more = bytes.Cut(rest, []byte(","))
		sev = min(sev, word(fpActions, w))
	}
	return sev
}

// word looks w up case-insensitively, without allocating.
func word(m map[string]severity, w []byte) severity {
	w = bytes.TrimSpace(w)
	var low [16]byte
	if len(w) == 0 || len(w) > len(low) {
		return sevInfo
	}
	for i, c := range w {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	if s, ok := m[string(low[:len(w)])]; ok {
		return s
	}
	return sevInfo
}

// symantecSeverity: a virus name means a threat; a DENIED filter result
// or proxy action, a blocked request.
func symantecSeverity(fs *fieldSet) severity {
	switch {
	case len(fs.value("x-virus-id")) > 0:
		return sevError
	case string(fs.value("sc-filter-result")) == "DENIED", bytes.Contains(fs.value("s-action"), []byte("DENIED")):
		return sevWarning
	}
	return sevInfo
}
