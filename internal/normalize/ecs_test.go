package normalize_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// ecsNamespaces are the objects of the vendors' unmapped fields (the
// fuzzed unknown vendor "other" included).
var ecsNamespaces = []string{"symantec", "forcepoint", "other"}

// TestECSStructure checks what every ECS document of the test records must
// have: the record's time, id and stream, the product, a categorization,
// and no copy of the raw record.
func TestECSStructure(t *testing.T) {
	for _, s := range loadRecords(t) {
		for i := range s.recs {
			rec := &s.recs[i]
			out, doc := ecsDoc(t, rec)
			want := map[string]string{
				"@timestamp":    rec.Time.UTC().Format(time.RFC3339Nano),
				"ecs.version":   "9.4.0",
				"event.id":      rec.ID,
				"event.dataset": "gatelog." + rec.Stream,
				"event.module":  "gatelog",
			}
			for k, v := range want {
				if got := path(doc, strings.Split(k, ".")...); got != v {
					t.Errorf("%s %s: %s = %v, want %q", s.name, rec.ID, k, got, v)
				}
			}
			for _, k := range []string{"observer.vendor", "observer.product", "event.kind"} {
				if v, _ := path(doc, strings.Split(k, ".")...).(string); v == "" {
					t.Errorf("%s %s: no %s", s.name, rec.ID, k)
				}
			}
			if kind := path(doc, "event", "kind"); kind != "state" &&
				(path(doc, "event", "category") == nil || path(doc, "event", "type") == nil) {
				t.Errorf("%s %s: a %v without event.category and event.type", s.name, rec.ID, kind)
			}
			if path(doc, "event", "original") != nil || bytes.Contains(out, rec.Fields) {
				t.Errorf("%s %s: the document holds the raw record", s.name, rec.ID)
			}
			if err := repeatedKeys(out); err != nil {
				t.Errorf("%s %s: %v", s.name, rec.ID, err)
			}
		}
	}
}

// TestECSLossless checks that every field value of every record is in its
// document: under the vendor's object by its name (dots made "_"), or
// carried by an ECS field (the same text, or a number of the same value; a
// Symantec URL column inside url.full).
func TestECSLossless(t *testing.T) {
	for _, s := range loadRecords(t) {
		for i := range s.recs {
			rec := &s.recs[i]
			_, doc := ecsDoc(t, rec)
			if err := losslessECS(rec, doc); err != nil {
				t.Errorf("%s %s: %v", s.name, rec.ID, err)
			}
		}
	}
}

func losslessECS(rec *record.Record, doc map[string]any) error {
	vendor, _ := doc[rec.Vendor].(map[string]any)
	delete(doc, rec.Vendor)
	leaves := map[string]bool{}
	var urls []string
	collectECS(doc, "", leaves, &urls)
	fields, err := members(rec.Fields)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	var errs []error
	for _, f := range fields {
		key := strings.ReplaceAll(f.key, ".", "_")
		names[key] = true
		if noValue(rec, f.val) {
			continue
		}
		if u, ok := vendor[key]; ok && reflect.DeepEqual(u, f.val) {
			continue
		}
		if !carried(f.val, leaves, "", urls) {
			errs = append(errs, fmt.Errorf("field %q = %v is neither carried nor under %s", f.key, f.val, rec.Vendor))
		}
	}
	for k := range vendor {
		if !names[k] {
			errs = append(errs, fmt.Errorf("%s has %q, which the record does not", rec.Vendor, k))
		}
	}
	return errors.Join(errs...)
}

// ecsDerived are the fields whose values the mapping makes rather than
// carries: they do not count as carrying a vendor value.
var ecsDerived = map[string]bool{
	"@timestamp": true, "ecs.version": true, "event.kind": true, "event.category": true, "event.type": true,
	"event.outcome": true, "event.severity": true, "event.duration": true, "event.created": true,
	"event.dataset": true, "event.module": true, "event.provider": true, "observer.vendor": true,
	"observer.product": true, "observer.type": true, "email.origination_timestamp": true,
	"tls.version_protocol": true, "host.os.type": true, "network.iana_number": true, "file.path": true,
	"source.geo.region_iso_code": true,
}

// collectECS gathers the document's leaf values as text ("n:" numbers by
// value, "s:" strings) and its url.full and url.original values.
func collectECS(v any, at string, leaves map[string]bool, urls *[]string) {
	if ecsDerived[at] {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := k
			if at != "" {
				p = at + "." + k
			}
			collectECS(x, p, leaves, urls)
		}
	case []any:
		for _, x := range v {
			collectECS(x, at, leaves, urls)
		}
	case string:
		leaves["s:"+v] = true
		if at == "url.full" || at == "url.original" {
			*urls = append(*urls, v)
		}
	case json.Number:
		leaves["n:"+canonical(string(v))] = true
	}
}

