// Package record defines the envelope every source produces and every sink
// consumes: one vendor log event with its time, origin and a stable id.
package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// StreamID names one ordered log stream: a configured source and one of its
// log types ("acme-fp" / "admin"). Checkpoints, leases and sink positions are
// kept per StreamID.
type StreamID struct {
	Source string
	Stream string
}

func (s StreamID) String() string { return s.Source + "/" + s.Stream }

// Record is one vendor log event.
type Record struct {
	Time   time.Time       // event time, UTC
	Vendor string          // "forcepoint" | "symantec"
	Source string          // configured source name
	Tenant string          // the source's tenant, when configured
	Stream string          // log type
	ID     string          // stable dedup key
	Fields json.RawMessage // the vendor's fields exactly as received: one JSON object

	// Schema and Event are the record in a normalized schema ("ocsf",
	// "ecs"), set by the pipeline on the copy it hands a sink configured
	// with that schema: Event is one JSON object. Empty: the raw envelope.
	Schema string
	Event  json.RawMessage
}

// AppendJSON appends r as a sink writes it, one JSON object (no trailing
// newline): its Event when the record was normalized for the sink, else the
// envelope (AppendEnvelope).
func (r *Record) AppendJSON(b []byte) []byte {
	if r.Event != nil {
		return append(b, r.Event...)
	}
	return r.AppendEnvelope(b)
}

// AppendEnvelope appends r as one JSON object (no trailing newline) in the
// envelope order of the raw output schema: time, vendor, source, tenant
// (only when set), stream, id, fields. Fields is copied verbatim, so it
// must already be a valid JSON object.
func (r *Record) AppendEnvelope(b []byte) []byte {
	b = r.AppendEnvelopeHead(b)
	if len(r.Fields) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, r.Fields...)
	}
	return append(b, '}')
}

// AppendEnvelopeHead appends the envelope of r up to its fields: what
// AppendEnvelope writes before Fields (which it follows with '}', or with
// "{}}" when Fields is empty). A writer that sends Fields from where they
// are, instead of copying them next to the head, uses it.
func (r *Record) AppendEnvelopeHead(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","vendor":`...)
	b = AppendJSONString(b, r.Vendor)
	b = append(b, `,"source":`...)
	b = AppendJSONString(b, r.Source)
	if r.Tenant != "" {
		b = append(b, `,"tenant":`...)
		b = AppendJSONString(b, r.Tenant)
	}
	b = append(b, `,"stream":`...)
	b = AppendJSONString(b, r.Stream)
	b = append(b, `,"id":`...)
	b = AppendJSONString(b, r.ID)
	return append(b, `,"fields":`...)
}

// HashID is the id of a record whose vendor gives it no unique key: a hash of
// its raw bytes, so the same event always gets the same id.
func HashID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// AppendJSONString quotes s as a JSON string. Names and ids are short and
// mostly ASCII; json.Marshal handles every escape correctly, so use it only
// when a byte needs escaping.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
