package sinktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// JSONLines decodes output in the envelope of the file and stdout sinks (one
// JSON object per line, DESIGN.md "Record envelope"), for their Readers. It
// uses encoding/json, not the sinks' encoder, so that it is an independent
// witness. Lines that are not an envelope (a torn last line, a fragment left
// by a failed write) are returned in bad with the reason; whether they may
// occur is for the caller to say.
func JSONLines(data []byte) (recs []record.Record, bad []string) {
	for line := range bytes.Lines(data) {
		r, err := decodeEnvelope(line)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q: %v", line, err))
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad
}

func decodeEnvelope(line []byte) (record.Record, error) {
	var env struct {
		Time   *time.Time      `json:"time"`
		Vendor *string         `json:"vendor"`
		Source *string         `json:"source"`
		Stream *string         `json:"stream"`
		ID     *string         `json:"id"`
		Fields json.RawMessage `json:"fields"`
	}
	if !bytes.HasSuffix(line, []byte("\n")) {
		return record.Record{}, errors.New("no newline at the end")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return record.Record{}, err
	}
	if dec.More() {
		return record.Record{}, errors.New("more than one value on the line")
	}
	if env.Time == nil || env.Vendor == nil || env.Source == nil || env.Stream == nil || env.ID == nil || env.Fields == nil {
		return record.Record{}, errors.New("a key of the envelope is missing")
	}
	if env.Time.Location() != time.UTC {
		return record.Record{}, errors.New("time is not in UTC")
	}
	if len(env.Fields) == 0 || env.Fields[0] != '{' {
		return record.Record{}, errors.New("fields is not an object")
	}
	return record.Record{Time: *env.Time, Vendor: *env.Vendor, Source: *env.Source, Stream: *env.Stream, ID: *env.ID, Fields: env.Fields}, nil
}