// TestECSVendorKeys: vendor names become keys Elasticsearch keeps whole
// (dots made "_", invalid UTF-8 made U+FFFD, a blank name prefixed "_"),
// and a key that would repeat is numbered, so that nothing is lost and no
// key repeats.
func TestECSVendorKeys(t *testing.T) {
	rec := record.Record{Time: time.Unix(1700000000, 0), Vendor: "forcepoint", Stream: "newtype", ID: "id1",
		Fields: []byte("{\"a.b\": 1, \"a_b\": 2, \"\": 3, \"a.b\": 4, \" \": 5, \"\\u00e9.x\": \"y\", " +
			"\"\xff\": 6, \"\xfe\": 7, \"a_b_2\": 8, \"n\": {\"c.d\": [1]}, \"e\": \"\", \"f\": null}")}
	out, doc := ecsDoc(t, &rec)
	want := map[string]any{"a_b": json.Number("1"), "a_b_2": json.Number("2"), "_": json.Number("3"),
		"a_b_3": json.Number("4"), "_ ": json.Number("5"), "é_x": "y", "\ufffd": json.Number("6"),
		"\ufffd_2": json.Number("7"), "a_b_2_2": json.Number("8"), "n": map[string]any{"c.d": []any{json.Number("1")}}}
	if got := doc["forcepoint"]; !reflect.DeepEqual(got, want) {
		t.Errorf("forcepoint = %v\nwant %v", got, want)
	}
	if err := repeatedKeys(out); err != nil {
		t.Error(err)
	}
}

// TestECSUnknownStream: a log type without a mapping, or a vendor without
// one, is still delivered whole: uncategorized, every field under the
// vendor's object.
func TestECSUnknownStream(t *testing.T) {
	for vendor, ns := range map[string]string{"forcepoint": "forcepoint", "other": "other", "": "unknown",
		"Big Corp.": "unknown", "event": "unknown"} {
		rec := record.Record{Time: time.Unix(1700000000, 0), Vendor: vendor, Stream: "newtype", ID: "id1",
			Fields: json.RawMessage(`{"a": "x", "b": 2, "c": {"d": [true]}, "e": ""}`)}
		_, doc := ecsDoc(t, &rec)
		want := map[string]any{"a": "x", "b": json.Number("2"), "c": map[string]any{"d": []any{true}}}
		if got := doc[ns]; !reflect.DeepEqual(got, want) || path(doc, "event", "kind") != "event" ||
			path(doc, "event", "category") != nil {
			t.Errorf("vendor %q: %s = %v, event %v", vendor, ns, got, doc["event"])
		}
	}
}

// TestECSDates: @timestamp is RFC 3339 in UTC with the record's precision;
// a year RFC 3339 cannot write gives epoch milliseconds.
func TestECSDates(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want any
	}{
		{time.Date(2026, 12, 5, 9, 21, 42, 0, time.UTC), "2026-12-05T09:21:42Z"},
		{time.Date(2026, 12, 5, 10, 21, 42, 123000000, time.FixedZone("CET", 3600)), "2026-12-05T09:21:42.123Z"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), json.Number("253402300800000")},
	} {
		rec := record.Record{Time: tc.t, Vendor: "symantec", Stream: "audit", Fields: []byte(`{}`)}
		if _, doc := ecsDoc(t, &rec); doc["@timestamp"] != tc.want {
			t.Errorf("%v: @timestamp %v, want %v", tc.t, doc["@timestamp"], tc.want)
		}
	}
}

// repeatedKeys reports a key that repeats within an object of the
// document, outside the vendor's values (copied as received).
func repeatedKeys(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var walk func(at string, check bool) error
	walk = func(at string, check bool) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		seen := map[string]bool{}
		for dec.More() {
			p := at + "[]"
			if d == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if check && seen[key] {
					return fmt.Errorf("%s: key %q repeats", at, key)
				}
				seen[key] = true
				p = strings.TrimPrefix(at+"."+key, ".")
			}
			if err := walk(p, check && !slices.Contains(ecsNamespaces, at)); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return walk("", true)
}

// TestECSDecisions: the vendors' action words give event.type and
// event.outcome alike in every stream that has a decision.
func TestECSDecisions(t *testing.T) {
	for _, tc := range []struct {
		vendor, stream, field, word string
		typ                         []any
		outcome                     any
	}{
		{"forcepoint", "swgweb", "action", "Block", []any{"access", "denied"}, "failure"},
		{"forcepoint", "swgweb", "action", "Alert, Denied, Notify, Threat", []any{"access", "denied"}, "failure"},
		{"forcepoint", "swgweb", "action", "Continue", []any{"access", "allowed"}, "success"},
		{"forcepoint", "swgweb", "action", "Shrug", []any{"access"}, "unknown"},
		{"forcepoint", "ztna", "action", "Allow", []any{"connection", "start", "allowed"}, "success"},
		{"forcepoint", "ztna", "action", "Deny", []any{"connection", "denied"}, "failure"},
		{"forcepoint", "swgwebdlp", "dlpaction", "Quarantine", []any{"info", "denied"}, "failure"},
		{"symantec", "accesslog", "sc-filter-result", "PROXIED", []any{"access", "allowed"}, "success"},
		{"symantec", "accesslog", "sc-filter-result", "-", []any{"access"}, nil},
	} {
		fields, _ := json.Marshal(map[string]string{tc.field: tc.word})
		rec := record.Record{Vendor: tc.vendor, Stream: tc.stream, Fields: fields}
		_, doc := ecsDoc(t, &rec)
		typ, out := path(doc, "event", "type"), path(doc, "event", "outcome")
		if !reflect.DeepEqual(typ, tc.typ) || out != tc.outcome {
			t.Errorf("%s %s %q: type %v, outcome %v; want %v, %v", tc.stream, tc.field, tc.word, typ, out,
				tc.typ, tc.outcome)
		}
	}
}
