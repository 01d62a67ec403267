package sinktest

import (
	"strings"
	"testing"
	"time"
)

const goodEnvelope = `{"time":"2026-11-20T10:00:00Z","vendor":"forcepoint","source":"acme","stream":"admin","id":"r1","fields":{"a":1}}`

// The independent decoder accepts exactly the envelope: every key, nothing
// more unless asked for, time in UTC, fields an object.
func TestDecodeEnvelope(t *testing.T) {
	r, extra, err := DecodeEnvelope([]byte(`{"@timestamp":"x",`+goodEnvelope[1:]), "@timestamp")
	if err != nil || r.ID != "r1" || r.Source != "acme" || !r.Time.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) ||
		string(r.Fields) != `{"a":1}` || string(extra["@timestamp"]) != `"x"` {
		t.Fatalf("good envelope: %+v %v %v", r, extra, err)
	}
	for name, doc := range map[string]string{
		"unknown key":     `{"extra":1,` + goodEnvelope[1:],
		"missing id":      strings.Replace(goodEnvelope, `"id":"r1",`, "", 1),
		"null vendor":     strings.Replace(goodEnvelope, `"forcepoint"`, "null", 1),
		"not UTC":         strings.Replace(goodEnvelope, "10:00:00Z", "10:00:00+01:00", 1),
		"fields an array": strings.Replace(goodEnvelope, `{"a":1}`, `[1]`, 1),
		"two values":      goodEnvelope + goodEnvelope,
		"key in capitals": strings.Replace(goodEnvelope, `"time"`, `"Time"`, 1),
		"torn":            goodEnvelope[:40],
	} {
		if _, _, err := DecodeEnvelope([]byte(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
	if recs, bad := JSONLines([]byte(goodEnvelope + "\n" + goodEnvelope)); len(recs) != 1 || len(bad) != 1 {
		t.Fatalf("JSONLines: %d records, bad %q: the last line has no newline", len(recs), bad)
	}
}
