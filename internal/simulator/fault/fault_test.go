package fault

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const okBody = `{"data": [{"a": 1}, {"b": 2}, {"c": "three"}], "status": "Request was successful"}`

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, okBody)
	})
}

// serve starts a real HTTP server around an injector with the given config.
func serve(t *testing.T, cfg Config) (*Injector, *httptest.Server) {
	t.Helper()
	inj := Wrap(okHandler(), cfg, nil)
	ts := httptest.NewServer(inj)
	t.Cleanup(ts.Close)
	return inj, ts
}

// fetch does one GET on a fresh connection and reports what a client sees.
func fetch(t *testing.T, url string) (*http.Response, []byte, error) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestStatus503(t *testing.T) {
	_, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Status503}})
	resp, _, err := fetch(t, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", resp.StatusCode)
	}
}

// vendorHandler answers like a vendor simulator: it produces a 429 when
// offered one (Take), and keeps what Take said on the last request.
type vendorHandler struct {
	mu    sync.Mutex
	takes []bool // Take(Locked423), Take(Throttle429), Take(Throttle429) again
}

func (h *vendorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	takes := []bool{Take(r, Locked423), Take(r, Throttle429), Take(r, Throttle429)}
	h.mu.Lock()
	h.takes = takes
	h.mu.Unlock()
	if takes[1] {
		w.Header().Set("Retry-After", RetryAfterSeconds(From(r).RetryAfter()))
		writeStatus(w, http.StatusTooManyRequests, `{"status": "Too many requests, slow down"}`)
		return
	}
	okHandler().ServeHTTP(w, r)
}

func (h *vendorHandler) lastTakes() []bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.takes
}

// TestThrottle429: the injector does not answer a 429 itself; it offers
// it to the handler, which takes it once per request, and only a taken
// offer is counted.
func TestThrottle429(t *testing.T) {
	tests := []struct {
		name    string
		handler http.Handler
		vh      *vendorHandler
		status  int
		counted int
	}{
		{"taken", nil, &vendorHandler{}, http.StatusTooManyRequests, 1},
		{"ignored", okHandler(), nil, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if tt.vh != nil {
				h = tt.vh
			}
			inj := Wrap(h, Config{Rate: 1, Kinds: []Kind{Throttle429}, RetryAfter: 2500 * time.Millisecond}, nil)
			ts := httptest.NewServer(inj)
			defer ts.Close()
			resp, body, err := fetch(t, ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if got := inj.Counts()[Throttle429]; got != tt.counted {
				t.Errorf("Counts[429] = %d, want %d", got, tt.counted)
			}
			if tt.vh == nil {
				if string(body) != okBody || resp.Header.Get("Retry-After") != "" {
					t.Errorf("ignored offer changed the answer: %v %s", resp.Header, body)
				}
				return
			}
			if diff := cmp.Diff([]bool{false, true, false}, tt.vh.lastTakes()); diff != "" {
				t.Errorf("Take(423), Take(429), Take(429) (-want +got):\n%s", diff)
			}
			if got := resp.Header.Get("Retry-After"); got != "3" {
				t.Errorf("Retry-After = %q, want 3 (2.5s rounded up)", got)
			}
		})
	}
}

// TestTakeWithoutOffer: a request the injector let through, or one that
// never passed an injector, offers nothing.
func TestTakeWithoutOffer(t *testing.T) {
	vh := &vendorHandler{}
	inj := Wrap(vh, Config{Rate: 0}, nil)
	ts := httptest.NewServer(inj)
	defer ts.Close()
	if resp, _, err := fetch(t, ts.URL); err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v %v", resp, err)
	}
	if diff := cmp.Diff([]bool{false, false, false}, vh.lastTakes()); diff != "" {
		t.Errorf("takes (-want +got):\n%s", diff)
	}
	r := httptest.NewRequest("GET", "/", nil)
	if Take(r, Throttle429) || From(r) != nil {
		t.Error("a request that never passed an injector offers a fault")
	}
}

func TestResetGivesReadError(t *testing.T) {
	_, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Reset}})
	_, _, err := fetch(t, ts.URL)
	if err == nil {
		t.Fatal("client read the whole response; want an error from the reset")
	}
}

func TestTruncateFailsJSONDecode(t *testing.T) {
	_, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Truncate}})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err == nil {
		t.Fatal("truncated body decoded as JSON")
	}
}

func TestTruncateSendsHalf(t *testing.T) {
	_, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Truncate}})
	_, body, err := fetch(t, ts.URL)
	if err == nil {
		t.Fatal("want unexpected EOF")
	}
	if want := okBody[:len(okBody)/2]; string(body) != want {
		t.Errorf("body = %q, want first half %q", body, want)
	}
}

func TestSlowDelaysThenAnswers(t *testing.T) {
	inj, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Slow}, SlowDelay: 7 * time.Second})
	var slept time.Duration
	inj.sleep = func(_ context.Context, d time.Duration) error { slept = d; return nil }
	resp, body, err := fetch(t, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(body) != okBody {
		t.Fatalf("got %d %s, want the normal answer", resp.StatusCode, body)
	}
	if slept != 7*time.Second {
		t.Errorf("slept %v, want 7s", slept)
	}
	if got := inj.Counts()[Slow]; got != 1 {
		t.Errorf("Counts[slow] = %d, want 1", got)
	}
}

