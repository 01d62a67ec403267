package kafka

import (
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: kafka`.
var Factory = sink.NewFactory(config.Kind{
	Type: "kafka",
	Examples: map[string]string{
		"brokers": "[kafka-1:9092, kafka-2:9092]",
		"tls":     "{enabled: true, ca: /etc/ssl/certs/ca.pem}",
		"sasl":    "{mechanism: SCRAM-SHA-512, username: gatelog, password: ${KAFKA_PASSWORD}}",
	},
}, build)

// doctor dials what Endpoint names.
var _ sink.Endpoint = (*Config)(nil)

// build makes the sink from a copy of the loader's settings, which stay
// as they were read.
func build(name string, s *Config, _ sink.Deps) (sink.Sink, error) {
	cfg := *s
	cfg.Name = name
	ks, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return ks, nil
}
