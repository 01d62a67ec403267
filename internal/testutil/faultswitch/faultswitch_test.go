package faultswitch

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatelog/gatelog/internal/simulator/fault"
)

// vendor answers 200, or a 429 when the injector offers one and the
// request asks for data ("?data").
var vendor = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("data") && fault.Take(r, fault.Throttle429) {
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	w.WriteHeader(http.StatusOK)
})

func get(t *testing.T, s *Switch, target string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code
}

func TestGenericFaultCountsEveryRequest(t *testing.T) {
	s := New(vendor)
	s.Fail(fault.Status503, 2, fault.Config{})
	for i, want := range []int{503, 503, 200} {
		if got := get(t, s, "/"); got != want {
			t.Fatalf("request %d: %d, want %d", i, got, want)
		}
	}
	if s.Requests() != 3 {
		t.Fatalf("Requests() = %d", s.Requests())
	}
}

// A vendor fault counts only the requests the handler turned into it.
func TestVendorFaultCountsTakenRequests(t *testing.T) {
	s := New(vendor)
	s.Fail(fault.Throttle429, 1, fault.Config{})
	for i, c := range []struct {
		target string
		want   int
	}{{"/", 200}, {"/?data", 429}, {"/?data", 200}} {
		if got := get(t, s, c.target); got != c.want {
			t.Fatalf("request %d %s: %d, want %d", i, c.target, got, c.want)
		}
	}
}

func TestOverride(t *testing.T) {
	s := New(vendor)
	teapot := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	s.Override(teapot, 1)
	if get(t, s, "/") != http.StatusTeapot || get(t, s, "/") != 200 {
		t.Fatal("Override(h, 1) must answer exactly one request")
	}
	s.Override(teapot, -1)
	s.Fail(fault.Status503, 1, fault.Config{})
	if get(t, s, "/") != 503 || get(t, s, "/") != http.StatusTeapot || get(t, s, "/") != http.StatusTeapot {
		t.Fatal("a fault goes before an override, which then answers every request")
	}
	s.Off()
	if get(t, s, "/") != 200 {
		t.Fatal("Off must turn the override off")
	}
}
