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
	cfg := baseConfig(newClock())
	// Far above the defaults, so that 720 lines show every Latin-9 name;
	// TestLatin9Share checks the default share.
	cfg.Latin9UserRate, cfg.Latin9LocationRate = 0.2, 0.2
	s := New(cfg)
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

// TestLatin9Share: over 12,000 lines served by sync, the lines that are not
// valid UTF-8 (Latin-9 user or location names) are rare but present, and
// both kinds show up; with both rates negative there are none.
func TestLatin9Share(t *testing.T) {
	cfg := baseConfig(newClock())
	cfg.LinesPerHour, cfg.LinesPerMember, cfg.MaxLinesPerArchive = 2000, 1000, 5000
	got, _, _ := start(t, New(cfg)).walk(TrailerBody, testStart, "0", "none")
	invalid, users, locs := 0, 0, 0
	for _, l := range got {
		if utf8.Valid(l) {
			continue
		}
		invalid++
		if bytes.Contains(l, []byte(`ACME\J`+"\xfc"+`rgen`)) || bytes.Contains(l, []byte(`ACME\fran`+"\xe7"+`ois`)) || bytes.Contains(l, []byte(`ACME\`+"\xb4"+`ofia`)) {
			users++
		}
		if bytes.Contains(l, []byte("Caf\xe9")) || bytes.Contains(l, []byte("Z\xfcrich")) || bytes.Contains(l, []byte("M\xfcnchen")) {
			locs++
		}
	}
	share := float64(invalid) / float64(len(got))
	t.Logf("%d of %d lines not UTF-8 (%.3f%%): %d users, %d locations", invalid, len(got), 100*share, users, locs)
	if len(got) != 12000 || invalid == 0 || share < 0.0002 || share > 0.005 || users == 0 || locs == 0 {
		t.Errorf("%d of %d lines not UTF-8 (%d users, %d locations), want 0.02%%..0.5%% with both kinds", invalid, len(got), users, locs)
	}

	cfg.Latin9UserRate, cfg.Latin9LocationRate = -1, -1
	for _, l := range New(cfg).Lines(testStart, testStart.Add(time.Hour)) {
		if !utf8.Valid(l.Raw) {
			t.Fatalf("rates off, yet %q is not UTF-8", l.Raw)
		}
	}
}

// bigLines returns the lines longer than any ordinary one.
func bigLines(ls [][]byte) [][]byte {
	var out [][]byte
	for _, l := range ls {
		if len(l) > 2000 {
			out = append(out, l)
		}
	}
	return out
}

// TestOneBigLinePerRun: a run serves exactly one line of BigLineBytes
// (18,000 by default), in its first hour, long by its cs-uri-query.
func TestOneBigLinePerRun(t *testing.T) {
	for _, width := range []int{0, 25000, -1} {
		cfg := baseConfig(newClock())
		cfg.BigLineBytes = width
		s := New(cfg)
		got, _, _ := start(t, s).walk(TrailerBody, testStart, "0", "none")
		sameLines(t, got, raws(s.Lines(testStart, testEnd)))
		big := bigLines(got)
		if width < 0 {
			if len(big) != 0 {
				t.Errorf("BigLineBytes %d: %d big lines, want none", width, len(big))
			}
			continue
		}
		want := width
		if want == 0 {
			want = DefaultBigLineBytes
		}
		if len(big) != 1 || len(big[0]) != want || !bytes.Contains(big[0], []byte(" ?x=1&utm_content=")) {
			t.Fatalf("BigLineBytes %d: %d big lines, want one of %d bytes", width, len(big), want)
		}
		if first := raws(s.Lines(testStart, testStart.Add(time.Hour))); len(bigLines(first)) != 1 {
			t.Errorf("BigLineBytes %d: the big line is not in the first hour", width)
		}
	}
}
