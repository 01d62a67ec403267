package nametmpl

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

func TestParseAndRender(t *testing.T) {
	r := &record.Record{Source: "acme", Stream: "swgweb", Vendor: "forcepoint", Time: time.Date(2026, 11, 21, 23, 0, 0, 0, time.FixedZone("x", -3600))}
	tm, err := Parse("gatelog-{source}-{stream}-{vendor}-{date}", append(Base, "date"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tm.Render(r); got != "gatelog-acme-swgweb-forcepoint-2026.11.22" {
		t.Fatalf("Render = %q", got)
	}
	if !tm.Has("date") || tm.Has("host") {
		t.Fatal("Has")
	}
	for _, bad := range []string{"x-{date}", "x-{source", "{Source}"} {
		if _, err := Parse(bad, Base); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	plain, _ := Parse("main", Base)
	if plain.Render(r) != "main" {
		t.Fatal("literal")
	}
}
