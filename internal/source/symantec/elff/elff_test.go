package elff

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// defaultFields is the default WSS field list from the API notes (section 4),
// as a SEKOIA fixture writes it ("# Fields:" with a space).
const defaultFields = "# Fields: x-bluecoat-request-tenant-id date time x-bluecoat-appliance-name time-taken c-ip cs-userdn cs-auth-groups x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-icap-reqmod-header(X-ICAP-Metadata) x-icap-respmod-header(X-ICAP-Metadata) x-data-leak-detected x-virus-id x-bluecoat-location-id x-bluecoat-location-name x-bluecoat-access-type x-bluecoat-application-name x-bluecoat-application-operation r-ip r-supplier-country x-rs-certificate-validate-status x-rs-certificate-observed-errors x-cs-ocsp-error x-rs-ocsp-error x-rs-connection-negotiated-ssl-version x-rs-connection-negotiated-cipher x-rs-connection-negotiated-cipher-size x-rs-certificate-hostname x-rs-certificate-hostname-categories x-cs-connection-negotiated-ssl-version x-cs-connection-negotiated-cipher x-cs-connection-negotiated-cipher-size x-cs-certificate-subject cs-icap-status cs-icap-error-details rs-icap-status rs-icap-error-details s-supplier-ip s-supplier-country s-supplier-failures x-cs-client-ip-country cs-threat-risk x-rs-certificate-hostname-threat-risk x-client-agent-type x-client-os x-client-agent-sw x-client-device-id x-client-device-name x-client-device-type x-client-security-posture-details x-client-security-posture-risk-score x-bluecoat-reference-id x-sc-connection-issuer-keyring x-sc-connection-issuer-keyring-alias x-cloud-rs x-bluecoat-placeholder cs(X-Requested-With) x-random-ipv6 x-bluecoat-transaction-uuid"

// docSample is sample 1 of the API notes verbatim. It is a sanitized fixture
// with 73 values for the 76 default names, so it must fail the field count.
const docSample = `18050 2023-01-22 05:07:12 "DP5-ACNSH2_proxysg1" 82 1.2.3.4 ADSYSTRA\cyan - silent_denied DENIED "Technology/Internet" - 0 DENIED unknown - ssl test.com 443 / - - - 1.2.3.4 0 1632 - - - - 0 "client" client_connector - - 1.2.3.4 "Singapore" CERT_VALID none - - TLSv1.2 ECDHE-RSA *.wns.windows.com Technology/Internet TLSv1.2 ECDHE-RSA - ICAP_NOT_SCANNED - ICAP_NOT_SCANNED - - Singapore - "Test" 2 2 wss-agent architecture=x86_64%20name=Windows%2010%20Enterprise%20version=10.0.19044 9.1.2.19354 5b8a0e41-7212-4dae-8cd8-2ae211f642e3 DWPCNSZ22032 - - - - SSL_Intercept_1 - - - - test`

// sampleLine is docSample completed to the 76 default fields (the two cipher
// sizes and x-random-ipv6 added, a real-looking transaction uuid, a quoted
// user agent).
const sampleLine = `18050 2023-01-22 05:07:12 "DP5-ACNSH2_proxysg1" 82 1.2.3.4 ADSYSTRA\cyan - silent_denied DENIED "Technology/Internet" - 0 DENIED unknown - ssl test.com 443 / - - "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" 1.2.3.4 0 1632 - - - - 0 "client" client_connector - - 1.2.3.4 "Singapore" CERT_VALID none - - TLSv1.2 ECDHE-RSA 256 *.wns.windows.com Technology/Internet TLSv1.2 ECDHE-RSA 256 - ICAP_NOT_SCANNED - ICAP_NOT_SCANNED - - Singapore - "Test" 2 2 wss-agent architecture=x86_64%20name=Windows%2010%20Enterprise%20version=10.0.19044 9.1.2.19354 5b8a0e41-7212-4dae-8cd8-2ae211f642e3 DWPCNSZ22032 - - - - SSL_Intercept_1 - - - - - 7f3e9a52-51c4-4a6e-9d0b-2b1c7a3e5f10`

