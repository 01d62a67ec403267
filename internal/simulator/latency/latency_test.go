package latency

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if !Wait(r, 0) || !Wait(r, time.Millisecond) {
		t.Fatal("a client still there was not answered")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Wait(r.WithContext(ctx), time.Hour) {
		t.Fatal("answered a client that had gone")
	}
}
