package symantec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// StreamAudit is the admin audit stream's name.
const StreamAudit = "audit"

// AuditQuery selects audit events by whole UTC days (both inclusive) and
// optional filters.
type AuditQuery struct {
	From, To      time.Time
	ObjectType    string // e.g. PolicyRule, Report, User
	OperationType string // e.g. Delete, Execute, Login, Logout
}

func (c *Client) auditParams(q AuditQuery, format string) url.Values {
	p := c.cfg.Audits
	v := url.Values{
		p.StartDate: {q.From.UTC().Format(time.DateOnly)},
		p.EndDate:   {q.To.UTC().Format(time.DateOnly)},
		p.Format:    {format},
	}
	if q.ObjectType != "" {
		v.Set(p.ObjectType, q.ObjectType)
	}
	if q.OperationType != "" {
		v.Set(p.OperationType, q.OperationType)
	}
	return v
}

// AuditJSON streams the audit events as JSON objects, one call of fn per
// event with its bytes as received (compacted to one line).
func (c *Client) AuditJSON(ctx context.Context, q AuditQuery, fn func(json.RawMessage) error) error {
	resp, err := c.get(ctx, c.cfg.Paths.Audit, c.auditParams(q, "JSON"), c.auditRole())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return eachJSONObject(resp.Body, fn)
}

// AuditCSV streams the audit events as CSV: fn gets the header, then each
// row (slices are reused between calls).
func (c *Client) AuditCSV(ctx context.Context, q AuditQuery, fn func(header, row []string) error) error {
	resp, err := c.get(ctx, c.cfg.Paths.Audit, c.auditParams(q, "CSV"), c.auditRole())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return ReadAuditCSV(resp.Body, fn)
}

// eachJSONObject decodes a JSON array element by element (never the whole
// body at once). An array wrapped in an object ({"data": [...]}, as other
// Broadcom APIs answer) is accepted too.
func eachJSONObject(r io.Reader, fn func(json.RawMessage) error) error {
	dec := json.NewDecoder(r)
	if err := seekArray(dec); err != nil {
		return err
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("malformed audit response: %w", err)
		}
		if err := fn(oneLine(raw)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("malformed audit response: %w", err)
	}
	return nil
}

// seekArray moves dec into the first array of the body.
func seekArray(dec *json.Decoder) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("malformed audit response: no list of events: %w", err)
		}
		if d, ok := tok.(json.Delim); ok && d == '[' {
			return nil
		}
	}
}

func oneLine(raw json.RawMessage) json.RawMessage {
	if !bytes.ContainsAny(raw, "\n\r") {
		return raw
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// auditTime finds an event's time. No sample of the API's JSON is public,
// so try the likely keys.
func auditTime(raw json.RawMessage) (time.Time, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return time.Time{}, fmt.Errorf("audit event is not a JSON object: %w", err)
	}
	for _, k := range []string{"date", "time", "timestamp", "eventTime", "Date"} {
		if s, ok := m[k].(string); ok {
			if t, err := parseAuditTime(s); err == nil {
				return t, nil
			}
		}
		if n, ok := m[k].(float64); ok && n > 1e11 { // epoch milliseconds
			return time.UnixMilli(int64(n)).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("audit event has no date, time or timestamp that parses")
}

func parseAuditTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "01/02/2006 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}
