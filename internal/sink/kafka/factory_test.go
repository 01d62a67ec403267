package kafka

import (
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/sink"
)

// Settings made by the Kind and defaulted build a working sink that
// produces to the default topic; the loader's settings stay as read.
func TestFactoryBuildsASink(t *testing.T) {
	c := saslCluster(t)
	s := Factory.Kind.New()
	settings := s.(*Config)
	settings.Brokers = c.ListenAddrs()
	settings.SASL = SASLConfig{Mechanism: "PLAIN", Username: testUser, Password: testPassword}
	s.SetDefaults(nil)
	if settings.Topic != DefaultTopic || settings.ClientID != DefaultClientID || settings.Timeout != DefaultTimeout {
		t.Fatalf("defaults: %+v", settings)
	}
	built, err := Factory.New("events", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	recs := testRecs(streamA, 0, 3)
	mustWrite(t, built.(*Sink), streamA, recs)
	checkProduced(t, consumeTopic(t, c, streamTopic(streamA)), recs)
	if built.Name() != "events" || settings.Name != "" {
		t.Fatalf("sink %q; settings named %q", built.Name(), settings.Name)
	}
}

func TestEndpoint(t *testing.T) {
	c := Config{Brokers: []string{"kafka-1:9092", "kafka-2:9092"}}
	if hp, skip := c.Endpoint(); hp != "kafka-1:9092" || skip != "" {
		t.Errorf("Endpoint() = %q, %q", hp, skip)
	}
}

// Each check reports with its key and today's words.
func TestSettingsChecks(t *testing.T) {
	yaml := `sinks:
  - name: a
    type: kafka
    sasl: {mechanism: plain, username: u, password: p}
  - name: b
    type: kafka
    brokers: {first: kafka-1:9092}
    sasl: SCRAM
`
	kinds := configtest.Sinks(Factory.Kind)
	configtest.Expect(t, yaml, kinds,
		`gatelog.yaml:7: sinks[1].brokers: expected a list, not a mapping, e.g. brokers: [kafka-1:9092, kafka-2:9092]`,
		`gatelog.yaml:8: sinks[1].sasl: expected a mapping, e.g. sasl: {mechanism: SCRAM-SHA-512, username: gatelog, password: ${KAFKA_PASSWORD}}`,
	)
	configtest.Expect(t, yaml[:strings.Index(yaml, "  - name: b")], kinds,
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:2: sinks[0].brokers: required: at least one host:port`,
		`gatelog.yaml:4: sinks[0].sasl.mechanism: "plain" is not supported (allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`,
	)
}
