package config

import "time"

// Retry is a sink's own retry policy: a failed write is retried for that
// sink alone before the stream delivers the whole batch again.
type Retry struct {
	Attempts int      `yaml:"attempts"` // writes per batch, the first included
	Initial  Duration `yaml:"initial"`  // first wait
	Max      Duration `yaml:"max"`      // longest wait
}

func (r *Retry) applyDefaults() {
	r.Attempts = orDefault(r.Attempts, 3)
	r.Initial = orDefault(r.Initial, Duration(500*time.Millisecond))
	r.Max = orDefault(r.Max, Duration(10*time.Second))
}
