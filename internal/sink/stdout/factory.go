package stdout

import (
	"os"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Config is the block of a `type: stdout` sink: it has no keys of its own
// (name, type and retry are the loader's).
type Config struct{}

// SetDefaults has nothing to fill.
func (*Config) SetDefaults(func(string) (string, bool)) {}

// Validate has nothing to check.
func (*Config) Validate(*config.Check) {}

// Factory makes the sinks of `type: stdout`.
var Factory = sink.NewFactory(config.Kind{Type: "stdout"}, build)

// build writes to d.Stdout, the process's standard output when unset.
func build(name string, _ *Config, d sink.Deps) (sink.Sink, error) {
	w := d.Stdout
	if w == nil {
		w = os.Stdout
	}
	return New(name, w), nil
}
