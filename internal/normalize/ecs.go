package normalize

import (
	"bytes"
	"hash/maphash"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// ecsVersion is the ECS release the documents follow.
const ecsVersion = "9.4.0"

// ecsEvent builds one ECS document.
type ecsEvent struct {
	event
}

// ecsHeader is the categorization of a document.
type ecsHeader struct {
	kind     string    // event.kind
	category [3]string // event.category; "" entries are left out
	typ      [3]string // event.type; "" entries are left out
	action   []byte    // event.action: the vendor's word, which the caller marked carried
	outcome  string    // event.outcome; "" leaves it out
	severity int       // event.severity, OCSF's scale; 0 leaves it out
}

// begin opens the document and writes @timestamp, ecs.version and the
// header, leaving event open for the stream's own event fields; eventEnd
// closes it.
func (e *ecsEvent) begin(h ecsHeader) {
	w := &e.w
	w.b = append(w.b, '{')
	w.key("@timestamp")
	w.b = appendTime(w.b, e.rec.Time)
	w.obj("ecs")
	w.strS("version", ecsVersion)
	w.end()
	w.obj("event")
	w.strS("kind", h.kind)
	e.words("category", h.category)
	e.words("type", h.typ)
	w.opt("action", h.action)
	e.optS("outcome", h.outcome)
	if h.severity > 0 {
		w.int("severity", int64(h.severity))
	}
}

// words writes the non-empty words as an array.
func (e *ecsEvent) words(k string, words [3]string) {
	e.w.arr(k)
	for _, v := range words {
		if v != "" {
			e.w.elemStrS(v)
		}
	}
	e.w.end()
}

// eventEnd writes the record's id, the dataset (gatelog.<stream>), the
// module (gatelog) and the provider (the configured source name), closes
// event, and writes organization.id when the source has a tenant.
func (e *ecsEvent) eventEnd() {
	w := &e.w
	e.optS("id", e.rec.ID)
	if e.rec.Stream != "" {
		w.key("dataset")
		w.b = append(w.b, `"gatelog.`...)
		w.b = appendEscaped(w.b, e.rec.Stream)
		w.b = append(w.b, '"')
	}
	w.strS("module", "gatelog")
	e.optS("provider", e.rec.Source)
	w.end()
	if e.rec.Tenant != "" { // the source's tenant: the customer the account belongs to
		w.obj("organization")
		w.strS("id", e.rec.Tenant)
		w.end()
	}
}

// appendTime writes t as an ECS date: an RFC 3339 string in UTC, or epoch
// milliseconds for a year RFC 3339 cannot write.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return strconv.AppendInt(b, t.UnixMilli(), 10)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// timeMS writes epoch milliseconds as the date member k.
func (e *ecsEvent) timeMS(k string, ms int64) {
	e.w.key(k)
	e.w.b = appendTime(e.w.b, time.UnixMilli(ms))
}

// observer writes observer: the vendor's product, and what the stream
// knows of the instance that logged the event (its kind, name, address and
// place).
func (e *ecsEvent) observer(typ string, name, ip, place slot) {
	w := &e.w
	w.obj("observer")
	w.strS("vendor", e.st.product.vendor)
	w.strS("product", e.st.product.short)
	e.optS("type", typ)
	e.str("name", name)
	if isECSIP(e.fs.text(ip)) {
		w.arr("ip")
		w.elemStr(e.taken(ip))
		w.end()
	}
	w.obj("geo")
	e.str("name", place)
	w.end()
	w.end()
}

// ip writes slot s if it is an IP address Elasticsearch's ip type takes.
func (e *ecsEvent) ip(k string, s slot) bool {
	if !isECSIP(e.fs.text(s)) {
		return false
	}
	return e.str(k, s)
}

// isECSIP: an IP address without a zone ("fe80::1%eth0"), which
// Elasticsearch rejects.
func isECSIP(v []byte) bool {
	return isIP(v) && bytes.IndexByte(v, '%') < 0
}

// ecsDecision reads a security control's verdict as event.type (allowed or
// denied) and event.outcome: a denial (block, quarantine, isolation) is the
// failure of what was attempted, any other verdict its success, and a word
// we do not know leaves the outcome unknown.
func ecsDecision(o outcome, word []byte) (typ, out string) {
	switch {
	case o.verdict >= verdictIsolated:
		return "denied", "failure"
	case o.verdict != verdictNone:
		return "allowed", "success"
	case word != nil:
		return "", "unknown"
	}
	return "", ""
}

// finish writes the vendor's object, every member no field carries
// unchanged, with its value as received, and closes the document. Names
// are made keys Elasticsearch keeps whole (ecsKey), and a name already
// written (a repeated member, or two names that become one key) gets "_2",
// "_3" ... so that no key repeats: Elasticsearch rejects a document with a
// repeated key.
func (e *ecsEvent) finish() {
	w := &e.w
	w.obj(e.st.product.namespace)
	var table [256]uint64 // up to 128 members without allocating
	names := newNameSet(table[:], len(e.fs.list))
	var keyBuf, dupBuf []byte
	for i := range e.fs.list {
		f := &e.fs.list[i]
		if f.used || e.fs.empty(f) {
			continue
		}
		var k []byte
		k, keyBuf = ecsKey(e.fs.bytes(f.key), keyBuf)
		if !names.add(k) {
			for n := 2; ; n++ {
				dupBuf = strconv.AppendInt(append(append(dupBuf[:0], k...), '_'), int64(n), 10)
				if names.add(dupBuf) {
					k = dupBuf
					break
				}
			}
		}
		if f.kind == kindString {
			w.member(k, e.fs.bytes(f.val))
		} else {
			w.raw(k, e.fs.bytes(f.val))
		}
	}
	w.end()
	w.b = append(w.b, '}')
}

// ecsKey makes a vendor's field name a key Elasticsearch keeps as one
// field: each "." becomes "_" (Elasticsearch reads a dot as a path of
// objects), invalid UTF-8 becomes U+FFFD (as the writer does in values,
// here before the repeat check), and a name that is empty or only
// whitespace and controls gets a leading "_". It returns the name itself
// when it needs no change, else the new name built in buf.
func ecsKey(k, buf []byte) (key, newBuf []byte) {
	blank := true
	for _, c := range k {
		if c > ' ' {
			blank = false
			break
		}
	}
	if !blank && bytes.IndexByte(k, '.') < 0 && utf8.Valid(k) {
		return k, buf
	}
	buf = buf[:0]
	if blank {
		buf = append(buf, '_')
	}
	for i := 0; i < len(k); {
		r, n := utf8.DecodeRune(k[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			buf = utf8.AppendRune(buf, utf8.RuneError)
		case r == '.':
			buf = append(buf, '_')
		default:
			buf = append(buf, k[i:i+n]...)
		}
		i += n
	}
	return buf, buf
}

// ecsNamespace is the object of the unmapped fields of a vendor that has
// no product entry: its name when that is a plain lower-case word that ECS
// does not use, else "unknown".
func ecsNamespace(vendor string) string {
	if vendor == "" || len(vendor) > 32 || vendor[0] < 'a' || vendor[0] > 'z' || slices.Contains(ecsRoots, vendor) {
		return "unknown"
	}
	for _, c := range []byte(vendor) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return "unknown"
		}
	}
	return vendor
}

