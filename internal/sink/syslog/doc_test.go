package syslog

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docTables are the mapping tables FORMATS.md shows, by marker name.
var docTables = []struct {
	name string
	m    *streamMap
}{
	{"forcepoint/access", fpAccess}, {"forcepoint/swgweb", fpSWGWeb}, {"forcepoint/admin", fpAdmin},
	{"forcepoint/other", fpOther}, {"symantec/accesslog", symAccessLog}, {"symantec/audit", symAudit},
}

// TestFormatsDoc keeps the tables in FORMATS.md identical to the code:
// each block between <!-- mapping NAME --> and <!-- end --> must be what
// renderTable makes. go test -update rewrites the blocks.
func TestFormatsDoc(t *testing.T) {
	doc, err := os.ReadFile("FORMATS.md")
	if err != nil {
		t.Fatal(err)
	}
	out := string(doc)
	for _, d := range docTables {
		block := regexp.MustCompile(`(?s)<!-- mapping ` + regexp.QuoteMeta(d.name) + ` -->\n.*?<!-- end -->`)
		want := "<!-- mapping " + d.name + " -->\n" + renderTable(d.m) + "<!-- end -->"
		got := block.FindString(out)
		switch {
		case got == "":
			t.Errorf("FORMATS.md has no block <!-- mapping %s -->", d.name)
		case got != want && *update:
			out = strings.Replace(out, got, want, 1)
		case got != want:
			t.Errorf("FORMATS.md table %s is out of date (go test -update rewrites it); want:\n%s", d.name, want)
		}
	}
	if *update && out != string(doc) {
		if err := os.WriteFile("FORMATS.md", []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func renderTable(m *streamMap) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Verb: %s. Carried by the envelope, not repeated: %s.\n\n", fieldList(m.verb), envelopeFields(m))
	b.WriteString("| CEF key | LEEF key | Vendor field (first non-empty) |\n|---|---|---|\n")
	for _, e := range m.entries {
		cef, leef := "—", "—"
		if e.cef != "" {
			cef = "`" + e.cef + "`"
			if e.label != "" {
				cef += " (label `" + e.label + "`)"
			}
		}
		if e.leef != "" {
			leef = "`" + e.leef + "`"
		}
		from := fieldList(e.from)
		switch {
		case e.compose != nil:
			from = "URL built from " + from
		case e.typ == typeIP:
			from += ", if an IP address"
		case e.typ == typeInt:
			from += ", if an integer"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", cef, leef, from)
	}
	return b.String()
}

func fieldList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

func envelopeFields(m *streamMap) string {
	s := fieldList(m.drop)
	if m.idField != "" {
		s += ", `" + m.idField + "` when it equals the record id"
	}
	return s
}
