package forcepoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"strings"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
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
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	} else {
		req.SetBasicAuth(cfg.Username, cfg.Password)
	}
	return req, nil
}

// errBadToken: the server rejected a saved nextpagetoken. The stream falls
// back to its time anchor instead of stopping.
var errBadToken = errors.New("the server rejected the saved nextpagetoken")

// statusError turns a non-200 answer into a classified error whose text
// says what to fix. It reads at most 4 KiB of the body.
func (s *stream) statusError(resp *http.Response) error {
	msg := serverMessage(resp.Body)
	code := resp.StatusCode
	text := fmt.Sprintf("%d %s", code, msg)
	switch {
	case code == http.StatusTooManyRequests:
		until, _ := httpx.RetryAfter(resp.Header, s.cfg.Now())
		if b, err := s.ledger.store.Budget(s.id); err == nil && b.BlockedUntil.After(until) {
			until = b.BlockedUntil
		}
		return errclass.Throttled(errors.New(text), until)
	case code == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "next page token"):
		return fmt.Errorf("%s: %w", text, errBadToken)
	case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusBadRequest ||
		code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return errclass.Permanentf("%s: %s", text, s.hint(code, msg))
	case code >= 500 || code == http.StatusRequestTimeout:
		return errors.New(text)
	default:
		return errclass.Permanentf("%s: unexpected answer from the logs API", text)
	}
}

// hint says what the user should change for a permanent failure.
func (s *stream) hint(code int, msg string) string {
	lower := strings.ToLower(msg)
	switch {
	case code == http.StatusUnauthorized && strings.Contains(lower, "basic auth"):
		return "this server wants HTTP Basic: set auth.username and auth.password instead of auth.token"
	case code == http.StatusUnauthorized && strings.Contains(lower, "required"):
		return "no credentials reached the server: set auth.token, or auth.username and auth.password"
	case code == http.StatusUnauthorized && s.cfg.Token != "":
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
		return fmt.Sprintf("the server rejects collector version %s for %s: set cv", s.cfg.CV(s.logType), s.logType)
	}
	return "the server rejected gatelog's request; please report this with the message above"
}

// serverMessage extracts the vendor's message: the JSON "status" field when
// the body has one, else the first line of text.
func serverMessage(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 4096))
	var v struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &v) == nil {
		if v.Status != "" {
			return v.Status
		}
		if v.Message != "" {
			return v.Message
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	if line == "" {
		return http.StatusText(0)
	}
	return line
}
