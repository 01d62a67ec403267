package record

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAppendJSONIsTheEnvelope(t *testing.T) {
	r := Record{
		Time: time.Date(2026, 11, 20, 6, 1, 2, 500, time.FixedZone("x", 3600)), Vendor: "forcepoint",
		Source: "acme \"fp\"", Stream: "access", ID: "Yc [2021-12-23 16:57:46] \u00e9<&>",
		Fields: json.RawMessage(`{"b": 1, "a": "\u00e9"}`),
	}
	got := string(r.AppendJSON(nil))
	want := `{"time":"2026-11-20T05:01:02.0000005Z","vendor":"forcepoint","source":"acme \"fp\"","stream":"access","id":"Yc [2021-12-23 16:57:46] é\u003c\u0026\u003e","fields":{"b": 1, "a": "\u00e9"}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
	if v["source"] != `acme "fp"` || v["id"] != "Yc [2021-12-23 16:57:46] é<&>" {
		t.Fatalf("round trip %v", v)
	}
}

func TestHashIDIsStable(t *testing.T) {
	a, b := HashID([]byte(`{"x":1}`)), HashID([]byte(`{"x":1}`))
	if a != b || a == HashID([]byte(`{"x":2}`)) || len(a) != len("sha256:")+32 {
		t.Fatalf("%s %s", a, b)
	}
}
