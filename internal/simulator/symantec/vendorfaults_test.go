package symantec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
)

const injectedRetryAfter = 7 * time.Second

// faulty is a client of s behind a real fault injector that offers kind
// to every request while offer is set.
type faulty struct {
	*client
	inj   *fault.Injector
	kind  fault.Kind
	offer atomic.Bool
}

func startFaulty(t *testing.T, s *Server, kind fault.Kind) *faulty {
	t.Helper()
	f := &faulty{kind: kind}
	f.offer.Store(true)
	f.inj = fault.Wrap(s, fault.Config{Rate: 1, Seed: 3, Kinds: []fault.Kind{kind}, RetryAfter: injectedRetryAfter},
		func(*http.Request) bool { return !f.offer.Load() })
	ts := httptest.NewServer(f.inj)
	t.Cleanup(ts.Close)
	f.client = &client{t: t, base: ts.URL, auth: xapi(accessUser, accessPass)}
	return f
}

// produced checks how many faults of the kind the server has produced.
func (f *faulty) produced(want int, when string) {
	f.t.Helper()
	if got := f.inj.Counts()[f.kind]; got != want {
		f.t.Errorf("%s: %d %v faults counted, want %d", when, got, f.kind, want)
	}
}

func TestInjectedThrottle429(t *testing.T) {
	f := startFaulty(t, New(baseConfig(newClock())), fault.Throttle429)
	f.auth = noAuth
	if resp, _ := f.get(pathSync, syncQuery(testStart, "0", "none")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated: %d, want 401", resp.StatusCode)
	}
	f.produced(0, "unauthenticated")
	f.auth = xapi(accessUser, accessPass)
	for k, path := range []string{pathSync, pathList} {
		code, ra := f.code(path, syncQuery(testStart, "0", "none")+"&type=hour&api")
		if code != http.StatusTooManyRequests || ra != "7" {
			t.Errorf("%s: %d Retry-After %q, want 429 and 7", path, code, ra)
		}
		f.produced(k+1, path)
	}
	f.auth = basic(auditUser, auditPass)
	resp, body := f.get(pathAudit, "startDate=2026-11-22&endDate=2026-11-22")
	var js map[string]any
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "7" || json.Unmarshal(body, &js) != nil {
		t.Errorf("audit: %d Retry-After %q %q, want a JSON 429", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	f.produced(3, "audit")
}

// TestInjected429IsNotServed: an injected 429 must not restart the
// per-customer interval either.
func TestInjected429IsNotServed(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.MinInterval = 10 * time.Second
	f := startFaulty(t, New(cfg), fault.Throttle429)
	f.offer.Store(false)
	q := syncQuery(testStart, "0", "none")
	f.code(pathSync, q)
	clk.Advance(cfg.MinInterval)
	f.offer.Store(true)
	if code, ra := f.code(pathSync, q); code != http.StatusTooManyRequests || ra != "7" {
		t.Fatalf("offered: %d %q, want the injected 429", code, ra)
	}
	f.offer.Store(false)
	if code, ra := f.code(pathSync, q); code != http.StatusOK {
		t.Errorf("after the injected 429: %d Retry-After %q, want 200", code, ra)
	}
}

func TestInjectedLocked423(t *testing.T) {
	f := startFaulty(t, New(baseConfig(newClock())), fault.Locked423)
	f.auth = xapi(accessUser, "wrong")
	if resp, _ := f.get(pathSync, syncQuery(testStart, "0", "none")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad password: %d, want 401", resp.StatusCode)
	}
	f.produced(0, "bad password")
	f.auth = xapi(accessUser, accessPass)
	for k, path := range []string{pathSync, pathDownload} {
		resp, body := f.get(path, syncQuery(testStart, "0", "none")+"&type=hour&api&items="+ms(testStart))
		if resp.StatusCode != http.StatusLocked || string(body) != "API access is blocked\n" {
			t.Errorf("%s: %d %q, want 423 API access is blocked", path, resp.StatusCode, body)
		}
		f.produced(k+1, path)
	}
	f.auth = basic(locUser, locPass)
	if resp, _ := f.get(pathLocations, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("locations: %d, want 200 (423 is a /reportpod answer)", resp.StatusCode)
	}
	f.produced(2, "locations")
}

func TestInjectedAbort(t *testing.T) {
	s := New(baseConfig(newClock()))
	f := startFaulty(t, s, fault.Abort)
	aborted := f.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	checkAborted(t, aborted)
	f.produced(1, "first sync")

	f.offer.Store(false)
	retry := f.sync(TrailerBody, syncQuery(testStart, "0", aborted.token))
	if retry.status != statusMore || len(retry.members) != len(aborted.members) {
		t.Fatalf("retry: %q with %d members, want more with %d", retry.status, len(retry.members), len(aborted.members))
	}
	sameLines(t, retry.dataLines(t), raws(s.Lines(testStart, testEnd))[:100])

	f.offer.Store(true)
	if code, _, body := f.list(listAll); code != http.StatusOK {
		t.Errorf("list: %d %s", code, body)
	}
	if r := f.sync(TrailerBody, syncQuery(testEnd, "0", "none")); r.status != statusDone || r.zip != nil {
		t.Errorf("sync without data: %q, %d zip bytes, want an empty done", r.status, len(r.zip))
	}
	f.produced(1, "list and empty sync")
	again := f.sync(TrailerBody, syncQuery(testStart, "0", retry.token))
	checkAborted(t, again)
	if again.token != retry.token {
		t.Error("abort advanced the token")
	}
	f.produced(2, "sync with a token")
}

// checkAborted: status abort, all members whole but the last, cut mid-stream.
func checkAborted(t *testing.T, r syncResp) {
	t.Helper()
	if r.code != http.StatusOK || r.status != statusAbort || len(r.members) == 0 {
		t.Fatalf("%d %q with %d members, want a 200 abort archive", r.code, r.status, len(r.members))
	}
	n := len(r.members)
	for _, m := range r.members[:n-1] {
		if m.err != nil {
			t.Errorf("member %s: %v", m.name, m.err)
		}
	}
	if !errors.Is(r.members[n-1].err, io.ErrUnexpectedEOF) {
		t.Errorf("last member error %v, want unexpected EOF", r.members[n-1].err)
	}
}

func TestInjectedGone410(t *testing.T) {
	f := startFaulty(t, New(baseConfig(newClock())), fault.Gone410)
	first := f.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	if first.code != http.StatusOK {
		t.Fatalf("token=none: %d", first.code)
	}
	f.produced(0, "token=none")
	q := syncQuery(testStart, "0", first.token)
	resp, body := f.get(pathSync, q)
	if resp.StatusCode != http.StatusGone || string(body) != goneMsg+"\n" {
		t.Errorf("real token: %d %q, want 410 with the documented text", resp.StatusCode, body)
	}
	f.produced(1, "real token")
	// The token is gone for good, offered or not, and no longer produced.
	for _, offer := range []bool{true, false} {
		f.offer.Store(offer)
		if resp, _ := f.get(pathSync, q); resp.StatusCode != http.StatusGone {
			t.Errorf("retrying the token (offer %v): %d, want 410", offer, resp.StatusCode)
		}
	}
	f.produced(1, "retries")
	if r := f.sync(TrailerBody, syncQuery(testStart, "0", "none")); r.code != http.StatusOK || r.status != statusMore {
		t.Errorf("new session: %d %q", r.code, r.status)
	}
}

func TestTokenTTLConfigurable(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.TokenTTL = 10 * time.Minute
	c := start(t, New(cfg))
	r := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	clk.Advance(10 * time.Minute)
	if got := c.sync(TrailerBody, syncQuery(testStart, "0", r.token)); got.code != http.StatusOK {
		t.Errorf("token exactly at TTL: %d, want 200", got.code)
	}
	clk.Advance(time.Second)
	resp, body := c.get(pathSync, syncQuery(testStart, "0", r.token))
	if resp.StatusCode != http.StatusGone || !bytes.Equal(body, []byte(goneMsg+"\n")) {
		t.Errorf("token past TTL: %d %q, want 410", resp.StatusCode, body)
	}
}

func TestTokenTTLNegativeNeverExpires(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(clk)
	cfg.TokenTTL = -1
	c := start(t, New(cfg))
	r := c.sync(TrailerBody, syncQuery(testStart, "0", "none"))
	clk.Advance(1000 * time.Hour)
	if got := c.sync(TrailerBody, syncQuery(testStart, "0", r.token)); got.code != http.StatusOK {
		t.Errorf("token 1000h old with TTL off: %d, want 200", got.code)
	}
}
