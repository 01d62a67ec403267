package archive

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/gatelog/gatelog/internal/source/symantec/elff"
	"github.com/google/go-cmp/cmp"
)

// TestWalkIntoELFF wires Walk to the ELFF parser the way the source does:
// one parser state per member, every line either a record or quarantined
// with "member X line N" context, nothing dropped.
func TestWalkIntoELFF(t *testing.T) {
	z := buildZip(t,
		entry{name: "fields.gz", data: gz(t, "#Fields: date time cs-userdn\n2026-01-02 03:04:05 caf\xe9\n2026-01-02 03:04:06 \""+string(make([]byte, 200))+"\"\n")},
		entry{name: "nofields.gz", data: gz(t, "#Version: 1.0\n2026-01-02 03:04:07 bob\n")},
		entry{name: "short.gz", data: gz(t, "#Fields: date time cs-userdn\n2026-01-02 03:04:08\n")},
	)
	p := elff.NewParser(0)
	var records, quarantined []string
	_, err := Walk(bytes.NewReader(z), int64(len(z)), Limits{MaxLineBytes: 100}, func(l Line) error {
		if l.Number == 1 {
			p.Reset() // #Fields belong to one member
		}
		where := fmt.Sprintf("member %s line %d", l.Member, l.Number)
		if l.TooLong {
			quarantined = append(quarantined, where+" is longer than 100 bytes")
			return nil
		}
		kind, err := p.Line(l.Bytes)
		if err != nil {
			quarantined = append(quarantined, where+": "+err.Error())
			if kind == elff.KindData && errors.Is(err, elff.ErrNoFields) {
				quarantined = append(quarantined, "(no fields)")
			}
			return nil
		}
		if kind == elff.KindData {
			records = append(records, string(p.AppendJSON(nil)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{`{"date":"2026-01-02","time":"03:04:05","cs-userdn":"café"}`}, records); d != "" {
		t.Errorf("records (-want +got)\n%s", d)
	}
	want := []string{
		"member fields.gz line 3 is longer than 100 bytes",
		"member nofields.gz line 2: no #Fields directive: data line before any #Fields directive (23 bytes)",
		"(no fields)",
		"member short.gz line 2: value count does not match #Fields: line has 2 values, #Fields names 3",
	}
	if d := cmp.Diff(want, quarantined); d != "" {
		t.Errorf("quarantined (-want +got)\n%s", d)
	}
}
