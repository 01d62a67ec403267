package normalize

import "github.com/gatelog/gatelog/internal/record"

// event is what every schema's mapping works on: the record, its decoded
// fields and the output. Its writers carry a slot's value unchanged under
// the key a schema names, and mark the slot carried; they know no schema.
// ocsfEvent and ecsEvent embed it.
type event struct {
	w   writer
	fs  fields
	rec *record.Record
	st  *stream
}

// optS writes a string member unless it is empty.
func (e *event) optS(k, v string) {
	if v != "" {
		e.w.strS(k, v)
	}
}

// str writes slot s verbatim as the string member k.
func (e *event) str(k string, s slot) bool {
	v := e.fs.text(s)
	if v == nil {
		return false
	}
	e.w.str(k, v)
	e.fs.use(s)
	return true
}

// num writes slot s as the integer member k, if it is one (a JSON number
// or digits in a string).
func (e *event) num(k string, s slot) bool {
	n, ok := parseInt(e.fs.text(s))
	if !ok {
		return false
	}
	e.w.int(k, n)
	e.fs.use(s)
	return true
}

// port writes slot s as a port (0-65535).
func (e *event) port(k string, s slot) bool {
	if n, ok := parseInt(e.fs.text(s)); !ok || n < 0 || n > 65535 {
		return false
	}
	return e.num(k, s)
}

// ip writes slot s, if it is an IP address.
func (e *event) ip(k string, s slot) bool {
	if !isIP(e.fs.text(s)) {
		return false
	}
	return e.str(k, s)
}

// email writes slot s, if it matches OCSF's email_t pattern (ECS takes the
// same addresses, so that both schemas agree on what an address is).
func (e *event) email(k string, s slot) bool {
	if !isEmail(e.fs.text(s)) {
		return false
	}
	return e.str(k, s)
}

// taken returns the text of slot s and marks it carried; for values a
// header holds.
func (e *event) taken(s slot) []byte {
	v := e.fs.text(s)
	e.fs.use(s)
	return v
}

// sameAsID marks slot s carried when it is the record id (which both
// schemas carry): Forcepoint's transactionid and fileid are.
func (e *event) sameAsID(s slot) {
	if v := e.fs.text(s); v != nil && string(v) == e.rec.ID {
		e.fs.use(s)
	}
}

// list writes slot s, a list of items separated by sep, as a string array.
func (e *event) list(k string, s slot, sep byte) {
	e.w.arr(k)
	e.eachItem(s, sep, e.w.elemStr)
	e.w.end()
}

// eachItem calls fn with each item of slot s, a list separated by sep. The
// field counts as carried only when it is one item, as written.
func (e *event) eachItem(s slot, sep byte, fn func(item []byte)) {
	v := e.fs.text(s)
	n := 0
	for rest := v; len(rest) > 0; {
		var item []byte
		item, rest = nextItem(rest, sep)
		if len(item) > 0 {
			fn(item)
			n++
		}
	}
	if n == 1 && len(bytesTrim(v)) == len(v) {
		e.fs.use(s)
	}
}
