package splunkhec

import (
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: splunk_hec`.
var Factory = sink.NewFactory(config.Kind{Type: "splunk_hec"}, build)

// doctor dials what Endpoint names.
var _ sink.Endpoint = (*Config)(nil)

// build makes the sink from a copy of the loader's settings, which stay
// as they were read.
func build(name string, s *Config, d sink.Deps) (sink.Sink, error) {
	cfg := *s
	cfg.Name, cfg.Trace = name, d.Trace
	hs, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return hs, nil
}
