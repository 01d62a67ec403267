package httpx

import (
	"net/http"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	cases := []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://portal.bitglass.com", false, true},
		{"http://127.0.0.1:8443", false, true},
		{"http://localhost:8443", false, true},
		{"http://[::1]:8443", false, true},
		{"http://portal.bitglass.com", false, false},
		{"http://10.0.0.5:8443", false, false},
		{"http://portal.bitglass.com", true, true},
		{"ftp://x", true, false},
	}
	for _, c := range cases {
		if err := CheckURL(c.url, c.insecure); (err == nil) != c.ok {
			t.Errorf("CheckURL(%q, %v) = %v, want ok=%v", c.url, c.insecure, err, c.ok)
		}
	}
}

func TestParseReset(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	cases := map[string]time.Time{
		"1795392000":                    midnight,
		"90":                            now.Add(90 * time.Second),
		"2026-11-23T00:00:00Z":          midnight,
		"2026-11-23 00:00:00+00:00":     midnight,
		"Mon, 23 Nov 2026 00:00:00 GMT": midnight,
	}
	for in, want := range cases {
		got, ok := ParseReset(in, now)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseReset(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "soon", "-5"} {
		if _, ok := ParseReset(bad, now); ok {
			t.Errorf("ParseReset(%q) accepted", bad)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "30")
	if got, ok := RetryAfter(h, now); !ok || !got.Equal(now.Add(30*time.Second)) {
		t.Errorf("seconds: %v %v", got, ok)
	}
	h.Set("Retry-After", "Sun, 22 Nov 2026 12:05:00 GMT")
	if got, ok := RetryAfter(h, now); !ok || !got.Equal(now.Add(5*time.Minute)) {
		t.Errorf("date: %v %v", got, ok)
	}
	h.Set("Retry-After", "later")
	if _, ok := RetryAfter(h, now); ok {
		t.Error("accepted junk")
	}
}

func TestNextUTCMidnight(t *testing.T) {
	in := time.Date(2026, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 3600))
	if got := NextUTCMidnight(in); !got.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %v", got)
	}
}
