package memstate

import (
	"testing"

	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/statetest"
)

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		s := New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
