package normalize

import "bytes"

// Writers of OCSF objects that several streams share. Each writes what the
// record has and nothing else; an object left empty disappears (see writer).

// user writes a user object. Without a name the e-mail address names the
// user, as user requires a name or uid.
func (e *ocsfEvent) user(k string, name, email, groups slot) {
	e.w.obj(k)
	if !e.str("name", name) {
		e.str("name", email)
	}
	if d := userDomain(e.fs.text(name)); d != nil {
		e.w.str("domain", d)
	}
	e.email("email_addr", email)
	e.groups(groups)
	e.w.end()
}

// actor writes actor.user.
func (e *ocsfEvent) actor(name, email, groups slot) {
	e.w.obj("actor")
	e.user("user", name, email, groups)
	e.w.end()
}

// userDomain is the DOMAIN of a DOMAIN\name account.
func userDomain(v []byte) []byte {
	if i := bytes.IndexByte(v, '\\'); i > 0 {
		return v[:i]
	}
	return nil
}

// groups writes a comma-separated group list as user.groups.
func (e *ocsfEvent) groups(s slot) {
	e.w.arr("groups")
	e.eachItem(s, ',', func(g []byte) {
		e.w.elem()
		e.w.str("name", g)
		e.w.end()
	})
	e.w.end()
}

// endpoint writes a network endpoint from an address, host name and port.
func (e *ocsfEvent) endpoint(k string, ip, host, port slot) {
	e.w.obj(k)
	e.ip("ip", ip)
	e.str("hostname", host)
	e.port("port", port)
	e.w.end()
}

// os writes an os object; type_id is read from the name (0 when unknown).
func (e *ocsfEvent) os(name, version []byte) {
	if len(name) == 0 {
		return
	}
	e.w.obj("os")
	e.w.str("name", name)
	e.w.opt("version", version)
	t := osTypeOf(name)
	e.w.int("type_id", int64(t.id))
	e.w.strS("type", t.name)
	e.w.end()
}

// osField writes slot s, an OS name such as "Windows 10", as an os object.
func (e *ocsfEvent) osField(s slot) {
	if v := e.fs.text(s); v != nil {
		e.os(v, nil)
		e.fs.use(s)
	}
}

// fileOpen opens a file object named by slot s, a regular file (the
// vendors log files, not folders); the caller adds to it and ends it.
func (e *ocsfEvent) fileOpen(name slot) {
	e.w.obj("file")
	e.str("name", name)
	e.w.int("type_id", 1)
	e.w.strS("type", "Regular File")
}

// url writes the url object of a URL, whole and in parts.
func (e *ocsfEvent) url(full []byte, categories slot, sep byte) {
	p := splitURL(full)
	w := &e.w
	w.obj("url")
	w.opt("url_string", full)
	w.opt("scheme", p.scheme)
	w.opt("hostname", p.host)
	if n, ok := parseInt(p.port); ok && n >= 0 && n <= 65535 {
		w.int("port", n)
	}
	w.opt("path", p.path)
	w.opt("query_string", p.query)
	e.list("categories", categories, sep)
	w.end()
}

// urlField writes slot s, a whole URL, as a url object. Without a URL the
// categories stay unmapped: a url needs url_string or path.
func (e *ocsfEvent) urlField(s, categories slot, sep byte) {
	if v := e.fs.text(s); v != nil {
		e.url(v, categories, sep)
		e.fs.use(s)
	}
}

// ocsfOutcomes are the action_id and disposition_id of each verdict, as
// the security_control profile pairs them.
var ocsfOutcomes = [...]struct{ action, disposition int }{
	verdictAllowed:     {1, 1},
	verdictContinued:   {1, 8},  // Approved: the user accepted the warning
	verdictAlerted:     {3, 19}, // Observed / Alert: notified, not blocked
	verdictEncrypted:   {4, 99}, // Modified / the vendor's word
	verdictIsolated:    {2, 4},
	verdictBlocked:     {2, 2},
	verdictQuarantined: {2, 3},
}

var actionNames = map[int]string{1: "Allowed", 2: "Denied", 3: "Observed", 4: "Modified"}

var dispositionNames = map[int]string{1: "Allowed", 2: "Blocked", 3: "Quarantined", 4: "Isolated", 8: "Approved", 19: "Alert"}

// outcome writes action and disposition for the outcome parsed from slot s.
// A word we do not know becomes Other (99) with the vendor's text.
func (e *ocsfEvent) outcome(o outcome, s slot) {
	text := e.fs.text(s)
	if o.verdict == verdictNone {
		if text != nil {
			e.w.int("action_id", 99)
			e.str("action", s)
			e.w.int("disposition_id", 99)
			e.str("disposition", s)
		}
		return
	}
	ids := ocsfOutcomes[o.verdict]
	e.w.int("action_id", int64(ids.action))
	e.w.strS("action", actionNames[ids.action])
	e.w.int("disposition_id", int64(ids.disposition))
	t := bytesTrim(text)
	if ids.disposition == 99 {
		e.w.str("disposition", o.word)
	} else {
		e.w.strS("disposition", dispositionNames[ids.disposition])
	}
	if len(t) == len(text) && (string(t) == actionNames[ids.action] || string(t) == dispositionNames[ids.disposition] ||
		ids.disposition == 99 && bytes.Equal(t, o.word)) {
		e.fs.use(s)
	}
}

// traffic writes bytes in (to the user) and out (from the user).
func (e *ocsfEvent) traffic(in, out slot) {
	e.w.obj("traffic")
	e.num("bytes_in", in)
	e.num("bytes_out", out)
	e.w.end()
}

// httpResponse writes http_response, which needs a status code.
func (e *ocsfEvent) httpResponse(code, contentType slot) {
	if _, ok := parseInt(e.fs.text(code)); !ok {
		return
	}
	e.w.obj("http_response")
	e.num("code", code)
	e.str("content_type", contentType)
	e.w.end()
}

// policy writes policy.uid.
func (e *ocsfEvent) policy(k string, uid slot) {
	e.w.obj(k)
	e.str("uid", uid)
	e.w.end()
}

// malware writes a malware list with one named entry of unknown
// classification (the vendors name the threat, not its kind).
func (e *ocsfEvent) malware(name slot) {
	if e.fs.text(name) == nil {
		return
	}
	w := &e.w
	w.arr("malware")
	w.elem()
	e.str("name", name)
	w.arr("classification_ids")
	w.elemInt(0)
	w.end()
	w.end()
	w.end()
}

// httpMethods are HTTP Activity's activity ids by request method.
var httpMethods = map[string]activity{
	"CONNECT": {1, "Connect"}, "DELETE": {2, "Delete"}, "GET": {3, "Get"}, "HEAD": {4, "Head"},
	"OPTIONS": {5, "Options"}, "POST": {6, "Post"}, "PUT": {7, "Put"}, "TRACE": {8, "Trace"},
	"PATCH": {9, "Patch"},
}

// httpMethod writes http_method, an enum of the methods HTTP Activity
// knows; another method is named by activity_name.
func (e *ocsfEvent) httpMethod(s slot) {
	if _, ok := httpMethods[string(e.fs.text(s))]; ok {
		e.str("http_method", s)
	}
}

// httpActivity is the HTTP Activity activity of the request method in s.
func (e *ocsfEvent) httpActivity(s slot) activity {
	if a, ok := httpMethods[string(e.fs.text(s))]; ok {
		return a
	}
	return e.otherActivity(s)
}