// TestTimeoutHoldsTheAnswer: a Timeout holds the answer for TimeoutDelay,
// DefaultTimeoutDelay when unset; a client that gives up first gets no
// answer at all.
func TestTimeoutHoldsTheAnswer(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		want  time.Duration
	}{
		{"configured", 30 * time.Second, 30 * time.Second},
		{"default", 0, DefaultTimeoutDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Timeout}, TimeoutDelay: tt.delay})
			var slept time.Duration
			inj.sleep = func(_ context.Context, d time.Duration) error { slept = d; return nil }
			resp, body, err := fetch(t, ts.URL)
			if err != nil || resp.StatusCode != 200 || string(body) != okBody {
				t.Fatalf("got %v %s %v, want the normal answer after the delay", resp, body, err)
			}
			if slept != tt.want {
				t.Errorf("held the answer %v, want %v", slept, tt.want)
			}
			if got := inj.Counts()[Timeout]; got != 1 {
				t.Errorf("Counts[timeout] = %d, want 1", got)
			}
		})
	}
}

func TestTimeoutOutlastsClient(t *testing.T) {
	_, ts := serve(t, Config{Rate: 1, Kinds: []Kind{Timeout}, TimeoutDelay: time.Minute})
	c := &http.Client{Timeout: 50 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := c.Get(ts.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the client to time out", resp.StatusCode)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("client waited %v", d)
	}
}

func TestRateZeroNever(t *testing.T) {
	inj, ts := serve(t, Config{Rate: 0, Seed: 1})
	for i := 0; i < 50; i++ {
		resp, body, err := fetch(t, ts.URL)
		if err != nil || resp.StatusCode != 200 || string(body) != okBody {
			t.Fatalf("request %d: %v %v", i, err, resp)
		}
	}
	if c := inj.Counts(); len(c) != 0 {
		t.Errorf("Counts = %v, want none", c)
	}
}

func TestRateOneAlways(t *testing.T) {
	inj := Wrap(&vendorHandler{}, Config{Rate: 1, Seed: 1, Kinds: []Kind{Status503, Throttle429}}, nil)
	ts := httptest.NewServer(inj)
	defer ts.Close()
	for i := 0; i < 40; i++ {
		resp, _, err := fetch(t, ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == 200 {
			t.Fatalf("request %d was not faulted", i)
		}
	}
	c := inj.Counts()
	if c[Status503]+c[Throttle429] != 40 || c[Status503] == 0 || c[Throttle429] == 0 {
		t.Errorf("Counts = %v, want 40 split over both kinds", c)
	}
}

// outcomes runs n requests and names what the client saw for each.
func outcomes(t *testing.T, seed int64, n int) []string {
	t.Helper()
	ts := httptest.NewServer(Wrap(&vendorHandler{}, Config{Rate: 0.5, Seed: seed, Kinds: []Kind{Status503, Throttle429, Truncate}}, nil))
	t.Cleanup(ts.Close)
	var out []string
	for i := 0; i < n; i++ {
		resp, _, err := fetch(t, ts.URL)
		switch {
		case err != nil:
			out = append(out, "broken")
		default:
			out = append(out, resp.Status)
		}
	}
	return out
}

func TestDeterministicForSeed(t *testing.T) {
	a, b := outcomes(t, 42, 30), outcomes(t, 42, 30)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different faults (-a +b):\n%s", diff)
	}
	if diff := cmp.Diff(a, outcomes(t, 43, 30)); diff == "" {
		t.Error("seeds 42 and 43 gave identical sequences")
	}
	if !strings.Contains(strings.Join(a, ","), "200") {
		t.Error("rate 0.5 faulted every request")
	}
}

func TestSkipPassesThrough(t *testing.T) {
	inj := Wrap(okHandler(), Config{Rate: 1, Kinds: []Kind{Status503}}, func(r *http.Request) bool {
		return r.URL.Path == "/health"
	})
	ts := httptest.NewServer(inj)
	defer ts.Close()
	resp, _, err := fetch(t, ts.URL+"/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("skipped request got %v %v", err, resp)
	}
	if len(inj.Counts()) != 0 {
		t.Errorf("skipped request was counted: %v", inj.Counts())
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in      string
		want    []Kind
		wantErr bool
	}{
		{"", AllKinds(), false},
		{"all", AllKinds(), false},
		{"503, reset,503", []Kind{Status503, Reset}, false},
		{"429,truncate,slow", []Kind{Throttle429, Truncate, Slow}, false},
		{"500", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseKinds(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseKinds(%q) err = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseKinds(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestKindStringRoundTrip(t *testing.T) {
	for _, k := range AllKinds() {
		got, err := ParseKinds(k.String())
		if err != nil || len(got) != 1 || got[0] != k {
			t.Errorf("ParseKinds(%q) = %v, %v", k, got, err)
		}
	}
}
