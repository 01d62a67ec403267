package splunkhec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
)

// reply is HEC's answer to an event or ack request.
type reply struct {
	Text    string `json:"text"`
	Code    *int   `json:"code"`
	AckID   *int64 `json:"ackId"`
	Invalid *int   `json:"invalid-event-number"`
	// Acks maps ackId (as a string) to indexed, in an ack query's answer.
	Acks map[string]bool `json:"acks"`
}

// HEC status codes (Splunk's "Troubleshoot HTTP Event Collector" table).
const (
	codeSuccess       = 0
	codeTokenDisabled = 1
	codeTokenRequired = 2
	codeInvalidAuth   = 3
	codeInvalidToken  = 4
	codeInvalidFormat = 6
	codeBadIndex      = 7
	codeServerBusy    = 9
	codeNoChannel     = 10
	codeBadChannel    = 11
	codeAckDisabled   = 14
)

const maxReply = 64 << 10 // HEC replies are tiny; more is not HEC

// readReply reads and decodes a reply; ok is false when the body is not
// one (a proxy's error page, a truncated body).
func readReply(body io.Reader) (r reply, ok bool) {
	b, err := io.ReadAll(io.LimitReader(body, maxReply))
	if err != nil {
		return r, false
	}
	return r, json.Unmarshal(b, &r) == nil
}

func (r reply) code() int {
	if r.Code == nil {
		return -1
	}
	return *r.Code
}

// statusError classifies a failed request by Splunk's documented codes.
// now is when the answer came, for Retry-After.
func (s *Sink) statusError(resp *http.Response, r reply, ok bool, now time.Time) error {
	text := s.describe(resp.StatusCode, r, ok)
	status, code := resp.StatusCode, r.code()
	v := httpx.Classify(status, resp.Header, now, time.Time{})
	switch {
	case v.Class != httpx.Permanent || code == codeServerBusy:
		return retryable(errors.New(text), v)
	case code >= codeTokenDisabled && code <= codeInvalidToken,
		status == http.StatusUnauthorized, status == http.StatusForbidden:
		return errclass.Permanentf("%s: Splunk rejected the HEC token: check token (and that the token is enabled)", text)
	default:
		return errclass.Permanentf("%s%s", text, s.hint(status, code, r))
	}
}

// retryable honours Retry-After: with it the pipeline waits exactly that
// long; without it the pipeline's own backoff applies.
func retryable(err error, v httpx.Verdict) error {
	if v.Until.IsZero() {
		return errclass.WithReason(err, v.Reason)
	}
	return errclass.Throttled(errclass.WithReason(err, v.Reason), v.Until)
}

// describe renders an answer as `503 Server is busy (code 9)`. Server text
// is scrubbed of the token, in case a proxy echoes the request.
func (s *Sink) describe(status int, r reply, ok bool) string {
	if !ok {
		return fmt.Sprintf("%d %s (not a HEC reply)", status, http.StatusText(status))
	}
	text := strings.ReplaceAll(r.Text, s.cfg.Token.Value(), "[REDACTED]")
	return fmt.Sprintf("%d %s (code %d)", status, text, r.code())
}

// hint says what to change for a permanent failure.
func (s *Sink) hint(status, code int, r reply) string {
	switch {
	case code == codeInvalidFormat && r.Invalid != nil:
		return fmt.Sprintf(": Splunk rejected event %d of the request (those before it were accepted)", *r.Invalid)
	case code == codeBadIndex:
		return fmt.Sprintf(": the token may not write to index %q: check index, or the token's allowed indexes", s.cfg.Index)
	case code == codeNoChannel || code == codeBadChannel:
		return ": the token has indexer acknowledgement on: set ack: true (and channel to a GUID, or leave it unset)"
	case code == codeAckDisabled:
		return ": the token has indexer acknowledgement off: set ack: false, or enable it on the token"
	case status == http.StatusNotFound:
		return ": no HEC endpoint at this url (expected https://host:8088)"
	case status == http.StatusRequestEntityTooLarge:
		return ": lower batch_bytes below the HEC max_content_length"
	}
	return ": unexpected answer from HEC"
}
