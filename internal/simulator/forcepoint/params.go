package forcepoint

import (
	"net/url"
	"time"
)

// query is a validated request.
type query struct {
	st      *stream
	format  string    // "json" or "csv"
	cv      version   // selects the fields served
	start   time.Time // set when the request pages by startdate
	byToken bool
	token   string // the nextpagetoken sent
	cur     cursor // where that token points
}

// parse validates the parameters. The messages are the vendor's; "cv is
// required" and "Invalid cv ..." are ours, the docs only say cv is required.
// The order of the checks is our choice.
func (s *Server) parse(q url.Values) (query, string) {
	var p query
	p.format = q.Get("responseformat")
	if p.format == "" {
		p.format = "csv" // the documented default
	}
	if p.format != "csv" && p.format != "json" {
		return p, "Invalid responseformat: " + p.format + ". Supported values: csv, json"
	}
	start, tok := q.Get("startdate"), q.Get("nextpagetoken")
	if msg := checkPresence(start, tok); msg != "" {
		return p, msg
	}
	typ := q.Get("type")
	if p.st = s.streams[typ]; p.st == nil {
		return p, "Invalid type: " + typ + ". Supported types are: cloudsummary, cloudaudit, and access"
	}
	var msg string
	if p.cv, msg = checkCV(q, p.st); msg != "" {
		return p, msg
	}
	if tok != "" {
		return s.withToken(p, tok)
	}
	return withStart(p, start)
}

func checkPresence(start, tok string) string {
	switch {
	case start == "" && tok == "":
		return "Start date and nextpagetoken is missing"
	case start != "" && tok != "":
		return "Provide either the start date or nextpagetoken"
	}
	return ""
}

// checkCV enforces the per-type minimum collector version that the vendor's
// collector applies (swgweb* >= 1.1.0, health* >= 1.1.5; ztna >= 1.1.5 is
// our guess). The real API's answer to a low cv is undocumented.
func checkCV(q url.Values, st *stream) (version, string) {
	raw := q.Get("cv")
	if raw == "" {
		return version{}, "cv is required"
	}
	v, ok := parseVersion(raw)
	if !ok || v.less(st.minCV) {
		return v, "Invalid cv " + raw + " for type " + st.typ
	}
	return v, ""
}

// withStart parses startdate strictly: Go would accept fractional seconds
// the vendor's strptime rejects, so the length is checked too.
func withStart(p query, raw string) (query, string) {
	t, err := time.Parse(layoutStartDate, raw)
	if err != nil || len(raw) != len(layoutStartDate) {
		return p, "Invalid start date format " + raw + " Expected format: %Y-%m-%dT%H:%M:%SZ"
	}
	p.start = t
	return p, ""
}

// withToken resolves a token this server issued. The end token "{}" is
// never one: the vendor's collector calls it "technically an invalid
// token", so sending it back is the vendor's 400.
func (s *Server) withToken(p query, tok string) (query, string) {
	c, ok := s.tokens.lookup(p.st.typ, tok)
	if !ok || tok == endToken {
		return p, "Invalid next page token"
	}
	p.byToken, p.token, p.cur = true, tok, c
	return p, ""
}
