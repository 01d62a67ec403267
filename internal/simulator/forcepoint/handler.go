package forcepoint

import (
	"net/http"
	"net/url"

	"github.com/gatelog/gatelog/internal/simulator/fault"
	"github.com/gatelog/gatelog/internal/simulator/latency"
)

// ServeHTTP answers one log export request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query() // parameters always come in the query string, also for POST
	rec := Request{
		Time: s.cfg.Now(), Method: r.Method, Type: q.Get("type"), StartDate: q.Get("startdate"),
		Token: q.Get("nextpagetoken"), Auth: authKind(r.Header.Get("Authorization")),
	}
	lw := &logWriter{ResponseWriter: w, s: s, rec: &rec}
	if latency.Wait(r, s.cfg.Latency) {
		s.handle(lw, r, q, &rec)
	}
	if !lw.logged { // the client went away: Status 0 records that nothing was sent
		s.logRequest(rec)
	}
}

// logWriter logs the request when its status is written, before any of
// the body leaves, so a client holding its answer finds it in Requests().
type logWriter struct {
	http.ResponseWriter
	s      *Server
	rec    *Request
	logged bool
}

func (lw *logWriter) WriteHeader(code int) {
	if !lw.logged {
		lw.logged = true
		lw.rec.Status = code
		lw.s.logRequest(*lw.rec)
	}
	lw.ResponseWriter.WriteHeader(code)
}

func (lw *logWriter) Write(b []byte) (int, error) {
	if !lw.logged {
		lw.WriteHeader(http.StatusOK)
	}
	return lw.ResponseWriter.Write(b) // an error only says the client went away
}

// handle runs the checks in the order the API applies them (path and
// method, authentication, then serve) and returns the status written.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, q url.Values, rec *Request) int {
	if !isLogsPath(r.URL.Path) {
		return writeStatus(w, http.StatusNotFound, "Not found")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		return writeStatus(w, http.StatusMethodNotAllowed, "Method not allowed")
	}
	ident, code, msg := s.authenticate(r.Header.Get("Authorization"))
	if code != 0 {
		return writeStatus(w, code, msg)
	}
	return s.serve(w, r, q, ident, rec)
}

// serve answers an authenticated request. It is charged to the budget
// before anything else, so every answer from here on, errors and 429s
// included, carries the X-RateLimit-* headers.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, q url.Values, ident string, rec *Request) int {
	now := s.cfg.Now()
	typ := q.Get("type")
	qt := s.budget.take(ident, typ, now)
	s.setQuotaHeaders(w.Header(), qt)
	if qt.over {
		return s.writeOverLimit(w, qt, typ)
	}
	if throttled(r, qt) {
		rec.Throttled = true
		return writeThrottled(w, r)
	}
	p, msg := s.parse(q)
	if msg != "" {
		return writeStatus(w, http.StatusBadRequest, msg)
	}
	pg := s.page(p, now)
	if rec.Records = pg.to - pg.from; rec.Records > 0 {
		rec.Oldest = p.st.exactTime(pg.from).UTC()
	}
	v := s.viewFor(p.st, p.cv)
	if p.format == "csv" {
		return writeCSV(w, p.st, pg, v)
	}
	return writeJSONPage(w, p.st, pg, v)
}

// throttled takes a short 429 the fault injector offers. It is declined
// while the budget is spent (the daily 429 answers then) and on the last
// request of the budget, so that a short 429 never shows
// X-RateLimit-Remaining: 0, the mark of the daily limit.
func throttled(r *http.Request, q quota) bool {
	if q.limit > 0 && q.remaining == 0 {
		return false
	}
	return fault.Take(r, fault.Throttle429)
}

var _ http.Handler = (*Server)(nil)