func mustLine(t *testing.T, p *Parser, line string, want Kind) {
	t.Helper()
	k, err := p.Line([]byte(line))
	if err != nil || k != want {
		t.Fatalf("Line(%.40q) = %v, %v; want %v, nil", line, k, err, want)
	}
}

func TestSampleLine(t *testing.T) {
	p := NewParser(1 << 20)
	for _, d := range []string{"# Version: 1.0", "# Date: 2023-01-22T05", "# Software: EAR 2.6", "# Start-Date: 2023-01-22 05:05:41"} {
		mustLine(t, p, d, KindDirective)
	}
	if p.Fields() != nil {
		t.Fatalf("Fields before #Fields = %q", p.Fields())
	}
	mustLine(t, p, defaultFields+"\r", KindDirective)
	if n := len(p.Fields()); n != 76 {
		t.Fatalf("%d fields, want 76", n)
	}
	mustLine(t, p, sampleLine, KindData)
	for name, want := range map[string]string{
		"x-bluecoat-appliance-name":   "DP5-ACNSH2_proxysg1",
		"cs-userdn":                   `ADSYSTRA\cyan`,
		"x-exception-id":              "silent_denied",
		"cs-auth-groups":              "",
		"cs(User-Agent)":              "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
		"x-bluecoat-transaction-uuid": "7f3e9a52-51c4-4a6e-9d0b-2b1c7a3e5f10",
	} {
		if v, ok := p.Value(name); !ok || string(v) != want {
			t.Errorf("Value(%q) = %q, %v; want %q", name, v, ok, want)
		}
	}
	if _, ok := p.Value("cs-username"); ok {
		t.Error("Value of a missing column reported ok")
	}
	tm, err := p.Time()
	if want := time.Date(2023, 1, 22, 5, 7, 12, 0, time.UTC); err != nil || !tm.Equal(want) || tm.Location() != time.UTC {
		t.Errorf("Time() = %v, %v; want %v", tm, err, want)
	}
	obj := decodeObject(t, p.AppendJSON(nil))
	if len(obj) != 76 || obj["cs(User-Agent)"] != "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" || obj["cs-uri-query"] != "" {
		t.Errorf("AppendJSON decoded to %d keys: %v", len(obj), obj)
	}
}

func TestDocSampleFieldCount(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, defaultFields, KindDirective)
	k, err := p.Line([]byte(docSample))
	if k != KindData || !errors.Is(err, ErrFieldCount) || !strings.Contains(err.Error(), "line has 73 values, #Fields names 76") {
		t.Fatalf("Line(docSample) = %v, %v", k, err)
	}
}

func decodeObject(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("AppendJSON output %s: %v", b, err)
	}
	return m
}

