package forcepoint

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// authKind names the scheme a request used, for the request log.
func authKind(h string) string {
	scheme, _, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "bearer"):
		return "bearer"
	case strings.EqualFold(scheme, "basic"):
		return "basic"
	}
	return "none"
}

// authenticate checks the Authorization header. It returns the identity the
// budget is kept for, or a non-zero status with the vendor's message.
// Schemes are case-insensitive because an older vendor script sends "basic".
func (s *Server) authenticate(h string) (ident string, code int, msg string) {
	if h == "" {
		return "", http.StatusUnauthorized, "Authorization required"
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "bearer") && s.cfg.Token != "":
		return s.checkBearer(cred)
	case strings.EqualFold(scheme, "basic"):
		return s.checkBasic(cred)
	}
	// Our choice: with no token configured, a bearer header is treated like
	// any other non-basic scheme.
	return "", http.StatusUnauthorized, "Basic auth required"
}

func (s *Server) checkBearer(tok string) (string, int, string) {
	if !equal(tok, s.cfg.Token) {
		return "", http.StatusUnauthorized, "Invalid credentials"
	}
	return "bearer:" + tok, 0, ""
}

// checkBasic accepts the configured user. Users listed in Forbidden are
// other accounts of the tenant (sharing the configured password) that exist
// but are not sysadmins, so they get 403 rather than 401.
func (s *Server) checkBasic(cred string) (string, int, string) {
	raw, err := base64.StdEncoding.DecodeString(cred)
	user, pass, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok || s.cfg.Username == "" || !equal(pass, s.cfg.Password) {
		return "", http.StatusUnauthorized, "Invalid credentials"
	}
	if slices.Contains(s.cfg.Forbidden, user) {
		return "", http.StatusForbidden, "Unauthorized"
	}
	if !equal(user, s.cfg.Username) {
		return "", http.StatusUnauthorized, "Invalid credentials"
	}
	return "basic:" + user, 0, ""
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
