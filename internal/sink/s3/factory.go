package s3

import (
	"slices"
	"strings"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: s3`.
var Factory = sink.NewFactory(config.Kind{Type: "s3"}, build)

// doctor dials what Endpoint names.
var _ sink.Endpoint = (*Config)(nil)

// build makes the sink from a copy of the loader's settings, which stay
// as they were read; records the Parquet format cannot file go to
// d.Reject.
func build(name string, s *Config, d sink.Deps) (sink.Sink, error) {
	cfg := *s
	cfg.Name, cfg.Quarantine, cfg.Version = name, d.Reject, d.Version
	if allowed, why := cfg.Schemas(); d.Schema != "" && !slices.Contains(allowed, d.Schema) {
		// The loader already refuses this; a sink built in code may not.
		return nil, errclass.Permanentf("s3 sink %q: schema %q cannot be written with format %s (allowed: %s): %s",
			name, d.Schema, cfg.Format, strings.Join(allowed, ", "), why)
	}
	ss, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return ss, nil
}
