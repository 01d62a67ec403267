package syslog

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// FuzzFormat: whatever the fields, ids and names, every syslog format
// yields one strictly valid RFC 5424 line without line breaks, and CEF
// and LEEF stay parseable.
func FuzzFormat(f *testing.F) {
	for _, r := range fixtures(f) {
		f.Add(r.Vendor, r.Stream, r.ID, []byte(r.Fields), r.Time.UnixNano())
	}
	f.Add("symantec", "accesslog", "a]\"\\\n", []byte(`{"c-ip":"::1","cs-host":"h","cs-uri-port":"x","a(b":1,"a_b":[1,{"x":"]"}]}`), int64(-1))
	f.Add("forcepoint", "", "", []byte("{\"action\":\"\\ud800 Threat\\u0000\",\n\"x\":null}"), int64(0))
	f.Fuzz(func(t *testing.T, vendor, stream, id string, fields []byte, nanos int64) {
		r := record.Record{Time: time.Unix(0, nanos), Vendor: vendor, Source: "src", Stream: stream, ID: id, Fields: json.RawMessage(fields)}
		for _, fn := range formatNames[:3] {
			msg := format1(testFormatter(fn.f), &r)
			if _, err := parseRFC5424(msg); err != nil {
				t.Fatalf("%s: %v\n%q", fn.name, err, msg)
			}
		}
		parseCEF(t, format1(testFormatter(formatCEF), &r))
		parseLEEF(t, format1(testFormatter(formatLEEF), &r))
	})
}
