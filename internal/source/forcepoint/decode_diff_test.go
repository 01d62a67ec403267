package forcepoint

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// decodePage decodes a body of unknown length, as the tests have always
// called it.
func decodePage(r io.Reader) (*page, error) { return readPage(r, -1) }

// scanKeys reads one record on its own with the page decoder's scanner, for
// TestScanKeys and FuzzScanKeys, which check it against encoding/json.
func scanKeys(raw []byte) (recordKeys, error) {
	s := scanner{b: raw}
	s.ws()
	_, k, ok := s.record()
	if s.ws(); !ok || s.i != len(raw) || k.NotObject {
		return k, errNotObject
	}
	return k, nil
}

// diffPage fails t when the one-pass decoder and the reference disagree on
// body: both must fail as malformed, or both succeed with the same members,
// the same record bytes and, for each record, the keys the reference's key
// scan reads from it.
func diffPage(t *testing.T, body []byte) {
	t.Helper()
	got, err := decodePage(bytes.NewReader(body))
	want, wantErr := decodePageRef(bytes.NewReader(body))
	if (err == nil) != (wantErr == nil) || err != nil && !errors.Is(err, errMalformed) {
		t.Fatalf("body %q:\n got error %v\nwant error %v", body, err, wantErr)
	}
	if err != nil {
		return
	}
	if got.Token != want.Token || got.Status != want.Status || got.HasData != want.HasData ||
		got.Format != want.Format || got.Encoding != want.Encoding ||
		len(got.Data) != len(want.Data) || len(got.Keys) != len(got.Data) {
		t.Fatalf("body %q:\n got %+v\nwant %+v", body, got, want)
	}
	for i := range want.Data {
		if !bytes.Equal(got.Data[i], want.Data[i]) {
			t.Fatalf("body %q: data[%d]\n got %q\nwant %q", body, i, got.Data[i], want.Data[i])
		}
		k, err := scanKeysRef(want.Data[i])
		k.NotObject = err != nil
		if got.Keys[i] != k {
			t.Fatalf("body %q: data[%d] keys\n got %+v\nwant %+v", body, i, got.Keys[i], k)
		}
	}
}

// diffSeeds are bodies where a hand-written JSON scanner could part from
// encoding/json.
var diffSeeds = []string{
	samplePage,
	`{"response":{"data":[{"ti\u006de":"1 Jan 2026 00:00:00","transactionid":"a","transactionid":7,"fileid":"\u00e9\ud800"}]}}`,
	"{\"response\":{\"data\":[{\"time\":\"x\xff\xfe\",\"\xff\":\"\xc3\"},{\"time\":\"a\",\"time\":null},{\"time\":null,\"time\":\"b\"}]}}",
	`{"response":{"data":[1]},"response":{"data":null},"response":{"data":[2,"x",[],{}]}}`,
	`{"nextpagetoken":null,"status":"\u0041\n","response":{"data":[],"dataformat":null,"dataencoding":"\/"}}`,
	"{\"response\":{\"data\":[ {\n\"a\" :\t[ 1 , \"x y\\n\" ] ,\r\"time\":\"t\"} , [\n] ]}}\n",
	`{"response":{"data":[-0,0.5,1e5,1E+5,-1.25e-7,true,false,null,"",{"":""}]}}`,
	`{"response":{"data":[01]}}`, `{"response":{"data":[1.]}}`, `{"response":{"data":[.5]}}`,
	`{"response":{"data":[1e]}}`, `{"response":{"data":[-]}}`, `{"response":{"data":[+1]}}`,
	`{"response":{"data":[1,]}}`, `{"response":{"data":[,1]}}`, `{"response":{"data":[1 2]}}`,
	`{"response":{"data":[{"a":1,}]}}`, `{"response":{"data":[{"a"}]}}`, `{"response":{"data":[{1:2}]}}`,
	"{\"response\":{\"data\":[\"\x01\"]}}", "{\"status\":\"\x7f\x1f\",\"response\":{\"data\":[]}}",
	`{"response":{"data":["\u12"]}}`, `{"response":{"data":["\x"]}}`, `{"response":{"data":["\`,
	`{"response":{"data":[tru]}}`, `{"response":{"data":[nul]}}`, `{"response":{"data":[nullx]}}`,
	`{"response":{"data":{}}}`, `{"response":{"data":"x"}}`, `{"response":[]}`, `{"response":null}`,
	`{"status":5,"response":{"data":[]}}`, `{"x":[1,{"y":[}],"response":{"data":[]}}`,
	`{"response":{"data":[]},}`, `{,"response":{"data":[]}}`, `{"response":{"data":[]}}]`,
	` {"response":{"data":[]}} ` + "\r\n\t", "\xef\xbb\xbf{\"response\":{\"data\":[]}}",
	`{"response":{"data":[]}}x`, `{"response":{"data":[]}}{}`, `[]`, `null`, `"x"`, ``,
	`{"resp\u006fnse":{"d\u0061ta":[{"time":"t"}]},"nextpage\u0074oken":"e30="}`,
}

func TestDecodeDiffCases(t *testing.T) {
	for _, body := range diffSeeds {
		diffPage(t, []byte(body))
	}
	// encoding/json's nesting limit applies to each record on its own.
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		rec := strings.Repeat(`{"a":[`, depth/2) + strings.Repeat("[", depth%2) + strings.Repeat("]", depth%2) + strings.Repeat(`]}`, depth/2)
		for _, body := range []string{`{"response":{"data":[` + rec + `]}}`, `{"response":{"data":[],"x":` + rec + `}}`} {
			diffPage(t, []byte(body))
			if _, err := decodePage(strings.NewReader(body)); (err == nil) != (depth <= maxDepth) {
				t.Errorf("depth %d: %v", depth, err)
			}
		}
	}
}

// FuzzDecodeDiff runs diffPage on any body, from diffSeeds and the
// FuzzDecodePage corpus.
func FuzzDecodeDiff(f *testing.F) {
	for _, s := range diffSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/fuzz/FuzzDecodePage/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		lines := strings.Split(string(b), "\n")
		if err != nil || len(lines) < 2 {
			f.Fatalf("seed %s: %v", name, err)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			f.Fatalf("seed %s: %v", name, err)
		}
		f.Add([]byte(s))
	}
	f.Fuzz(diffPage)
}

// TestReadPage: the body decodes the same however it arrives and whatever
// Content-Length says, and a read error fails it as malformed.
func TestReadPage(t *testing.T) {
	want, err := decodePage(strings.NewReader(samplePage))
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(samplePage))
	for _, size := range []int64{-1, 0, 1, n - 1, n, n + 1, maxSizeHint + 1} {
		got, err := readPage(iotest.HalfReader(strings.NewReader(samplePage)), size)
		if err != nil || len(got.Data) != len(want.Data) || !bytes.Equal(got.Data[1], want.Data[1]) || got.Token != want.Token {
			t.Errorf("size %d: %+v, %v", size, got, err)
		}
	}
	cut := io.MultiReader(strings.NewReader(samplePage), iotest.ErrReader(io.ErrUnexpectedEOF))
	if _, err := readPage(cut, n); !errors.Is(err, errMalformed) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error: %v", err)
	}
}

// Records share the body's array: appending to one must not overwrite the
// next.
func TestRecordsDoNotOverlap(t *testing.T) {
	p, err := decodePage(strings.NewReader(`{"response":{"data":[{"a":1},{"b":2}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = append(p.Data[0], "xxxxxxxx"...)
	if string(p.Data[1]) != `{"b":2}` {
		t.Errorf("data[1] = %s", p.Data[1])
	}
}
