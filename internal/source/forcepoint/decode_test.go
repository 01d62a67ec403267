package forcepoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const samplePage = `{
  "nextpagetoken": "eyJsb2dfaWQiOiAiZDcwMDliNzRlNGQ5OGZhNWY3MTZiMDgzNTI3MTY3NjQ5YzZiOTMyMSIsICJkYXRldGltZSI6ICIyMDIxLTEyLTIzVDE4OjMyOjU3LjMwODAwMFoifQ==",
  "response": {
    "data": [
      {"action": "Alert", "time": "23 Dec 2021 16:57:46", "transactionid": "YcSq [2021-12-23 16:57:46]", "user": "Zo\u00eb \"Q\""},
      {
        "action": "Allowed",
        "time": "23 Dec 2021 17:13:42",
        "transactionid": "YcSr [23 Dec 2021 17:13:42]"
      }
    ],
    "dataencoding": "utf-8",
    "dataformat": "json"
  },
  "status": "Request was successful"
}`

func TestDecodePage(t *testing.T) {
	p, err := decodePage(strings.NewReader(samplePage))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 2 || p.Format != "json" || p.Encoding != "utf-8" || p.Status != "Request was successful" {
		t.Fatalf("decoded %+v", p)
	}
	if classifyToken(p.Token) != tokenOld {
		t.Errorf("token kind %v, want old", classifyToken(p.Token))
	}
	// Record bytes are kept as received; a record spread over lines is
	// compacted so that it stays one JSON Lines line.
	if got := string(p.Data[0]); !strings.Contains(got, `"user": "Zo\u00eb \"Q\""`) {
		t.Errorf("record 0 not kept verbatim: %s", got)
	}
	if bytes.ContainsAny(p.Data[1], "\n\r") || !json.Valid(p.Data[1]) {
		t.Errorf("record 1 not compacted: %q", p.Data[1])
	}
}

func TestDecodePageMalformed(t *testing.T) {
	cases := map[string]string{
		"truncated":         samplePage[:len(samplePage)/2],
		"no data":           `{"status": "Request was successful", "nextpagetoken": "e30="}`,
		"data not a list":   `{"response": {"data": {"a": 1}}}`,
		"html error page":   `<html><body>502 Bad Gateway</body></html>`,
		"csv body":          "time,user\n23 Dec 2021 16:57:46,x\n",
		"trailing garbage":  `{"response": {"data": []}} {"x": 1}`,
		"empty body":        ``,
		"token not string":  `{"nextpagetoken": 5, "response": {"data": []}}`,
		"unterminated data": `{"response": {"data": [{"time": "x"}, `,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := decodePage(strings.NewReader(body))
			if !errors.Is(err, errMalformed) {
				t.Fatalf("err = %v, want errMalformed", err)
			}
		})
	}
}

func TestDecodePageEmptyAndNull(t *testing.T) {
	for _, body := range []string{`{"nextpagetoken":"e30=","response":{"data":[]}}`, `{"response":{"data":null}}`} {
		p, err := decodePage(strings.NewReader(body))
		if err != nil || len(p.Data) != 0 || !p.HasData {
			t.Errorf("%s: %+v, %v", body, p, err)
		}
	}
}

func TestClassifyToken(t *testing.T) {
	cases := []struct {
		tok  string
		want tokenKind
	}{
		{"e30=", tokenEnd},
		{"e30", tokenEnd},
		{"eyJsb2dfaWQiOiAiYWJjIiwgImRhdGV0aW1lIjogIjIwMjEtMTItMjNUMTg6MzI6NTcuMzA4MDAwWiJ9", tokenOld},
		{"eyJzdGFydF90aW1lIjogIjEiLCAiZW5kX3RpbWUiOiAiMiIsICJwYWdlIjogM30=", tokenNew},
		{"not base64 at all!", tokenOpaque},
		{"bnVsbA==", tokenOpaque}, // null
		{"WzFd", tokenOpaque},     // [1]
		{"", tokenOpaque},
	}
	for _, c := range cases {
		if got := classifyToken(c.tok); got != c.want {
			t.Errorf("classifyToken(%q) = %v, want %v", c.tok, got, c.want)
		}
	}
}

// FuzzDecodePage: any body either decodes into records that are each one
// valid JSON line, or fails as malformed; it never panics.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(samplePage))
	f.Add([]byte(`{"nextpagetoken":"e30=","response":{"data":[]}}`))
	f.Add([]byte(`{"response":{"data":[1,"x",null,{"time":"1 Jan 2026 00:00:00"}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePage(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error not classified as malformed: %v", err)
			}
			return
		}
		for _, d := range p.Data {
			if !json.Valid(d) || bytes.ContainsAny(d, "\n\r") {
				t.Fatalf("record is not one valid JSON line: %q", d)
			}
		}
	})
}

// FuzzClassifyToken: any token string classifies without panicking, and a
// token that decodes to {} is always the end token.
func FuzzClassifyToken(f *testing.F) {
	for _, s := range []string{"e30=", "eyJsb2dfaWQiOiAiYSIsICJkYXRldGltZSI6ICJiIn0=", "eyJwYWdlIjogMX0", "%%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		k := classifyToken(tok)
		if k == tokenEnd {
			raw, err := decodeBase64(strings.TrimSpace(tok))
			var m map[string]any
			if err != nil || json.Unmarshal(raw, &m) != nil || len(m) != 0 {
				t.Fatalf("%q classified as end but is not {}", tok)
			}
		}
	})
}
