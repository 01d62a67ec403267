package jsonstr

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// On every valid JSON string the text is what encoding/json decodes.
func TestMatchesEncodingJSON(t *testing.T) {
	for _, body := range []string{
		``, `plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u00e9t\u00C9`, `\u4e2d\u6587`, `\ud83d\ude00 smile`,
		`lone \ud83d here`, `lone low \ude00`, `\ud83d\u0041`, `ünïcödé 李雷`, `\u0000nul`,
	} {
		var want string
		if err := json.Unmarshal([]byte(`"`+body+`"`), &want); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if got := string(AppendUnescaped(nil, []byte(body))); got != want {
			t.Errorf("%q: got %q, want %q", body, got, want)
		}
	}
}

// Malformed bodies do not panic: a bad \u escape is U+FFFD, the rest kept.
func TestMalformed(t *testing.T) {
	for body, want := range map[string]string{
		`\`:          `\`,
		`\u12`:       "\uFFFD12",
		`\uZZZZ`:     "\uFFFDZZZZ",
		`\x`:         `x`,
		`\ud83d\u00`: "\uFFFD\uFFFD00",
	} {
		if got := string(AppendUnescaped(nil, []byte(body))); got != want {
			t.Errorf("%q: got %q, want %q", body, got, want)
		}
	}
}

func TestAppendValidUTF8(t *testing.T) {
	if got := string(AppendValidUTF8(nil, []byte("ok \xff\xfe é"))); got != "ok \uFFFD\uFFFD é" {
		t.Errorf("got %q", got)
	}
}

func FuzzAppendUnescaped(f *testing.F) {
	for _, s := range []string{`a\"b`, `\ud83d\ude00`, `\u12`, `\`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		got := AppendUnescaped(nil, s)
		var want string
		if json.Unmarshal(append(append([]byte{'"'}, s...), '"'), &want) == nil && utf8.Valid(s) {
			if string(got) != want {
				t.Fatalf("%q: got %q, encoding/json %q", s, got, want)
			}
		}
		if !utf8.Valid(AppendValidUTF8(nil, got)) {
			t.Fatalf("AppendValidUTF8 left invalid UTF-8")
		}
	})
}
