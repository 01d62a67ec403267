package forcepoint

import (
	"net/http"
	"net/url"

	"github.com/gatelog/gatelog/internal/simulator/latency"
)

// ServeHTTP answers one log export request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query() // parameters always come in the query string, also for POST
	rec := Request{
		Time: s.cfg.Now(), Method: r.Method, Type: q.Get("type"), StartDate: q.Get("startdate"),
		Token: q.Get("nextpagetoken"), Auth: authKind(r.Header.Get("Authorization")),
	}
	if latency.Wait(r, s.cfg.Latency) {
		rec.Status = s.handle(w, r, q)
	} // else the client went away; Status 0 records that nothing was sent
	s.logRequest(rec)
}

// handle runs the checks in the order the API applies them and returns the
// status written: path and method, authentication, budget, parameters.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, q url.Values) int {
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
	now := s.cfg.Now()
	typ := q.Get("type")
	qt := s.budget.take(ident, typ, now)
	s.setQuotaHeaders(w.Header(), qt)
	if qt.over {
		return s.writeOverLimit(w, qt, typ, now)
	}
	p, msg := s.parse(q)
	if msg != "" {
		return writeStatus(w, http.StatusBadRequest, msg)
	}
	pg := s.page(p, now)
	if p.format == "csv" {
		return writeCSV(w, p.st, pg)
	}
	return writeJSONPage(w, p.st, pg)
}

var _ http.Handler = (*Server)(nil)
