package normalize_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/record"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// TestGolden compares each stream's events (one per test record) with
// testdata/golden/<vendor>-<stream>.<schema>.json, for OCSF and ECS;
// -update rewrites them.
func TestGolden(t *testing.T) {
	for _, schema := range []string{normalize.OCSF, normalize.ECS} {
		for _, s := range loadRecords(t) {
			t.Run(schema+"/"+s.name, func(t *testing.T) {
				var got bytes.Buffer
				got.WriteString("[\n")
				for i := range s.recs {
					out, _ := render(t, schema, &s.recs[i])
					if i > 0 {
						got.WriteString(",\n")
					}
					got.WriteString("  ")
					if err := json.Indent(&got, out, "  ", "  "); err != nil {
						t.Fatal(err)
					}
				}
				got.WriteString("\n]\n")
				file := filepath.Join("testdata", "golden", s.name+"."+schema+".json")
				if *update {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from the mapping's output (go test -update rewrites it):\n%s", file, got.Bytes())
				}
			})
		}
	}
}

// TestStructure checks what every OCSF event must have, and the required
// attributes of each class the mappings use.
func TestStructure(t *testing.T) {
	required := map[int64][]string{
		2006: {"finding_info"},
		3002: {"user"},
		3004: {"entity"},
		6001: {"web_resources"},
		6003: {"actor", "api", "src_endpoint"},
		6006: {"actor", "file", "src_endpoint"},
	}
	for _, s := range loadRecords(t) {
		for i := range s.recs {
			rec := &s.recs[i]
			_, ev := ocsfEvent(t, rec)
			class, cat, act := num(t, ev["class_uid"]), num(t, ev["category_uid"]), num(t, ev["activity_id"])
			if class != 0 && class/1000 != cat {
				t.Errorf("%s %s: class %d in category %d", s.name, rec.ID, class, cat)
			}
			if typ := num(t, ev["type_uid"]); typ != class*100+act {
				t.Errorf("%s %s: type_uid %d, want %d", s.name, rec.ID, typ, class*100+act)
			}
			num(t, ev["severity_id"])
			if got := num(t, ev["time"]); got != rec.Time.UnixMilli() {
				t.Errorf("%s %s: time %d, want %d", s.name, rec.ID, got, rec.Time.UnixMilli())
			}
			for k, want := range map[string]string{"version": "1.8.0", "uid": rec.ID, "log_name": rec.Stream} {
				if got := path(ev, "metadata", k); got != want {
					t.Errorf("%s %s: metadata.%s = %v, want %q", s.name, rec.ID, k, got, want)
				}
			}
			if path(ev, "metadata", "product", "vendor_name") == nil || path(ev, "metadata", "original_time") == nil {
				t.Errorf("%s %s: metadata lacks product or original_time", s.name, rec.ID)
			}
			for _, k := range required[class] {
				if ev[k] == nil {
					t.Errorf("%s %s: class %d lacks required %s", s.name, rec.ID, class, k)
				}
			}
		}
	}
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// TestLossless checks that every field value of every record is in its
// event: under unmapped by its name, or carried by an attribute (the same
// text, or a number of the same value; the time text inside
// metadata.original_time; a URL column inside a url_string).
func TestLossless(t *testing.T) {
	for _, s := range loadRecords(t) {
		for i := range s.recs {
			rec := &s.recs[i]
			_, ev := ocsfEvent(t, rec)
			if err := lossless(rec, ev); err != nil {
				t.Errorf("%s %s: %v", s.name, rec.ID, err)
			}
		}
	}
}

func lossless(rec *record.Record, ev map[string]any) error {
	unmapped, _ := ev["unmapped"].(map[string]any)
	delete(ev, "unmapped")
	leaves := map[string]bool{}
	var urls []string
	collect(ev, "", leaves, &urls)
	origTime, _ := path(ev, "metadata", "original_time").(string)
	fields, err := members(rec.Fields)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	var errs []error
	for _, f := range fields {
		names[f.key] = true
		if noValue(rec, f.val) {
			continue
		}
		if u, ok := unmapped[f.key]; ok && reflect.DeepEqual(u, f.val) {
			continue
		}
		if !carried(f.val, leaves, origTime, urls) {
			errs = append(errs, fmt.Errorf("field %q = %v is neither carried nor unmapped", f.key, f.val))
		}
	}
	for k := range unmapped {
		if !names[k] {
			errs = append(errs, fmt.Errorf("unmapped has %q, which the record does not", k))
		}
	}
	return errors.Join(errs...)
}

type member struct {
	key string
	val any
}

// members decodes a Fields object in order, numbers as json.Number.
func members(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []member
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{k.(string), v})
	}
	return out, nil
}

