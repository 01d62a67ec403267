package httpx

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
)

const traceSecret = "s3cr3t-Zq9vXw"

func TestTraceRedactsEveryCredential(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: traceSecret})
		w.Header().Set("X-Auth-Token", traceSecret)
		w.Header().Set("X-RateLimit-Remaining", "41")
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	var got []Exchange
	c := NewClient(Options{Name: "source acme", Observe: func(x Exchange) { got = append(got, x) },
		Trace: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	id := record.StreamID{Source: "acme", Stream: "access"}
	ctx := record.ContextWithStream(context.Background(), id)

	for _, set := range []func(r *http.Request){
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+traceSecret) },
		func(r *http.Request) { r.SetBasicAuth("key-"+traceSecret, traceSecret) },
		func(r *http.Request) {
			r.Header.Set("X-APIUsername", traceSecret)
			r.Header.Set("X-APIPassword", traceSecret)
		},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
			srv.URL+"/logs?type=access&nextpagetoken="+traceSecret+"&api_key="+traceSecret, nil)
		set(req)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	out := logs.String()
	basic := base64.StdEncoding.EncodeToString([]byte("key-" + traceSecret + ":" + traceSecret))
	for _, leak := range []string{traceSecret, basic} {
		if strings.Contains(out, leak) {
			t.Fatalf("trace leaks %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"type=access", "status=418", "X-Ratelimit-Remaining: 41", "User-Agent: gatelog",
		"Authorization: " + Redacted, "X-Apipassword: " + Redacted, "Set-Cookie: " + Redacted, "source=acme stream=access"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	if len(got) != 3 || got[0].Status != http.StatusTeapot || got[0].Stream != id || got[0].Client != "source acme" {
		t.Fatalf("exchanges = %+v", got)
	}
}

func TestTraceReportsTransportErrorsWithoutTheQuery(t *testing.T) {
	var logs bytes.Buffer
	var got []Exchange
	c := NewClient(Options{Observe: func(x Exchange) { got = append(got, x) }, Trace: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // refused from now on
	req, _ := http.NewRequest(http.MethodGet, url+"/x?token="+traceSecret, nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("want a connection error")
	}
	if len(got) != 1 || got[0].Status != 0 || got[0].Err == nil {
		t.Fatalf("exchanges = %+v", got)
	}
	if strings.Contains(logs.String(), traceSecret) || !strings.Contains(logs.String(), "error=") {
		t.Fatalf("trace: %s", logs.String())
	}
}

func TestNoHooksNoWrapper(t *testing.T) {
	c := NewClient(Options{})
	if _, ok := c.Transport.(*uaTransport).next.(*hookTransport); ok {
		t.Fatal("a client without Observe or Trace pays for the hook")
	}
}
