package symantec

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// allMembers downloads every complete hour of the base tenant.
func allMembers(t *testing.T, c *client) []member {
	t.Helper()
	var items []string
	for k := 0; k < 6; k++ {
		items = append(items, ms(testStart.Add(time.Duration(k)*time.Hour)))
	}
	resp, body := c.get(pathDownload, "type=hour&api&items="+strings.Join(items, ","))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	return readZip(t, body)
}

func TestELFFMembers(t *testing.T) {
	s := New(baseConfig(newClock()))
	members := allMembers(t, start(t, s))
	lines := s.Lines(testStart, testEnd)
	spellings, layouts := map[string]int{}, map[int]int{}
	k := 0
	for _, m := range members {
		e := parseELFF(m.data)
		for _, d := range e.directives {
			if strings.Contains(d, "Fields:") {
				spellings[d[:strings.Index(d, "Fields:")]]++
			}
		}
		if d := e.directives[0]; d != "#Software: SGOS 7.3.16.2 (WSS)" && d != "# Software: SGOS 7.3.16.2 (WSS)" {
			t.Errorf("%s starts with %q", m.name, e.directives[0])
		}
		layouts[len(e.fields)]++
		for _, l := range e.lines { // download order = Lines order here
			if diff := cmp.Diff(e.fields, lines[k].Fields); diff != "" || !bytes.Equal(l, lines[k].Raw) {
				t.Fatalf("%s line %d: fields diff %s", m.name, k, diff)
			}
			k++
		}
	}
	if spellings["#"] == 0 || spellings["# "] == 0 {
		t.Errorf("Fields spellings %v, want both #Fields: and # Fields:", spellings)
	}
	if layouts[len(defaultFields)] == 0 || layouts[len(shortFields)] == 0 {
		t.Errorf("layouts %v, want default and short", layouts)
	}
}

func TestELFFValues(t *testing.T) {
	s := New(baseConfig(newClock()))
	lines := s.Lines(testStart, testEnd)
	var noUUID, outOfOrder, invalid int
	var all [][]byte
	for k, l := range lines {
		all = append(all, l.Raw)
		if l.UUID == "" {
			noUUID++
		} else if !bytes.Contains(l.Raw, []byte(l.UUID)) {
			t.Errorf("line %d lacks its uuid %s", k, l.UUID)
		}
		if k > 0 && l.Time.Before(lines[k-1].Time) {
			outOfOrder++
		}
		if !utf8.Valid(l.Raw) {
			invalid++
		}
		if d := l.Time.Format("2006-01-02"); !bytes.Contains(l.Raw, []byte(d+" "+l.Time.Format("15:04:05"))) {
			t.Errorf("line %d lacks its time %v", k, l.Time)
		}
	}
	joined := bytes.Join(all, nl)
	for _, want := range []string{`ACME\J` + "\xfc" + "rgen", "Caf\xe9 \xa4 Store", `"Technology/Internet"`, `"Mozilla/5.0 (`} {
		if !bytes.Contains(joined, []byte(want)) {
			t.Errorf("no line contains %q", want)
		}
	}
	if noUUID < 6 || noUUID > 24 || outOfOrder == 0 || invalid == 0 {
		t.Errorf("lines without uuid %d, out of order %d, invalid UTF-8 %d", noUUID, outOfOrder, invalid)
	}
}

func TestLongLines(t *testing.T) {
	cfg := baseConfig(newClock())
	cfg.LongLineEvery = 40
	s := New(cfg)
	got, _, _ := start(t, s).walk(TrailerBody, testStart, "0", "none")
	long := 0
	for _, l := range got {
		if len(l) > DefaultLongLineBytes {
			long++
		}
	}
	if long != 18 { // 3 per 120-line hour
		t.Errorf("%d long lines, want 18", long)
	}
	sameLines(t, got, raws(s.Lines(testStart, testEnd)))
}

func TestDeterminism(t *testing.T) {
	bodies := func(seed int64) [][]byte {
		clk := newClock()
		cfg := baseConfig(clk)
		cfg.Seed = seed
		c := start(t, New(cfg))
		var out [][]byte
		for token := "none"; ; {
			_, body := c.get(pathSync, syncQuery(testStart, "0", token))
			out = append(out, body)
			_, tok, st := splitTrailer(t, body)
			if token = tok; st == statusDone {
				return out
			}
		}
	}
	a, b, other := bodies(7), bodies(7), bodies(8)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different bytes: %s", diff)
	}
	if bytes.Equal(a[0], other[0]) {
		t.Error("different seeds gave the same first archive")
	}
}
