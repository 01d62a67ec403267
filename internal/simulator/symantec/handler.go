package symantec

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
	"github.com/gatelog/gatelog/internal/simulator/latency"
)

// Paths served.
const (
	pathSync      = "/reportpod/logs/sync"
	pathList      = "/reportpod/logs/list"
	pathDownload  = "/reportpod/logs/download"
	pathAudit     = "/api/rest/audit/download"
	pathLocations = "/api/rest/locations"
)

// ServeHTTP answers one request and records it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rec := Request{Time: s.cfg.Now(), Path: r.URL.Path, Query: q, Auth: authKind(r)}
	if latency.Wait(r, s.cfg.Latency) {
		rec.Status, rec.SyncStatus = s.route(w, r, q)
	} // else the client went away; Status 0 records that nothing was sent
	s.logRequest(rec)
}

// route dispatches on the path (a trailing slash is tolerated) and
// returns the status written and, for sync answers, the X-sync-status.
func (s *Server) route(w http.ResponseWriter, r *http.Request, q url.Values) (int, string) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch p {
	case pathSync, pathList, pathDownload:
		if r.Method != http.MethodGet {
			return methodNotAllowed(w, writeText), ""
		}
		return s.servePod(w, r, q, p)
	case pathAudit, pathLocations:
		if r.Method != http.MethodGet {
			return methodNotAllowed(w, writeJSONError), ""
		}
		return s.serveRest(w, r, q, p), ""
	}
	return writeJSONError(w, http.StatusNotFound, "Not found: "+r.URL.Path), ""
}

// methodNotAllowed: the tool is read-only and the simulator only knows GET.
func methodNotAllowed(w http.ResponseWriter, write func(http.ResponseWriter, int, string) int) int {
	w.Header().Set("Allow", "GET")
	return write(w, http.StatusMethodNotAllowed, "Method not allowed")
}

// throttleMsg is the 429 text: KB232689's title, then the PDF's reason.
const throttleMsg = "Server failed to fulfill the request: unwilling to service the client until a reasonable time has elapsed"

// servePod runs the /reportpod checks in order: credentials, the 423
// block, the 429 throttle, then the endpoint itself. An injected fault
// takes the place of the check of its kind, so it is counted only when
// the request gets that far.
func (s *Server) servePod(w http.ResponseWriter, r *http.Request, q url.Values, p string) (int, string) {
	if code, msg := s.checkXAPI(r); code != 0 {
		return writeText(w, code, msg), ""
	}
	now := s.cfg.Now()
	if s.blocked() || fault.Take(r, fault.Locked423) {
		return writeText(w, http.StatusLocked, "API access is blocked"), ""
	}
	if wait, ok := s.podThrottle(r, now); ok {
		w.Header().Set("Retry-After", fault.RetryAfterSeconds(wait))
		return writeText(w, http.StatusTooManyRequests, throttleMsg), ""
	}
	switch p {
	case pathSync:
		return s.serveSync(w, r, q, now)
	case pathList:
		return s.serveList(w, q, now), ""
	}
	return s.serveDownload(w, q, now), ""
}

// serveRest authenticates with Basic for the role the path needs.
func (s *Server) serveRest(w http.ResponseWriter, r *http.Request, q url.Values, p string) int {
	want := roleAudit
	if p == pathLocations {
		want = roleLocations
	}
	if code, msg := s.checkBasic(r, want); code != 0 {
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="portal.threatpulse.com"`)
		}
		return writeJSONError(w, code, msg)
	}
	if wait, ok := injected429(r); ok {
		w.Header().Set("Retry-After", fault.RetryAfterSeconds(wait))
		return writeJSONError(w, http.StatusTooManyRequests, throttleMsg)
	}
	if p == pathLocations {
		return s.serveLocations(w)
	}
	return s.serveAudit(w, q)
}

// blocked counts an authenticated /reportpod request and reports whether
// it is the BlockEvery-th.
func (s *Server) blocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.podCount++
	return s.cfg.BlockEvery > 0 && s.podCount%s.cfg.BlockEvery == 0
}

// podThrottle reports whether a /reportpod request gets a 429 and its
// Retry-After: an injected one first, since it must not count as served,
// then the per-customer interval.
func (s *Server) podThrottle(r *http.Request, now time.Time) (time.Duration, bool) {
	if wait, ok := injected429(r); ok {
		return wait, true
	}
	wait := s.throttle(now)
	return wait, wait > 0
}

// injected429 produces a Throttle429 fault offered by the injector, with
// the injector's Retry-After.
func injected429(r *http.Request) (time.Duration, bool) {
	if !fault.Take(r, fault.Throttle429) {
		return 0, false
	}
	return fault.From(r).RetryAfter(), true
}

// throttle returns how long the customer must still wait, or 0 and then
// counts now as the last served request. Refused requests do not restart
// the interval, so waiting Retry-After (measured from the last served
// request, rounded up) and then keeping the interval is always enough.
func (s *Server) throttle(now time.Time) time.Duration {
	if s.cfg.MinInterval <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lastPod.IsZero() {
		if wait := s.lastPod.Add(s.cfg.MinInterval).Sub(now); wait > 0 {
			return wait
		}
	}
	s.lastPod = now
	return 0
}

var _ http.Handler = (*Server)(nil)
