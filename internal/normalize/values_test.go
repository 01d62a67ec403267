package normalize

import (
	"fmt"
	"testing"
)

func TestSplitURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://bücher.de/a/b?q=1#frag", "https|bücher.de||/a/b|q=1"},
		{"drive.google.com/files/見積書.pdf", "|drive.google.com||/files/見積書.pdf|"},
		{"http://user:pw@h:8080", "http|h|8080||"},
		{"https://[2001:db8::1]:443/x", "https|2001:db8::1|443|/x|"},
		{"/only/path?x", "|||/only/path|x"},
		{"2001:db8::1", "|2001:db8::1|||"},
		{"", "||||"},
	} {
		p := splitURL([]byte(tc.in))
		if got := fmt.Sprintf("%s|%s|%s|%s|%s", p.scheme, p.host, p.port, p.path, p.query); got != tc.want {
			t.Errorf("splitURL(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseOutcome(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   verdict
		word   string
		threat bool
	}{
		{"Alert, Denied, Notify, Threat", verdictBlocked, "Denied", true},
		{"Allowed", verdictAllowed, "Allowed", false},
		{"NotifyOwner", verdictAlerted, "NotifyOwner", false},
		{"Encrypt", verdictEncrypted, "Encrypt", false},
		{"OBSERVED", verdictAllowed, "OBSERVED", false},
		{"Quarantined, Alert", verdictQuarantined, "Quarantined", false},
		{"Shrug", verdictNone, "", false},
		{"", verdictNone, "", false},
	} {
		o := parseOutcome([]byte(tc.in))
		if o.verdict != tc.want || string(o.word) != tc.word || o.threat != tc.threat {
			t.Errorf("parseOutcome(%q) = %v %q %v", tc.in, o.verdict, o.word, o.threat)
		}
	}
}

func TestAddresses(t *testing.T) {
	for in, want := range map[string]bool{
		"10.0.0.1": true, "255.255.255.255": true, "1.2.3": false, "1.2.3.4.": false, "01.2.3.4": false,
		"256.1.1.1": false, "2001:db8::1": true, "fe80::1%eth0": true, "host": false, "": false,
	} {
		if isIP([]byte(in)) != want {
			t.Errorf("isIP(%q) != %v", in, want)
		}
	}
	for in, want := range map[string]bool{
		"a.b@acme-gizmo.com": true, "svc,x@a.b": true, "jürgen@acme.example": false, "a@b": false,
		"@b.c": false, "a@b.c@d.e": false, "a@.c": false,
	} {
		if isEmail([]byte(in)) != want {
			t.Errorf("isEmail(%q) != %v", in, want)
		}
	}
}

func TestClientOS(t *testing.T) {
	for in, want := range map[string]string{
		"architecture=x86_64%20name=Windows%2010%20Enterprise%20version=10.0.19044": "Windows 10 Enterprise|10.0.19044",
		"architecture=arm64%20name=macOS%20version=14.1":                            "macOS|14.1",
		"name=Linux":                     "Linux|",
		"version=1%zz name=a hostname=b": "a hostname=b|1%zz",
		"":                               "|",
	} {
		name, version := clientOS([]byte(in))
		if got := string(name) + "|" + string(version); got != want {
			t.Errorf("clientOS(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParsePlace(t *testing.T) {
	for in, want := range map[string]string{
		"Herndon||Virginia||VA||US": "Herndon|VA|US",
		"東京||Tokyo||||JP":           "東京|Tokyo|JP",
		"Somewhere||||||Narnia":     "Somewhere||",
	} {
		p := parsePlace([]byte(in))
		if got := string(p.city) + "|" + string(p.region) + "|" + string(p.country); got != want {
			t.Errorf("parsePlace(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestDecodeStrings checks unescaping, including surrogate pairs and an
// unpaired surrogate (U+FFFD, as encoding/json).
func TestDecodeStrings(t *testing.T) {
	var fs fields
	raw := `{"user": "J\u00fcrgen \"JJ\" \ud83d\ude00 \ud800 C:\\tmp\/x", "time": 12}`
	if err := decodeFields([]byte(raw), forcepointNames, &fs); err != nil {
		t.Fatal(err)
	}
	if got, want := string(fs.text(fpUser)), "Jürgen \"JJ\" 😀 \ufffd C:\\tmp/x"; got != want {
		t.Errorf("user = %q, want %q", got, want)
	}
	if got := string(fs.text(fpTime)); got != "12" {
		t.Errorf("time = %q", got)
	}
}
