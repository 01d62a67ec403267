package normalize_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck"
)

// TestOCSFSchema validates every event the test records give against the
// official OCSF 1.8.0 schema (class attributes and types, required
// attributes, profiles, enums, constraints).
func TestOCSFSchema(t *testing.T) {
	for _, s := range loadRecords(t) {
		for i := range s.recs {
			out, _ := ocsfEvent(t, &s.recs[i])
			if err := schemacheck.OCSF(out); err != nil {
				t.Errorf("%s %s:\n%v", s.name, s.recs[i].ID, err)
			}
		}
	}
}

// TestOCSFSchemaOddRecords validates events of records that lack a field,
// or hold an unexpected value in one (a number, a word, an object), field by
// field. Such an event may miss a required attribute whose vendor field is
// gone or unusable (the mapping does not invent values), but must never
// hold a wrong type, an unknown attribute, an attribute of an undeclared
// profile, or an object that breaks its constraints in another way.
func TestOCSFSchemaOddRecords(t *testing.T) {
	for _, s := range loadRecords(t) {
		for _, rec := range s.recs {
			fields, err := members(rec.Fields)
			if err != nil {
				t.Fatal(err)
			}
			for i := range fields {
				for _, odd := range []any{nil, json.Number("7"), "x", map[string]any{}} {
					rec.Fields = variant(t, fields, i, odd)
					out, ev := ocsfEvent(t, &rec)
					for _, p := range problems(schemacheck.OCSF(out)) {
						t.Errorf("%s %s with %s = %v: %s", s.name, rec.ID, fields[i].key, odd, p)
					}
					if err := lossless(&rec, ev); err != nil {
						t.Errorf("%s %s with %s = %v: %v", s.name, rec.ID, fields[i].key, odd, err)
					}
				}
			}
		}
	}
}

// variant re-encodes fields with member i replaced by odd (nil: removed).
func variant(t *testing.T, fields []member, i int, odd any) []byte {
	b := []byte{'{'}
	for j, f := range fields {
		v := f.val
		if j == i {
			if odd == nil {
				continue
			}
			v = odd
		}
		k, _ := json.Marshal(f.key)
		val, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(append(append(b, k...), ':'), val...)
	}
	return append(b, '}')
}

// problems lists the schema problems other than a missing required
// attribute (schemacheck reports one problem per line).
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.Contains(line, "required attribute missing") && !strings.Contains(line, "at least one is required") {
			out = append(out, line)
		}
	}
	return out
}

// TestECSSchema validates every document the test records give against the
// official ECS 9.4.0 field definitions (types, arrays, allowed values,
// patterns, required fields); the vendors' objects are custom namespaces.
func TestECSSchema(t *testing.T) {
	for _, s := range loadRecords(t) {
		for i := range s.recs {
			out, _ := ecsDoc(t, &s.recs[i])
			if err := schemacheck.ECS(out, ecsNamespaces...); err != nil {
				t.Errorf("%s %s:\n%v", s.name, s.recs[i].ID, err)
			}
		}
	}
}

// TestECSSchemaOddRecords validates the documents of the same field-removal
// and odd-value variants as TestOCSFSchemaOddRecords. ECS requires nothing
// a vendor field gives (only @timestamp and ecs.version), so every document
// must pass whole.
func TestECSSchemaOddRecords(t *testing.T) {
	for _, s := range loadRecords(t) {
		for _, rec := range s.recs {
			fields, err := members(rec.Fields)
			if err != nil {
				t.Fatal(err)
			}
			for i := range fields {
				for _, odd := range []any{nil, json.Number("7"), "x", map[string]any{}} {
					rec.Fields = variant(t, fields, i, odd)
					out, doc := ecsDoc(t, &rec)
					if err := schemacheck.ECS(out, ecsNamespaces...); err != nil {
						t.Errorf("%s %s with %s = %v:\n%v", s.name, rec.ID, fields[i].key, odd, err)
					}
					if err := losslessECS(&rec, doc); err != nil {
						t.Errorf("%s %s with %s = %v: %v", s.name, rec.ID, fields[i].key, odd, err)
					}
				}
			}
		}
	}
}
