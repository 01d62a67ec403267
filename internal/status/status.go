// Package status keeps what the status page shows, fed by pipeline events,
// and renders the page. (Skeleton: the page is being written.)
package status

import (
	"net/http"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
)

// Board is the status page's view of every stream.
type Board struct {
	mu  sync.Mutex
	now func() time.Time
}

// New returns an empty board; now is its clock (time.Now when nil).
func New(now func() time.Time) *Board {
	if now == nil {
		now = time.Now
	}
	return &Board{now: now}
}

// Observe takes one pipeline event.
func (b *Board) Observe(e pipeline.Event) {}

// Handler serves the page.
func (b *Board) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>gatelog</title>"))
	})
}
