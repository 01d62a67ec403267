package sinktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// JSONLines decodes output in the envelope of the file and stdout sinks (one
// JSON object per line, DESIGN.md "Record envelope"), for their Readers.
// Lines that are not an envelope (a torn last line, a fragment left by a
// failed write) are returned in bad with the reason; whether they may occur
// is for the caller to say.
func JSONLines(data []byte) (recs []record.Record, bad []string) {
	for line := range bytes.Lines(data) {
		r, err := decodeLine(line)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q: %v", line, err))
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad
}

func decodeLine(line []byte) (record.Record, error) {
	if !bytes.HasSuffix(line, []byte("\n")) {
		return record.Record{}, errors.New("no newline at the end")
	}
	r, _, err := DecodeEnvelope(line)
	return r, err
}

// envelopeKeys are the keys of a record envelope (DESIGN.md).
var envelopeKeys = []string{"time", "vendor", "source", "stream", "id", "fields"}

// DecodeEnvelope decodes one record envelope (a JSON object) strictly and
// with encoding/json, not gatelog's encoder, so that it is an independent
// witness of what a sink sent: every envelope key must be there, time in
// UTC and fields an object, and no other key but those named in extra,
// whose raw values it returns.
func DecodeEnvelope(b []byte, extra ...string) (record.Record, map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&obj); err != nil {
		return record.Record{}, nil, err
	}
	if dec.More() {
		return record.Record{}, nil, errors.New("more than one value")
	}
	for k := range obj {
		if !slices.Contains(envelopeKeys, k) && !slices.Contains(extra, k) {
			return record.Record{}, nil, fmt.Errorf("unknown key %q", k)
		}
	}
	var r record.Record
	for _, k := range envelopeKeys {
		if obj[k] == nil || string(obj[k]) == "null" {
			return record.Record{}, nil, fmt.Errorf("the envelope key %q is missing", k)
		}
	}
	for k, dst := range map[string]any{"time": &r.Time, "vendor": &r.Vendor, "source": &r.Source, "stream": &r.Stream, "id": &r.ID} {
		if err := json.Unmarshal(obj[k], dst); err != nil {
			return record.Record{}, nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	if r.Time.Location() != time.UTC {
		return record.Record{}, nil, errors.New("time is not in UTC")
	}
	if r.Fields = obj["fields"]; r.Fields[0] != '{' {
		return record.Record{}, nil, errors.New("fields is not an object")
	}
	out := map[string]json.RawMessage{}
	for _, k := range extra {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	return r, out, nil
}
