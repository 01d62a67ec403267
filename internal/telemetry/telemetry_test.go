package telemetry

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/testutil"
)

func readyz(t *testing.T, m *Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(HandlerOptions{Poll: 5 * time.Minute}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code, rec.Body.String()
}

// /readyz: ready while every stream succeeded within two poll intervals or
// waits on a known throttle; a stale or failed stream makes it 503.
func TestReadyz(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	m := New("v", "c")
	m.now = clk.Now
	a := record.StreamID{Source: "acme", Stream: "admin"}
	b := record.StreamID{Source: "acme", Stream: "access"}
	m.Observe(pipeline.Event{ID: a, Kind: pipeline.EventCaughtUp})
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventDelivered, Records: 3, EventTime: clk.Now()})
	if code, _ := readyz(t, m); code != 200 {
		t.Fatalf("fresh streams: %d", code)
	}
	clk.Advance(11 * time.Minute)
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventWaiting, Until: clk.Now().Add(time.Hour)})
	code, body := readyz(t, m)
	if code != 503 || !strings.Contains(body, "acme/admin") || strings.Contains(body, "acme/access") {
		t.Fatalf("stale admin, throttled access: %d %q", code, body)
	}
	m.Observe(pipeline.Event{ID: a, Kind: pipeline.EventCaughtUp})
	m.Observe(pipeline.Event{ID: b, Kind: pipeline.EventFailed, Err: errors.New("401")})
	if code, body := readyz(t, m); code != 503 || !strings.Contains(body, "acme/access (failed)") {
		t.Fatalf("failed stream: %d %q", code, body)
	}
}