func TestSplit(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{`a b c`, []string{"a", "b", "c"}},
		{"a\tb \t c", []string{"a", "b", "c"}},
		{"  a  b  ", []string{"a", "b"}},
		{`- "-" --`, []string{"", "-", "--"}},
		{`"a b" "" c`, []string{"a b", "", "c"}},
		{`"say ""hi"" now" x`, []string{`say "hi" now`, "x"}},
		{`"say \"hi\" now" x`, []string{`say "hi" now`, "x"}},
		{`"C:\dir\" x`, []string{`C:\dir\`, "x"}},
		{`"a\b" x`, []string{`a\b`, "x"}},
		{`"ab"cd e`, []string{"abcd", "e"}},
		{`ab"cd e"`, []string{`ab"cd`, `e"`}},
		{`"""" x`, []string{`"`, "x"}},
		{`"a	b"`, []string{"a\tb"}},
		{"a\r", []string{"a"}},
	}
	for _, c := range cases {
		p := NewParser(0)
		p.setFields(make([]string, len(c.want)))
		if _, err := p.Line([]byte(c.line)); err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		got := make([]string, len(p.Values()))
		for i, v := range p.Values() {
			got[i] = string(v)
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%q: (-want +got)\n%s", c.line, d)
		}
	}
}

func TestLineErrors(t *testing.T) {
	cases := []struct {
		name, setup, line string
		kind              Kind
		err               error
		msg               string
	}{
		{"no fields", "", "a b", KindData, ErrNoFields, "before any #Fields"},
		{"empty fields", "", "#Fields:", KindDirective, ErrNoFields, "names 0 fields"},
		{"too few", "#Fields: a b c", "x y", KindData, ErrFieldCount, "line has 2 values, #Fields names 3"},
		{"too many", "#Fields: a", "x y", KindData, ErrFieldCount, "line has 2 values, #Fields names 1"},
		{"unterminated", "#Fields: a b", `x "y z`, KindData, ErrQuote, "quote opened at byte 3 of 6"},
		{"unterminated escape", "#Fields: a", `"y""`, KindData, ErrQuote, "never closes"},
		{"too long", "#Fields: a", strings.Repeat("x", 17), KindData, ErrLineTooLong, "line is 17 bytes, limit 16"},
		{"long directive", "", "#" + strings.Repeat("x", 16), KindDirective, ErrLineTooLong, "17 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewParser(16)
			if c.setup != "" {
				mustLine(t, p, c.setup, KindDirective)
			}
			k, err := p.Line([]byte(c.line))
			if k != c.kind || !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("Line = %v, %v; want %v, %v containing %q", k, err, c.kind, c.err, c.msg)
			}
		})
	}
}

func TestEmptyFieldsClearsPrevious(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, "#Fields: a", KindDirective)
	if _, err := p.Line([]byte("# Fields:  ")); !errors.Is(err, ErrNoFields) {
		t.Fatal(err)
	}
	if _, err := p.Line([]byte("x")); !errors.Is(err, ErrNoFields) {
		t.Fatalf("data after empty #Fields: %v", err)
	}
}

func TestDirectives(t *testing.T) {
	cases := map[string][]string{
		"#Fields: a b":       {"a", "b"},
		"# Fields: a b":      {"a", "b"},
		"#  \tFields:\ta  b": {"a", "b"},
		"#Fields:a":          {"a"},
		"#fields: a b":       nil, // not a Fields directive: case matters
		"#Version: 1.0":      nil,
		"#":                  nil,
	}
	for line, want := range cases {
		p := NewParser(0)
		mustLine(t, p, line, KindDirective)
		if d := cmp.Diff(want, p.Fields()); d != "" {
			t.Errorf("%q: (-want +got)\n%s", line, d)
		}
	}
}

func TestDuplicateFields(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, "#Fields: a b a a#2 a", KindDirective)
	want := []string{"a", "b", "a#2", "a#2#2", "a#3"}
	if d := cmp.Diff(want, p.Fields()); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
	mustLine(t, p, "1 2 3 4 5", KindData)
	obj := decodeObject(t, p.AppendJSON(nil))
	if d := cmp.Diff(map[string]string{"a": "1", "b": "2", "a#2": "3", "a#2#2": "4", "a#3": "5"}, obj); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if v, _ := p.Value("a#3"); string(v) != "5" {
		t.Errorf("Value(a#3) = %q", v)
	}
}

func TestKindBlank(t *testing.T) {
	p := NewParser(0)
	for _, l := range []string{"", "\r", " \t "} {
		mustLine(t, p, l, KindBlank)
	}
}

func TestAppendJSONEncoding(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"caf\xe9", `"café"`}, // ISO-8859-15 byte
		{"\xa4 \xa6\xa8\xb4\xb8\xbc\xbd\xbe", `"€ ŠšŽžŒœŸ"`},
		{"\xa3\xff", `"£ÿ"`},              // same as Latin-1 there
		{"café", `"café"`},                // valid UTF-8 kept
		{"caf\xc3\xa9 \xe9", `"cafÃ© é"`}, // one bad byte: the whole value is Latin-9
		{"q\"b\\n\nr\rt\t\x01\x7f", `"q\"b\\n\nr\rt\t\u0001` + "\x7f\""},
		{"<&>", `"<&>"`},
	}
	for _, c := range cases {
		got := string(appendJSONString(nil, []byte(c.in)))
		if got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
		var s string
		if err := json.Unmarshal([]byte(got), &s); err != nil {
			t.Errorf("%q: %s is not a JSON string: %v", c.in, got, err)
		}
		if back := recoverBytes(s, c.in); back != c.in {
			t.Errorf("%q: bytes not recoverable, got %q", c.in, back)
		}
	}
}

// recoverBytes undoes the decoding of appendJSONString: valid UTF-8 was kept,
// anything else was ISO-8859-15.
func recoverBytes(s, orig string) string {
	if utf8.ValidString(orig) {
		return s
	}
	rev := map[rune]byte{}
	for i, r := range latin9 {
		rev[r] = byte(0x80 + i)
	}
	var b []byte
	for _, r := range s {
		if r < 0x80 {
			b = append(b, byte(r))
		} else {
			b = append(b, rev[r])
		}
	}
	return string(b)
}

func TestLatin9FieldNames(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, "#Fields: caf\xe9 café", KindDirective)
	want := []string{"café", "café#2"}
	if d := cmp.Diff(want, p.Fields()); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
}

func TestTime(t *testing.T) {
	cases := []struct {
		date, clock string
		want        time.Time
		err         error
	}{
		{"2023-01-22", "05:07:12", time.Date(2023, 1, 22, 5, 7, 12, 0, time.UTC), nil},
		{"2024-02-29", "23:59:59.5", time.Date(2024, 2, 29, 23, 59, 59, 5e8, time.UTC), nil},
		{"2024-02-29", "00:00:00.123456789", time.Date(2024, 2, 29, 0, 0, 0, 123456789, time.UTC), nil},
		{"2016-12-31", "23:59:60", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), nil},
		{"2023-02-29", "00:00:00", time.Time{}, ErrTime},
		{"2023-13-01", "00:00:00", time.Time{}, ErrTime},
		{"2023-1-22", "00:00:00", time.Time{}, ErrTime},
		{"2023-01-22", "24:00:00", time.Time{}, ErrTime},
		{"2023-01-22", "05:07", time.Time{}, ErrTime},
		{"2023-01-22", "05:07:12.", time.Time{}, ErrTime},
		{"2023-01-22", "05:07:12Z", time.Time{}, ErrTime},
		{"-", "05:07:12", time.Time{}, ErrTime},
	}
	for _, c := range cases {
		p := NewParser(0)
		mustLine(t, p, "#Fields: time x date", KindDirective)
		mustLine(t, p, c.clock+" x "+c.date, KindData)
		got, err := p.Time()
		if !errors.Is(err, c.err) || !got.Equal(c.want) {
			t.Errorf("%s %s: %v, %v; want %v, %v", c.date, c.clock, got, err, c.want, c.err)
		}
	}
}

func TestTimeMissingColumns(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, "#Fields: gmttime x", KindDirective)
	mustLine(t, p, "a b", KindData)
	if _, err := p.Time(); !errors.Is(err, ErrNoTime) {
		t.Fatalf("Time() err = %v, want ErrNoTime", err)
	}
}

func TestReset(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, "#Fields: a", KindDirective)
	p.Reset()
	if p.Fields() != nil {
		t.Fatalf("Fields after Reset = %q", p.Fields())
	}
	if _, err := p.Line([]byte("x")); !errors.Is(err, ErrNoFields) {
		t.Fatalf("data after Reset: %v", err)
	}
}

// The hot path must not allocate per line once the buffers are warm.
func TestLineDoesNotAllocate(t *testing.T) {
	p := NewParser(0)
	mustLine(t, p, defaultFields, KindDirective)
	line := []byte(strings.Replace(sampleLine, `"Test"`, `"Te""st"`, 1)) // one value through scratch
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Line(line); err != nil {
			t.Fatal(err)
		}
		buf = p.AppendJSON(buf[:0])
		if _, err := p.Time(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per line, want 0", allocs)
	}
}
