package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck/internal/facts"
)

// TestCompilesAMiniatureSchema runs the generator over testdata/schemas, a
// schema a few files long that uses every rule the compiler follows, and
// wants exactly these facts.
func TestCompilesAMiniatureSchema(t *testing.T) {
	out := t.TempDir()
	if err := run(filepath.Join("testdata", "schemas"), out); err != nil {
		t.Fatal(err)
	}
	port := facts.Attribute{Type: "port_t", IsArray: true}
	thing := facts.Attribute{Type: "object_t", ObjectType: "thing"}
	base := map[string]facts.Attribute{
		"a":            {Type: "string_t", Requirement: "recommended"},
		"activity_id":  {Type: "integer_t", Requirement: "required", Enum: []string{"0", "99"}},
		"category_uid": {Type: "integer_t", Requirement: "required"},
		"class_uid":    {Type: "integer_t", Requirement: "required"},
		"prof_attr":    {Type: "string_t", Requirement: "required", Profile: "prof"},
		"t":            {Type: "timestamp_t", Requirement: "required"},
		"t_dt":         {Type: "datetime_t", Profile: "datetime"},
		"type_uid":     {Type: "long_t", Requirement: "required"},
		"unmapped":     {Type: "object_t", ObjectType: "object"},
	}
	want := facts.OCSF{
		Version:    "1.8.0",
		Categories: map[string]int{"cat1": 3},
		Profiles:   []string{"prof"},
		Types: map[string]facts.Type{
			"datetime_t":  {Base: "string_t", Regex: `^\d{4}-\d{2}-\d{2}T`},
			"integer_t":   {Base: "integer_t"},
			"ip_t":        {Base: "string_t", MaxLen: 40},
			"long_t":      {Base: "long_t"},
			"port_t":      {Base: "integer_t", Range: []int64{0, 65535}},
			"string_t":    {Base: "string_t"},
			"timestamp_t": {Base: "long_t"},
		},
		Classes: map[int]facts.Class{
			0: {Name: "base_event", Attributes: base},
			3005: {Name: "child", CategoryUID: 3, Attributes: map[string]facts.Attribute{
				"activity_id":  {Type: "integer_t", Requirement: "required", Enum: []string{"0", "1", "99"}},
				"category_uid": base["category_uid"],
				"class_uid":    base["class_uid"],
				"extra":        port,
				"prof_attr":    {Type: "string_t", Requirement: "required"},
				"t":            base["t"],
				"t_dt":         base["t_dt"],
				"thing":        thing,
				"type_uid":     base["type_uid"],
				"unmapped":     base["unmapped"],
			}, Constraints: facts.Constraints{AtLeastOne: []string{"extra", "thing.x"}}},
		},
		Objects: map[string]facts.Object{
			"object": {Attributes: map[string]facts.Attribute{}},
			"observable": {Attributes: map[string]facts.Attribute{
				"type_id": {Type: "integer_t", Requirement: "required", Enum: []string{"0", "2", "7", "99"}},
			}},
			"thing": {Attributes: map[string]facts.Attribute{
				"ip": {Type: "ip_t"},
				"x":  {Type: "string_t", Requirement: "required"},
				"y":  {Type: "integer_t"},
			}},
		},
	}
	var got facts.OCSF
	readFacts(t, filepath.Join(out, ocsfOut), &got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("OCSF facts (-want +got):\n%s", d)
	}

	wantECS := facts.ECS{Version: "9.4.0", Fields: map[string]facts.Field{
		"@timestamp":     {Type: "date", Required: true},
		"event.category": {Type: "keyword", Array: true, Allowed: []string{"web", "network"}},
		"source.mac":     {Type: "keyword", Pattern: "^[A-F0-9]{2}(-[A-F0-9]{2}){5,}$"},
	}}
	var gotECS facts.ECS
	readFacts(t, filepath.Join(out, ecsOut), &gotECS)
	if d := cmp.Diff(wantECS, gotECS); d != "" {
		t.Errorf("ECS facts (-want +got):\n%s", d)
	}
}

func readFacts(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
