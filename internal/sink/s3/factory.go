package s3

import (
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: s3`.
var Factory = sink.NewFactory(config.Kind{Type: "s3"}, build)

// doctor dials what Endpoint names.
var _ sink.Endpoint = (*Config)(nil)

// build makes the sink from a copy of the loader's settings, which stay
// as they were read.
func build(name string, s *Config, _ sink.Deps) (sink.Sink, error) {
	cfg := *s
	cfg.Name = name
	ss, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return ss, nil
}
