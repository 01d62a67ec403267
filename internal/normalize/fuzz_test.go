package normalize_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/normalize/schemacheck"
	"github.com/gatelog/gatelog/internal/record"
)

// fuzzStreams are the streams FuzzAppendOCSF and FuzzAppendECS pick from
// (their second argument, modulo the length); the last has no mapping.
var fuzzStreams = [...][2]string{
	{"forcepoint", "access"}, {"forcepoint", "admin"}, {"forcepoint", "cloudaudit"},
	{"forcepoint", "cloudsummary"}, {"forcepoint", "swgweb"}, {"forcepoint", "swgwebdlp"},
	{"forcepoint", "healthproxy"}, {"forcepoint", "healthapi"}, {"forcepoint", "healthsystem"},
	{"forcepoint", "ztna"}, {"symantec", "accesslog"}, {"symantec", "accesslog-backfill"},
	{"symantec", "audit"}, {"other", "unknown"},
}

// FuzzAppendOCSF: any Fields bytes, in any stream, never panic; an event is
// returned exactly when Fields is a JSON object (as encoding/json judges
// it), it is valid JSON and UTF-8, the buffer's prefix is kept, and the
// event breaks no schema rule but a missing required attribute (see
// TestOCSFSchemaOddRecords). The
// seed corpus in testdata/fuzz/FuzzAppendOCSF holds a record of each stream
// and malformed shapes.
func FuzzAppendOCSF(f *testing.F) {
	f.Add([]byte(`{"user":"a","time":"01 Jan 2026 00:00:00"}`), uint8(1))
	f.Fuzz(func(t *testing.T, fields []byte, stream uint8) {
		ev := fuzzAppend(t, normalize.OCSF, fields, stream)
		if ev == nil {
			return
		}
		if p := problems(schemacheck.OCSF(ev)); len(p) > 0 {
			t.Fatalf("event %s from %q breaks the schema: %s", ev, fields, p)
		}
	})
}

// FuzzAppendECS: as FuzzAppendOCSF, for ECS documents, which must pass
// the ECS check whole (the vendors' objects are custom namespaces) and
// repeat no key (Elasticsearch rejects such a document). The seed corpus
// in testdata/fuzz/FuzzAppendECS holds a record of each stream, malformed
// shapes and vendor names that are not keys as they stand.
func FuzzAppendECS(f *testing.F) {
	f.Add([]byte(`{"user":"a","time":"01 Jan 2026 00:00:00"}`), uint8(1))
	f.Fuzz(func(t *testing.T, fields []byte, stream uint8) {
		ev := fuzzAppend(t, normalize.ECS, fields, stream)
		if ev == nil {
			return
		}
		if err := schemacheck.ECS(ev, ecsNamespaces...); err != nil {
			t.Fatalf("document %s from %q breaks the schema: %v", ev, fields, err)
		}
		if err := repeatedKeys(ev); err != nil {
			t.Fatalf("document %s from %q: %v", ev, fields, err)
		}
	})
}

// fuzzAppend renders fields as a record of the picked stream after a
// prefix and checks what every schema must: an event exactly when Fields
// is an object, valid JSON and UTF-8, the prefix kept. It returns the
// event, or nil when Append failed as it should.
func fuzzAppend(t *testing.T, schema string, fields []byte, stream uint8) []byte {
	s := fuzzStreams[int(stream)%len(fuzzStreams)]
	rec := record.Record{Time: time.Unix(1700000000, 0), Vendor: s[0], Source: "fuzz", Stream: s[1],
		ID: "id", Fields: fields}
	out, err := normalize.Append(schema, &rec, []byte("prefix"))
	if wantOK := isObject(fields); (err == nil) != wantOK {
		t.Fatalf("err = %v, but Fields is an object: %v", err, wantOK)
	}
	if err != nil {
		if string(out) != "prefix" {
			t.Fatalf("failed Append changed the buffer: %q", out)
		}
		return nil
	}
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Fatalf("prefix lost: %q", out)
	}
	ev := out[len("prefix"):]
	if !json.Valid(ev) || !utf8.Valid(ev) || ev[0] != '{' {
		t.Fatalf("invalid event %q from %q", ev, fields)
	}
	return ev
}

// isObject: Fields is valid JSON whose value is an object, or empty (an
// empty object, as record.AppendJSON writes it).
func isObject(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) == 0 || t[0] == '{' && json.Valid(b)
}
