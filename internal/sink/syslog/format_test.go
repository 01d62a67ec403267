package syslog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and the mapping tables in FORMATS.md")

var formatNames = []struct {
	name string
	f    format
}{{"rfc5424", formatRFC5424}, {"cef", formatCEF}, {"leef", formatLEEF}, {"json", formatJSON}}

// testFormatter has a fixed hostname and PROCID, so output is reproducible.
func testFormatter(f format) *formatter {
	return &formatter{format: f, facility: defaultFacility, hostname: "gw01.example", appName: "gatelog", procID: "4242", version: "1.4.0"}
}

// fixtures reads testdata/records.jsonl: demo records with tricky
// characters (| = \ quotes, line breaks, tabs, non-ASCII, ] in ids) added.
func fixtures(t testing.TB) []record.Record {
	t.Helper()
	data, err := os.ReadFile("testdata/records.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Time                       time.Time
			Vendor, Source, Stream, ID string
			Fields                     json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, record.Record{Time: e.Time, Vendor: e.Vendor, Source: e.Source, Stream: e.Stream, ID: e.ID, Fields: e.Fields})
	}
	return recs
}

func format1(f *formatter, r *record.Record) []byte {
	var fs fieldSet
	return f.appendMessage(nil, r, &fs)
}

// TestGolden compares every format's output for the fixtures, grouped by
// vendor and stream, with testdata/golden/<vendor>-<stream>.<format>.
func TestGolden(t *testing.T) {
	recs := fixtures(t)
	for _, fn := range formatNames {
		files := map[string][]byte{}
		var order []string
		for i := range recs {
			name := recs[i].Vendor + "-" + recs[i].Stream + "." + fn.name
			if _, ok := files[name]; !ok {
				order = append(order, name)
			}
			files[name] = append(append(files[name], format1(testFormatter(fn.f), &recs[i])...), '\n')
		}
		for _, name := range order {
			checkGolden(t, filepath.Join("testdata", "golden", name), files[name])
		}
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// TestHeadersAreRFC5424 runs the strict header check over every syslog
// format's output of every fixture.
func TestHeadersAreRFC5424(t *testing.T) {
	for _, r := range fixtures(t) {
		for _, fn := range formatNames[:3] {
			msg := format1(testFormatter(fn.f), &r)
			h, err := parseRFC5424(msg)
			if err != nil {
				t.Fatalf("%s %s %s: %v\n%s", fn.name, r.Stream, r.ID, err, msg)
			}
			if h.msgID != r.Stream || h.hostname != "gw01.example" || h.appName != "gatelog" || h.procID != "4242" {
				t.Errorf("%s: header %+v", fn.name, h)
			}
			if h.pri/8 != defaultFacility {
				t.Errorf("%s: facility %d", fn.name, h.pri/8)
			}
			checkTime(t, fn.f, h.timestamp, r.Time)
			if fn.f == formatRFC5424 {
				checkSD(t, h, &r)
			} else if h.sd != nil {
				t.Errorf("%s: structured data %v, want NILVALUE", fn.name, h.sd)
			}
		}
	}
}

func checkTime(t *testing.T, f format, ts string, want time.Time) {
	t.Helper()
	got, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		t.Fatal(err)
	}
	prec := time.Microsecond
	if f == formatLEEF {
		prec = time.Millisecond
		if !strings.Contains(ts, ".") {
			t.Errorf("LEEF timestamp %s without milliseconds", ts)
		}
	}
	if !got.Equal(want.Truncate(prec)) {
		t.Errorf("timestamp %s, want %s", ts, want.Truncate(prec).Format(time.RFC3339Nano))
	}
}

func checkSD(t *testing.T, h *rfc5424Header, r *record.Record) {
	t.Helper()
	want := map[string]string{"source": r.Source, "stream": r.Stream, "id": r.ID, "vendor": r.Vendor}
	if diff := cmp.Diff(map[string]map[string]string{sdID: want}, h.sd); diff != "" {
		t.Errorf("structured data (-want +got):\n%s", diff)
	}
	var env map[string]any
	if err := json.Unmarshal(h.msg, &env); err != nil || env["id"] != r.ID {
		t.Errorf("MSG is not the envelope of %s: %v\n%s", r.ID, err, h.msg)
	}
}

// TestSeverity pins the severity of each fixture: the PRI a SIEM sorts by.
func TestSeverity(t *testing.T) {
	var got []string
	for _, r := range fixtures(t) {
		h, err := parseRFC5424(format1(testFormatter(formatRFC5424), &r))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s/%d", r.Stream, h.pri%8))
	}
	want := []string{"access/5", "access/3", "swgweb/6", "swgweb/4", "admin/6", "admin/6",
		"accesslog/6", "accesslog/4", "accesslog/3", "audit/6", "audit/6", "healthproxy/3", "cloudaudit/4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
}

// TestNothingLost: in CEF and LEEF every non-empty vendor field is either
// mapped to a key (its value appears in one), left in cs6 / as its own
// attribute, or carried by the envelope (event time, id).
func TestNothingLost(t *testing.T) {
	for _, r := range fixtures(t) {
		var fs fieldSet
		if err := fs.parse(r.Fields); err != nil {
			t.Fatal(err)
		}
		cef := parseCEF(t, format1(testFormatter(formatCEF), &r))
		leef := parseLEEF(t, format1(testFormatter(formatLEEF), &r))
		if leef.dups != nil {
			t.Errorf("LEEF %s: keys %v twice", r.ID, leef.dups)
		}
		var rest map[string]json.RawMessage
		if cs6 := cef.ext["cs6"]; cs6 != "" {
			if err := json.Unmarshal([]byte(cs6), &rest); err != nil {
				t.Fatalf("cs6 is not JSON: %v\n%s", err, cs6)
			}
		}
		m, _, _ := lookup(r.Vendor, r.Stream)
		for _, fl := range fs.list {
			if len(fl.val) == 0 || slices.Contains(m.drop, string(fl.key)) || string(fl.key) == m.idField && string(fl.val) == r.ID {
				continue
			}
			val := clean(string(fl.val))
			if _, ok := rest[string(fl.key)]; !ok && !containsValue(cef.ext, val) {
				t.Errorf("CEF %s: field %s=%q is lost", r.ID, fl.key, val)
			}
			if !containsValue(leef.attrs, val) {
				t.Errorf("LEEF %s: field %s=%q is lost", r.ID, fl.key, val)
			}
		}
	}
}

// clean is what CEF and LEEF can carry of a value: control characters
// other than CR and LF (which CEF escapes) turn into spaces, and LEEF
// turns CR and LF into spaces too. Compare on the common ground.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func containsValue(kv map[string]string, v string) bool {
	for _, x := range kv {
		if strings.Contains(clean(x), v) {
			return true
		}
	}
	return false
}

// TestCEFMapping checks a few mapped keys of the fixtures after a CEF
// round trip through the test's own parser (escapes undone).
func TestCEFMapping(t *testing.T) {
	recs := fixtures(t)
	ev := parseCEF(t, format1(testFormatter(formatCEF), &recs[0]))
	want := []string{"CEF:0", "Forcepoint", "ONE SSE", "1.4.0", "access:Alert", "Cloud app access: Alert", "5"}
	if diff := cmp.Diff(want, ev.header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	for k, v := range map[string]string{
		"src": "199.202.160.3", "suser": "taro.yamada@acme-gizmo.jp", "act": "Alert", "cs1": "access", "cs1Label": "stream",
		"msg": "Rule a=b | c\\d\nnext line\r\nend", "rt": "1795242453123", "externalId": recs[0].ID,
	} {
		if ev.ext[k] != v {
			t.Errorf("%s = %q, want %q", k, ev.ext[k], v)
		}
	}
	sym := parseCEF(t, format1(testFormatter(formatCEF), &recs[8]))
	for k, v := range map[string]string{
		"request": "http://malware.example:8080/dl/eicar.com?a=1|2", "suser": `ACME\o=brien|x`, "cs5": "EICAR_Test_File",
		"dpt": "8080", "dvc": "199.19.250.139",
	} {
		if sym.ext[k] != v {
			t.Errorf("symantec %s = %q, want %q", k, sym.ext[k], v)
		}
	}
	if sym.header[6] != "8" {
		t.Errorf("virus severity %s, want 8", sym.header[6])
	}
}

// TestLEEFMapping checks a LEEF round trip of a fixture.
func TestLEEFMapping(t *testing.T) {
	recs := fixtures(t)
	ev := parseLEEF(t, format1(testFormatter(formatLEEF), &recs[3]))
	want := []string{"LEEF:2.0", "Forcepoint", "ONE SSE", "1.4.0", "swgweb:Block", "x09"}
	if diff := cmp.Diff(want, ev.header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	for k, v := range map[string]string{
		"devTimeFormat": leefTimeFormat, "devTime": "Nov 21 2026 06:35:50.000 UTC", "sev": "7", "action": "Block",
		"usrName": "taro.yamada@acme-gizmo.jp", "dstPort": "443", "destinationip": "unknown", "gatelogStream": "swgweb",
	} {
		if ev.attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, ev.attrs[k], v)
		}
	}
	if _, ok := ev.attrs["dst"]; ok {
		t.Errorf("dst set from a value that is not an address")
	}
}

func TestMSGIDAndTimestampLimits(t *testing.T) {
	r := record.Record{Vendor: "acme", Source: "s", Stream: strings.Repeat("x", 40) + " é", ID: "1", Fields: json.RawMessage(`{}`)}
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "-"},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600)), "2026-01-02T02:04:05Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC), "2026-01-02T03:04:05.12Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC), "2026-01-02T03:04:05.999999Z"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "-"},
	} {
		r.Time = tt.t
		h, err := parseRFC5424(format1(testFormatter(formatRFC5424), &r))
		if err != nil {
			t.Fatal(err)
		}
		if h.timestamp != tt.want || h.msgID != strings.Repeat("x", 32) {
			t.Errorf("timestamp %q msgid %q, want %q", h.timestamp, h.msgID, tt.want)
		}
	}
}

