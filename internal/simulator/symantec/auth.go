package symantec

import (
	"crypto/subtle"
	"net/http"
)

// role is the access role an API credential is scoped to.
type role int

const (
	roleAccess    role = iota // "Reporting Access Logs": /reportpod/*
	roleAudit                 // "Audit Logs": /api/rest/audit*
	roleLocations             // our guess at a location-management role
)

var roleNames = [...]string{"Reporting Access Logs", "Audit Logs", "Location Management"}

// authKind names how a request tried to authenticate, for the request log.
func authKind(r *http.Request) string {
	if r.Header.Get("X-APIUsername") != "" || r.Header.Get("X-APIPassword") != "" {
		return "x-api"
	}
	if _, _, ok := r.BasicAuth(); ok {
		return "basic"
	}
	return "none"
}

// holds reports whether user/pass is the credential configured for ro.
func (s *Server) holds(ro role, user, pass string) bool {
	var u, p string
	switch ro {
	case roleAccess:
		u, p = s.cfg.AccessUser, s.cfg.AccessPassword
	case roleAudit:
		u, p = s.cfg.AuditUser, s.cfg.AuditPassword
	case roleLocations:
		u, p = s.cfg.LocationsUser, s.cfg.LocationsPassword
	}
	return u != "" && equal(user, u) && equal(pass, p)
}

// check returns 0 if the credential carries want, 403 if it is a valid
// credential of another role (SWIMLANE: wrong role => 403), else 401.
func (s *Server) check(want role, user, pass string, ok bool) (int, string) {
	if !ok {
		return http.StatusUnauthorized, "Invalid credentials"
	}
	if s.holds(want, user, pass) {
		return 0, ""
	}
	for ro := range roleNames {
		if s.holds(role(ro), user, pass) {
			return http.StatusForbidden, "Invalid credentials: user does not have the " + roleNames[want] + " role"
		}
	}
	return http.StatusUnauthorized, "Invalid credentials"
}

// checkXAPI authenticates /reportpod: X-APIUsername/X-APIPassword only.
func (s *Server) checkXAPI(r *http.Request) (int, string) {
	u, p := r.Header.Get("X-APIUsername"), r.Header.Get("X-APIPassword")
	return s.check(roleAccess, u, p, u != "")
}

// checkBasic authenticates /api/rest: HTTP Basic only.
func (s *Server) checkBasic(r *http.Request, want role) (int, string) {
	u, p, ok := r.BasicAuth()
	return s.check(want, u, p, ok)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
