package forcepoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"strings"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/state"
)

// newAPIRequest builds a logs API request. Every working collector sends the
// parameters in the query string, also when the method is POST.
func newAPIRequest(ctx context.Context, cfg *Config, params map[string]string) (*http.Request, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + cfg.Path)
	if err != nil {
		return nil, errclass.Permanentf("base_url and path do not form a URL: %v", err)
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, cfg.Method, u.String(), nil)
	if err != nil {
		return nil, errclass.Permanentf("build request: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if a := cfg.Auth; a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token.Value())
	} else {
		req.SetBasicAuth(a.Username, a.Password.Value())
	}
	return req, nil
}

// errBadToken: the server rejected a saved nextpagetoken. The stream falls
// back to its time anchor instead of stopping.
var errBadToken = errors.New("the server rejected the saved nextpagetoken")

// unexplained429 is how long a 429 that names no time (no Retry-After, no
// X-RateLimit-*, not the daily-limit message) keeps a log type waiting.
const unexplained429 = 5 * time.Minute

// refused turns a non-200 answer into a classified error whose text says
// what to fix, and records a 429 in the ledger.
func (s *stream) refused(budget state.Budget, resp *http.Response) error {
	msg := httpx.ServerMessage(resp.Body)
	code := resp.StatusCode
	now := s.cfg.Now()
	v := httpx.Classify(code, resp.Header, now, now.Add(unexplained429))
	if reset, daily := dailyLimit(msg, v.Limit.Reset, now); code == http.StatusTooManyRequests && daily {
		v.Reason, v.Until = errclass.ReasonDaily, reset
		if ra, ok := httpx.RetryAfter(resp.Header, now); ok && ra.After(reset) {
			v.Until = ra
		}
	}
	text := fmt.Sprintf("%d %s", code, msg)
	switch {
	case code == http.StatusTooManyRequests:
		if err := s.ledger.throttled(budget, v, msg); err != nil {
			return err
		}
	case code == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "next page token"):
		return errclass.WithReason(fmt.Errorf("%s: %w", text, errBadToken), errclass.ReasonGone)
	case v.Class == httpx.Permanent && isConfigError(code):
		return v.Err(fmt.Errorf("%s: %s", text, s.hint(code, msg)))
	case v.Class == httpx.Permanent:
		return v.Err(fmt.Errorf("%s: unexpected answer from the logs API", text))
	}
	return v.Err(errors.New(text))
}

func isConfigError(code int) bool {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		return true
	}
	return false
}

// dailyLimit recognises the documented daily-limit answer, "You have
// exceeded your allowance of 300 requests per day for access logs. Limit
// will reset at 2026-11-22 00:00:00+00:00", and says when it resets: at
// X-RateLimit-Reset when the server sent one, else at the time the message
// names, else at the next UTC midnight.
func dailyLimit(msg string, headerReset, now time.Time) (time.Time, bool) {
	if !strings.Contains(strings.ToLower(msg), "exceeded your allowance") {
		return time.Time{}, false
	}
	if !headerReset.IsZero() {
		return headerReset, true
	}
	if _, at, ok := strings.Cut(msg, "reset at "); ok {
		if t, ok := httpx.ParseReset(strings.TrimSuffix(strings.TrimSpace(at), "."), now); ok {
			return t, true
		}
	}
	return httpx.NextUTCMidnight(now), true
}

// hint says what the user should change for a permanent failure.
func (s *stream) hint(code int, msg string) string {
	lower := strings.ToLower(msg)
	switch {
	case code == http.StatusUnauthorized && strings.Contains(lower, "basic auth"):
		return "this server wants HTTP Basic: set auth.username and auth.password instead of auth.token"
	case code == http.StatusUnauthorized && strings.Contains(lower, "required"):
		return "no credentials reached the server: set auth.token, or auth.username and auth.password"
	case code == http.StatusUnauthorized && s.cfg.Auth.Token != "":
		return "check the token in auth.token (a Forcepoint OAuth token with the Log API permission)"
	case code == http.StatusUnauthorized:
		return "check auth.username and auth.password"
	case code == http.StatusForbidden:
		return "the API user must be a sysadmin and the API live setting must be enabled for the company"
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return "check base_url, path and method of this source"
	case strings.Contains(lower, "invalid type"):
		return fmt.Sprintf("this server does not know log type %q: remove it from log_types", s.logType)
	case strings.Contains(lower, "cv"):
		return fmt.Sprintf("the server rejects collector version %s for %s: set cv", s.cv, s.logType)
	}
	return "the server rejected gatelog's request; please report this with the message above"
}
