package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
)

// errTooLarge: the cluster refused the request body as too large (413).
var errTooLarge = errors.New("413 request too large")

// bulkReply is a _bulk answer, as filtered by bulkPath. Items come in the
// order of the request's actions.
type bulkReply struct {
	Errors bool       `json:"errors"`
	Items  []bulkItem `json:"items"`
}

type bulkItem struct {
	Create itemResult `json:"create"` // the sink sends only create actions
}

type itemResult struct {
	Status int        `json:"status"`
	Error  *errorBody `json:"error"`
}

// errorBody is Elasticsearch's error object, of an item or of a request.
type errorBody struct {
	Type     string     `json:"type"`
	Reason   string     `json:"reason"`
	CausedBy *errorBody `json:"caused_by"`
}

func (e *errorBody) String() string {
	if e == nil {
		return "no error details"
	}
	s := e.Type + ": " + e.Reason
	if e.CausedBy != nil {
		s += " (caused by " + e.CausedBy.Type + ": " + e.CausedBy.Reason + ")"
	}
	return s
}

// bulk sends one request of n documents and returns its items, one per
// document, or nil when every document was created.
func (s *Sink) bulk(ctx context.Context, body []byte, n int) ([]bulkItem, error) {
	a, err := s.post(ctx, body)
	switch {
	case err != nil:
		return nil, err
	case a.status == http.StatusRequestEntityTooLarge:
		return nil, errTooLarge
	case a.status != http.StatusOK:
		return nil, s.statusError(a)
	case allCreated(a.body, n):
		return nil, nil
	}
	var r bulkReply
	if err := json.Unmarshal(a.body, &r); err != nil || r.Items == nil {
		// A 200 that is not a bulk answer is a proxy or a wrong URL:
		// taking it for success would lose the batch.
		return nil, errclass.Permanentf("200 but not a _bulk answer (%s): check url", s.redact(snippet(a.body)))
	}
	return r.Items, nil
}

// allCreated reports whether b is exactly the filtered answer for n
// documents all created. That is the common answer, and this scan reads it
// several times faster than encoding/json; anything else is decoded.
func allCreated(b []byte, n int) bool {
	const head, item, tail = `{"errors":false,"items":[`, `{"create":{"status":201}}`, `]}`
	b = bytes.TrimSpace(b)
	if !bytes.HasPrefix(b, []byte(head)) {
		return false
	}
	b = b[len(head):]
	for i := range n {
		if i > 0 {
			if len(b) == 0 || b[0] != ',' {
				return false
			}
			b = b[1:]
		}
		if !bytes.HasPrefix(b, []byte(item)) {
			return false
		}
		b = b[len(item):]
	}
	return string(b) == tail
}

// settle sorts each document's result: stored, already there (409: an
// earlier delivery created it), to retry (429, 5xx) or rejected (400).
// Any other refusal is about the target or the credentials, not the
// document, so it fails the batch.
func (s *Sink) settle(recs []record.Record, items []bulkItem) (retry []record.Record, why string, err error) {
	if len(items) != len(recs) {
		return nil, "", fmt.Errorf("the _bulk answer has %d items for %d documents", len(items), len(recs))
	}
	for i := range items {
		res := &items[i].Create
		switch st := res.Status; {
		case st >= 200 && st < 300, st == http.StatusConflict:
		case st == http.StatusTooManyRequests, st >= 500:
			retry = append(retry, recs[i])
			why = fmt.Sprintf("%d %s", st, s.redact(res.Error.String()))
		case st == http.StatusBadRequest && !isTargetError(res.Error):
			if err := s.reject(&recs[i], fmt.Sprintf("%d %s", st, s.redact(res.Error.String()))); err != nil {
				return nil, "", err
			}
		default:
			return nil, "", errclass.Permanentf("document of record %q: %d %s%s", recs[i].ID, st,
				s.redact(res.Error.String()), hint(st))
		}
	}
	return retry, why, nil
}

// isTargetError tells a 400 about the index name, which every document of
// the stream shares, from one about the document.
func isTargetError(e *errorBody) bool {
	return e != nil && (e.Type == "invalid_index_name_exception" || e.Type == "index_closed_exception")
}

// statusError classifies a whole request's failure.
func (s *Sink) statusError(a answer) error {
	var r struct {
		Error *errorBody `json:"error"`
	}
	detail := snippet(a.body)
	if json.Unmarshal(a.body, &r) == nil && r.Error != nil {
		detail = r.Error.String()
	}
	err := fmt.Errorf("%d %s", a.status, s.redact(detail))
	now := s.now()
	v := httpx.Classify(a.status, a.header, now, time.Time{})
	switch {
	case v.Class == httpx.Throttled && v.Until.IsZero():
		return errclass.WithReason(err, v.Reason) // a 429 naming no time: the pipeline's backoff
	case v.Class != httpx.Permanent:
		return v.Err(err)
	case a.status == http.StatusUnauthorized:
		return v.Err(fmt.Errorf("%v: the cluster rejected the credentials: check %s", err, s.credentialName()))
	}
	return v.Err(fmt.Errorf("%v%s", err, hint(a.status)))
}

// credentialName names the setting to check, never its value.
func (s *Sink) credentialName() string {
	switch {
	case s.cfg.APIKey != "":
		return "api_key"
	case s.cfg.Username != "":
		return "username and password"
	}
	return "the credentials: none are configured (set api_key, or username and password)"
}

// hint says what to change for a permanent failure.
func hint(status int) string {
	switch status {
	case http.StatusForbidden:
		return ": the credentials lack a privilege: create_doc on the target (and auto_configure to create it)"
	case http.StatusNotFound:
		return ": the target or the _bulk endpoint does not exist: check url, and that automatic index creation or an index template allows the target"
	}
	return ": unexpected answer from the cluster"
}

// redact removes credentials from server text, in case a proxy echoes
// the request.
func (s *Sink) redact(text string) string {
	for _, secret := range []string{s.cfg.APIKey.Value(), s.cfg.Password.Value()} {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[REDACTED]")
		}
	}
	return text
}

// snippet is the start of a body that is not what was expected.
func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		return fmt.Sprintf("%q...", b[:max])
	}
	return fmt.Sprintf("%q", b)
}