// TestUnparseableFields: fields that are not an object still travel whole.
func TestUnparseableFields(t *testing.T) {
	r := record.Record{Time: time.Unix(0, 0), Vendor: "forcepoint", Source: "s", Stream: "access", ID: "1", Fields: json.RawMessage("[1,\n2]")}
	cef := parseCEF(t, format1(testFormatter(formatCEF), &r))
	if cef.ext["cs6"] != "[1, 2]" {
		t.Errorf("cs6 = %q", cef.ext["cs6"])
	}
	leef := parseLEEF(t, format1(testFormatter(formatLEEF), &r))
	if leef.attrs["fields"] != "[1, 2]" {
		t.Errorf("fields = %q", leef.attrs["fields"])
	}
}

// TestLinesFlattened: pretty-printed vendor JSON keeps its meaning but
// loses its line breaks, in every format.
func TestLinesFlattened(t *testing.T) {
	r := record.Record{Time: time.Unix(0, 0), Vendor: "symantec", Source: "s", Stream: "audit", ID: "1",
		Fields: json.RawMessage("{\r\n  \"user\": \"a\",\n  \"extra\": {\"k\":\n 1}\n}")}
	for _, fn := range formatNames {
		msg := format1(testFormatter(fn.f), &r)
		if bytes.ContainsAny(msg, "\r\n") {
			t.Errorf("%s: line break in %q", fn.name, msg)
		}
	}
	env := format1(testFormatter(formatJSON), &r)
	var v struct{ Fields map[string]any }
	if err := json.Unmarshal(env, &v); err != nil || v.Fields["user"] != "a" {
		t.Errorf("json: %v %v", err, v)
	}
}