// ecsRoots are the top-level names of ECS 9.4.0.
var ecsRoots = []string{"agent", "client", "cloud", "container", "data_stream", "destination", "device", "dll",
	"dns", "ecs", "email", "entity", "error", "event", "faas", "file", "gen_ai", "group", "host", "http", "labels",
	"log", "message", "network", "observer", "orchestrator", "organization", "package", "process", "registry",
	"related", "rule", "server", "service", "source", "span", "tags", "threat", "tls", "trace", "transaction",
	"url", "user", "user_agent", "volume", "vulnerability"}

// nameSet remembers the keys written to one object by a 64-bit hash of
// each, in open addressing. Two names of one hash would count as one,
// which costs a renamed key, no data.
type nameSet []uint64

var nameSeed = maphash.MakeSeed()

// newNameSet makes a set for n names at most, at most half full, in table
// when it is large enough (its length a power of two).
func newNameSet(table []uint64, n int) nameSet {
	size := len(table)
	for size < 2*n {
		size *= 2
	}
	if size > len(table) {
		return make(nameSet, size)
	}
	return table
}

// add remembers name and reports whether it was new.
func (s nameSet) add(name []byte) bool {
	h := maphash.Bytes(nameSeed, name) | 1 // 0 marks a free slot
	mask := uint64(len(s) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s[i] {
		case 0:
			s[i] = h
			return true
		case h:
			return false
		}
	}
}
