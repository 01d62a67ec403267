package normalize

import (
	"bytes"
	"strconv"
)

// ECS writers several streams share. Each writes what the record has and
// nothing else; an object left empty disappears (see writer). A document
// has each object once, so a stream writes all of an object's fields in one
// place.

// user writes user: the name (a DOMAIN\name account split into domain and
// name, ECS's form), the e-mail address, and the groups of a
// comma-separated list.
func (e *ecsEvent) user(name, email, groups slot) {
	w := &e.w
	w.obj("user")
	v := e.fs.text(name)
	if d := userDomain(v); d != nil {
		w.opt("name", v[len(d)+1:])
		w.str("domain", d)
	} else {
		e.str("name", name)
	}
	e.email("email", email)
	w.obj("group")
	e.list("name", groups, ',')
	w.end()
	w.end()
}

// endpointOpen opens source or destination with its address, domain, port
// and the bytes it sent; the caller adds what else it knows (geo) and ends
// it.
func (e *ecsEvent) endpointOpen(k string, ip, domain, port, sent slot) {
	e.w.obj(k)
	e.ip("ip", ip)
	e.str("domain", domain)
	e.port("port", port)
	e.num("bytes", sent)
}

// urlField writes url from slot s, a URL as received: whole in original
// (and in full when it names its scheme and host, as full wants), and its
// parts.
func (e *ecsEvent) urlField(s slot) {
	v := e.fs.text(s)
	if v == nil {
		return
	}
	e.fs.use(s)
	p := splitURL(v)
	w := &e.w
	w.obj("url")
	w.str("original", v)
	if p.scheme != nil && len(p.host) > 0 {
		w.str("full", v)
	}
	w.opt("scheme", p.scheme)
	e.urlDomain(p.host)
	if n, ok := parseInt(p.port); ok && n >= 0 && n <= 65535 {
		w.int("port", n)
	}
	w.opt("path", p.path)
	w.opt("query", p.query)
	w.opt("fragment", p.fragment)
	w.end()
}

// urlDomain writes url.domain; an IPv6 address keeps its brackets there,
// as ECS asks.
func (e *ecsEvent) urlDomain(host []byte) {
	if len(host) == 0 {
		return
	}
	if isIP(host) && bytes.IndexByte(host, ':') >= 0 {
		e.w.key("domain")
		e.w.b = append(appendEscaped(append(e.w.b, '"', '['), host), ']', '"')
		return
	}
	e.w.str("domain", host)
}

// http writes http: the request's id, method and referrer, and the
// response's status code.
func (e *ecsEvent) http(id, method, referrer, status slot) {
	w := &e.w
	w.obj("http")
	w.obj("request")
	e.str("id", id)
	e.str("method", method)
	e.str("referrer", referrer)
	w.end()
	w.obj("response")
	e.num("status_code", status)
	w.end()
	w.end()
}

// userAgent writes user_agent.original.
func (e *ecsEvent) userAgent(s slot) {
	e.w.obj("user_agent")
	e.str("original", s)
	e.w.end()
}

// network writes network: a protocol name in lower case, as ECS wants it,
// a transport (TCP) as transport and iana_number, an application protocol
// (HTTPS, SSH) as protocol; and the application in lower case.
func (e *ecsEvent) network(protocol, application slot) {
	w := &e.w
	w.obj("network")
	v := e.fs.text(protocol)
	if low, ok := lowerWord(v); ok {
		name := low.bytes()
		if num, ok := transports[string(name)]; ok {
			w.str("transport", name)
			w.key("iana_number")
			w.b = append(strconv.AppendInt(append(w.b, '"'), num, 10), '"')
		} else {
			w.str("protocol", name)
		}
		if string(name) == string(v) {
			e.fs.use(protocol)
		}
	}
	e.lower("application", application)
	w.end()
}

// lower writes slot s in ASCII lower case; it is carried when it was.
func (e *ecsEvent) lower(k string, s slot) {
	v := e.fs.text(s)
	if v == nil {
		return
	}
	e.w.key(k)
	start := len(e.w.b)
	e.w.b = appendString(e.w.b, v)
	changed := false
	for i, c := range e.w.b[start:] { // escapes are lower case already
		if c >= 'A' && c <= 'Z' {
			e.w.b[start+i] = c + 'a' - 'A'
			changed = true
		}
	}
	if !changed {
		e.fs.use(s)
	}
}

// rule writes rule: the policy's id, and the name of what it matched (a
// DLP pattern).
func (e *ecsEvent) rule(id, name slot) {
	e.w.obj("rule")
	e.str("id", id)
	e.str("name", name)
	e.w.end()
}

// threat writes threat.software.name, the malware the vendor named.
func (e *ecsEvent) threat(name slot) {
	if e.fs.text(name) == nil {
		return
	}
	e.w.obj("threat")
	e.w.obj("software")
	e.str("name", name)
	e.w.end()
	e.w.end()
}

// adminCategory categorizes an administrator's operation, h.action: a
// log-in or log-out is authentication start or end (as in OCSF, one class
// for both vendors' admin log-ins); any other operation changes the
// portal's configuration, typed by what it does.
func adminCategory(h *ecsHeader) {
	switch adminSession(h.action) {
	case sessionStart:
		h.category[0], h.typ[0] = "authentication", "start"
	case sessionEnd:
		h.category[0], h.typ[0] = "authentication", "end"
	default:
		h.category[0], h.typ[0] = "configuration", ecsCRUDTypes[crudOf(h.action)]
	}
}

// ecsCRUDTypes is event.type of each operation on a configuration object.
var ecsCRUDTypes = [...]string{crudNone: "info", crudCreate: "creation", crudRead: "access", crudUpdate: "change",
	crudDelete: "deletion"}

// ecsFileTypes is event.type of each operation on a file (a search is not
// one).
var ecsFileTypes = [...]string{fileUpload: "creation", fileDownload: "access", fileDelete: "deletion",
	fileRename: "change", fileMove: "change", fileUnshare: "change", fileShare: "change", fileEdit: "change",
	filePreview: "access", fileAccess: "access", fileSearch: ""}