// TestInvalidUTF8: CEF, LEEF and SD values must be UTF-8; bad bytes
// become U+FFFD there, while the JSON MSG keeps the bytes as received.
func TestInvalidUTF8(t *testing.T) {
	r := record.Record{Time: time.Unix(0, 0), Vendor: "symantec", Source: "s", Stream: "audit", ID: "a\xffb",
		Fields: json.RawMessage("{\"user\":\"x\xc3(y\"}")}
	for _, fn := range formatNames[:3] {
		msg := format1(testFormatter(fn.f), &r)
		h, err := parseRFC5424(msg)
		if err != nil {
			t.Fatalf("%s: %v", fn.name, err)
		}
		if fn.f != formatRFC5424 && !bytes.Contains(h.msg, []byte("x\uFFFD(y")) {
			t.Errorf("%s: %q", fn.name, h.msg)
		}
	}
}

func TestTruncate(t *testing.T) {
	msg := []byte(strings.Repeat("a", 490) + "€€€€")
	got := truncate(slices.Clone(msg), 500)
	if len(got) > 500 || !bytes.HasSuffix(got, []byte(truncMarker)) || !utf8Valid(got) {
		t.Errorf("truncate: %d bytes %q", len(got), got[480:])
	}
	if got := truncate(slices.Clone(msg), 0); !bytes.Equal(got, msg) {
		t.Errorf("no limit changed the message")
	}
}

func TestEscapers(t *testing.T) {
	for _, tt := range []struct {
		e        *escaper
		in, want string
	}{
		{&cefHeaderEsc, "a|b\\c\nd=e", `a\|b\\c d=e`},
		{&cefValueEsc, "a|b\\c\nd=e\r\tf", `a|b\\c\nd\=e\r f`},
		{&leefValueEsc, "a\tb\nc|d=e\\", `a b c|d=e\`},
		{&sdEsc, `a"b]c\d` + "\n", `a\"b\]c\\d `},
		{&sdEsc, "é\xff\xe2\x82", "é\uFFFD\uFFFD\uFFFD"},
	} {
		if got := string(appendEscaped(nil, tt.in, tt.e)); got != tt.want {
			t.Errorf("escape %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsIP(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "255.255.255.255", "0.0.0.0", "10.0.0.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
		"1..3.4", "a.b.c.d", "", "::1", "2001:db8::7", "fe80::1%eth0", "1.2.3.4:80", " 1.2.3.4"} {
		_, err := netip.ParseAddr(s)
		if got := isIP([]byte(s)); got != (err == nil) {
			t.Errorf("isIP(%q) = %v, netip says %v", s, got, err)
		}
	}
}
