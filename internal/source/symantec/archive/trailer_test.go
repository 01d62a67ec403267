package archive

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

var token68 = strings.Repeat("X", 68)

func TestParseTrailer(t *testing.T) {
	ok := []struct {
		in   string
		want Trailer
	}{
		{"X-sync-token: " + token68 + "\r\nX-sync-status: more\r\n", Trailer{"more", token68}},
		{"X-sync-token: abc\nX-sync-status: done\n", Trailer{"done", "abc"}},
		{"X-sync-status: abort\r\nX-sync-token: abc", Trailer{"abort", "abc"}},
		{"  x-SYNC-token :  abc  \r\n\r\n\tX-Sync-Status:DONE \r\n\n", Trailer{"done", "abc"}},
		{"X-sync-token: a:b=c/d+e\nX-sync-status: more", Trailer{"more", "a:b=c/d+e"}},
	}
	for _, c := range ok {
		tr, err := ParseTrailer([]byte(c.in))
		if err != nil || tr != c.want {
			t.Errorf("ParseTrailer(%q) = %+v, %v; want %+v", c.in, tr, err, c.want)
		}
	}
	bad := map[string]string{
		"X-sync-token: abc\r\n":   "missing X-sync-status",
		"X-sync-status: done\r\n": "missing X-sync-token",
		"":                        "missing X-sync-token and X-sync-status",
		"X-sync-token: abc\r\nX-sync-status: later\r\n":                        `status "later" is not more, done or abort`,
		"X-sync-token: a b\r\nX-sync-status: done\r\n":                         `token "a b"`,
		"X-sync-token: \r\nX-sync-status: done\r\n":                            `token ""`,
		"X-sync-token: a\r\nX-sync-token: b\r\nX-sync-status: done":            "x-sync-token appears twice",
		"X-sync-token: a\r\nX-sync-status: done\r\nPK\x05\x06":                 `line "PK\x05\x06" is not "key: value"`,
		"X-sync-token: a\r\nX-sync-status: done\r\nServer: x":                  `unexpected key "Server"`,
		"X-sync-token: " + strings.Repeat("t", 1025) + "\nX-sync-status: done": "1-1024 printable ASCII",
	}
	for in, msg := range bad {
		_, err := ParseTrailer([]byte(in))
		if !errors.Is(err, ErrTrailer) || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseTrailer(%.40q) err = %v; want ErrTrailer containing %q", in, err, msg)
		}
	}
}

func trailer(token, status, eol string) string {
	return "X-sync-token: " + token + eol + "X-sync-status: " + status + eol
}

func TestFindTrailerTrailerOnly(t *testing.T) {
	cases := []struct {
		body string
		size int
		want Trailer
	}{
		{trailer("none", "done", "\r\n"), 41, Trailer{"done", "none"}},
		{trailer(token68, "more", "\r\n"), 105, Trailer{"more", token68}},
		{trailer(strings.Repeat("Y", 167), "done", "\r\n"), 204, Trailer{"done", strings.Repeat("Y", 167)}},
		{trailer(token68, "abort", "\n"), 104, Trailer{"abort", token68}},
		{"\r\n  " + trailer("none", "done", "\n"), 43, Trailer{"done", "none"}},
	}
	for _, c := range cases {
		if len(c.body) != c.size {
			t.Fatalf("test body is %d bytes, want %d", len(c.body), c.size)
		}
		tr, zipSize, err := FindTrailer(strings.NewReader(c.body), int64(len(c.body)))
		if err != nil || tr != c.want || zipSize != 0 {
			t.Errorf("%d-byte body: %+v, zipSize %d, %v; want %+v, 0", c.size, tr, zipSize, err, c.want)
		}
	}
}

func TestFindTrailerAfterZip(t *testing.T) {
	// A member name that contains both keys: only the last occurrences count.
	z := buildZip(t, entry{name: "X-sync-token: x X-sync-status: y.gz", data: gz(t, "#Fields: a\n1\n")})
	for _, eol := range []string{"\r\n", "\n"} {
		body := string(z) + trailer(token68, "more", eol)
		tr, zipSize, err := FindTrailer(strings.NewReader(body), int64(len(body)))
		if err != nil || tr.Status != "more" || tr.Token != token68 || zipSize != int64(len(z)) {
			t.Fatalf("FindTrailer = %+v, %d, %v; want zipSize %d", tr, zipSize, err, len(z))
		}
		lines, st, err := walkAll(t, []byte(body)[:zipSize], Limits{})
		if err != nil || len(lines) != 2 || st.Members != 1 {
			t.Fatalf("Walk = %v, %+v, %v", lines, st, err)
		}
	}
}

func TestFindTrailerLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte{0xAB}, 1<<20)
	body = append(body, trailer("abc", "done", "\r\n")...)
	r := &countingReaderAt{r: bytes.NewReader(body)}
	tr, zipSize, err := FindTrailer(r, int64(len(body)))
	if err != nil || tr.Token != "abc" || zipSize != 1<<20 {
		t.Fatalf("FindTrailer = %+v, %d, %v", tr, zipSize, err)
	}
	if r.n > 4096 {
		t.Errorf("read %d bytes, want at most 4096", r.n)
	}
}

func TestFindTrailerErrors(t *testing.T) {
	z := buildZip(t, entry{name: "a.gz", data: gz(t, "x\n")})
	cases := map[string]string{
		"":                                  "the body is empty",
		string(z):                           "no X-sync-token and X-sync-status in the last",
		"<html>502 Bad Gateway</html>":      `it ends "<html>502 Bad Gateway</html>"`,
		string(z) + "X-sync-token: abc\r\n": "no X-sync-token and X-sync-status",
		string(z) + trailer("abc", "done", "\r\n") + "garbage\r\n":                                               `at byte ` + strconv.Itoa(len(z)) + ` of`,
		string(z) + trailer("abc", "done", "\r\n") + "\x00\x01":                                                  `is not "key: value"`,
		string(z) + "X-sync-status: done\r\nX-sync-token: a b\r\n":                                               `token "a b"`,
		strings.Repeat("z", 5000) + "X-sync-token: " + strings.Repeat("t", 4100) + "\r\nX-sync-status: done\r\n": "no X-sync-token",
	}
	for body, msg := range cases {
		_, _, err := FindTrailer(strings.NewReader(body), int64(len(body)))
		if !errors.Is(err, ErrTrailer) || !strings.Contains(err.Error(), msg) {
			t.Errorf("body ending %q: err = %v; want ErrTrailer containing %q", tail(body), err, msg)
		}
	}
}

func tail(s string) string { return s[max(0, len(s)-40):] }

// RELAY: a 203-byte response is a partial ZIP that will never be valid with
// this token. Walk must say so clearly rather than fail obscurely.
func TestPartialZip203(t *testing.T) {
	z := buildZip(t, entry{name: "cloud_abcde_20260101000000.log.gz", data: gz(t, strings.Repeat("#Fields: a\n1\n", 50))})
	body := append(z[:203:203], trailer(token68, "more", "\r\n")...)
	tr, zipSize, err := FindTrailer(bytes.NewReader(body), int64(len(body)))
	if err != nil || zipSize != 203 || tr.Status != "more" {
		t.Fatalf("FindTrailer = %+v, %d, %v", tr, zipSize, err)
	}
	_, _, err = walkAll(t, body[:zipSize], Limits{})
	if !errors.Is(err, ErrNotZip) || !strings.Contains(err.Error(), "not a valid zip (203 bytes)") {
		t.Fatalf("Walk err = %v; want ErrNotZip", err)
	}
}
