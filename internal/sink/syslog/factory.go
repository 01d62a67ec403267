package syslog

import (
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: syslog`.
var Factory = sink.NewFactory(config.Kind{
	Type: "syslog",
	// The same example as kafka's: messages take the first Kind's.
	Examples: map[string]string{"tls": "{enabled: true, ca: /etc/ssl/certs/ca.pem}"},
}, build)

// doctor dials what Endpoint names.
var _ sink.Endpoint = (*Config)(nil)

// build makes the sink from a copy of the loader's settings, which stay
// as they were read; CEF and LEEF headers name gatelog's version.
func build(name string, s *Config, d sink.Deps) (sink.Sink, error) {
	cfg := *s
	cfg.Name, cfg.Version = name, d.Version
	ss, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return ss, nil
}
