package sink

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLifecycle(t *testing.T) {
	l := NewLifecycle()
	ctx, done, err := l.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if !l.Close() || l.Close() {
		t.Fatal("Close must report true once, then false")
	}
	select { // AfterFunc cancels on its own goroutine
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not cancel the Write in flight")
	}
	if _, _, err := l.Begin(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close: %v", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := NewLifecycle().Begin(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Begin on a done context: %v", err)
	}
}