// noValue: the values the package documents as left out.
func noValue(rec *record.Record, v any) bool {
	return v == nil || v == "" || v == "-" && rec.Vendor == "symantec" && strings.HasPrefix(rec.Stream, "accesslog")
}

// collect gathers the event's leaf values as text ("n:" numbers by value,
// "s:" strings) and its url_string values.
func collect(v any, key string, leaves map[string]bool, urls *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			collect(x, k, leaves, urls)
		}
	case []any:
		for _, x := range v {
			collect(x, key, leaves, urls)
		}
	case string:
		leaves["s:"+v] = true
		if key == "url_string" {
			*urls = append(*urls, v)
		}
	case json.Number:
		// ids and times are the mapping's own numbers, not vendor values
		if !strings.HasSuffix(key, "_id") && !strings.HasSuffix(key, "_ids") && !strings.HasSuffix(key, "_uid") && key != "time" {
			leaves["n:"+canonical(string(v))] = true
		}
	}
}

func canonical(n string) string {
	f, ok := new(big.Float).SetString(n)
	if !ok {
		return n
	}
	return f.Text('g', -1)
}

func carried(v any, leaves map[string]bool, origTime string, urls []string) bool {
	var text string
	switch v := v.(type) {
	case json.Number:
		if leaves["n:"+canonical(string(v))] {
			return true
		}
		text = string(v)
	case string:
		if n, ok := new(big.Float).SetString(v); ok && leaves["n:"+n.Text('g', -1)] {
			return true // digits in a string, carried as a number
		}
		text = v
	default:
		return false
	}
	if leaves["s:"+text] || origTime != "" && strings.Contains(origTime, text) {
		return true
	}
	for _, u := range urls {
		if strings.Contains(u, text) {
			return true
		}
	}
	return false
}

// TestAppendSchemas checks the schema switch and that a failed Append
// leaves the buffer alone.
func TestAppendSchemas(t *testing.T) {
	rec := record.Record{Vendor: "forcepoint", Stream: "admin", ID: "x", Fields: json.RawMessage(`{"user":"a"}`)}
	prefix := []byte("keep")
	raw, err := normalize.Append(normalize.Raw, &rec, prefix)
	if err != nil || !bytes.Equal(raw, rec.AppendJSON([]byte("keep"))) {
		t.Errorf("raw: %s, %v", raw, err)
	}
	for _, schema := range []string{normalize.OCSF, normalize.ECS} {
		out, err := normalize.Append(schema, &rec, prefix)
		if err != nil || !bytes.HasPrefix(out, []byte("keep{")) || !json.Valid(out[len("keep"):]) {
			t.Errorf("%s: %q, %v", schema, out, err)
		}
	}
	if out, err := normalize.Append("cef", &rec, prefix); err == nil || string(out) != "keep" {
		t.Errorf("unknown schema: %q, %v", out, err)
	}
	rec.Fields = json.RawMessage(`["not", "an", "object"]`)
	for _, schema := range []string{normalize.OCSF, normalize.ECS} {
		if out, err := normalize.Append(schema, &rec, prefix); err == nil || string(out) != "keep" {
			t.Errorf("%s, bad fields: %q, %v", schema, out, err)
		}
	}
}

// TestUnknownStream: a log type without a mapping is still delivered
// whole, as a Base Event with every field unmapped.
func TestUnknownStream(t *testing.T) {
	rec := record.Record{Vendor: "forcepoint", Stream: "newtype", ID: "id1",
		Fields: json.RawMessage(`{"a": "x", "b": 2, "c": {"d": [true]}, "e": ""}`)}
	_, ev := ocsfEvent(t, &rec)
	want := map[string]any{"a": "x", "b": json.Number("2"), "c": map[string]any{"d": []any{true}}}
	if got := ev["unmapped"]; !reflect.DeepEqual(got, want) || num(t, ev["class_uid"]) != 0 {
		t.Errorf("unmapped = %v, class %v", got, ev["class_uid"])
	}
}
