package elastic

import (
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: elasticsearch`.
var Factory = sink.NewFactory(config.Kind{
	Type:     "elasticsearch",
	Examples: map[string]string{"urls": "[https://es-1:9200, https://es-2:9200]"},
}, build)

// doctor dials what Endpoint names.
var _ sink.Endpoint = (*Config)(nil)

// build makes the sink from a copy of the loader's settings, which stay
// as they were read; documents the cluster refuses go to d.Reject.
func build(name string, s *Config, d sink.Deps) (sink.Sink, error) {
	cfg := *s
	cfg.Name, cfg.Trace, cfg.Quarantine, cfg.Schema = name, d.Trace, d.Reject, d.Schema
	es, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return es, nil
}
