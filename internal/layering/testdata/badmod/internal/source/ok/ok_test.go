package ok

import (
	"testing"

	"example.com/badmod/internal/simulator/clean"
)

// A source's tests may run against a simulator.
func TestX(t *testing.T) { _ = clean.X }
