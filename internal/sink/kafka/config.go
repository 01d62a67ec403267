package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
)

// Defaults of the zero Config fields.
const (
	DefaultTopic    = "gatelog.{source}.{stream}"
	DefaultClientID = "gatelog"
	DefaultTimeout  = config.Duration(30 * time.Second)
)

// Config configures a Kafka sink: the block of a `type: kafka` sink (the
// fields with YAML keys) and what New takes. Zero values select the
// documented defaults (SetDefaults); New rejects everything else that is
// out of range.
type Config struct {
	Name    string   `yaml:"-" json:"-"`
	Brokers []string `yaml:"brokers"` // seed brokers, host:port; the rest are discovered
	// Topic is a template over {source}, {stream} and {vendor}; default
	// DefaultTopic. {vendor} splits a stream over two topics when its
	// records come from two vendors: each topic then keeps its own share
	// in order, but no order holds across them.
	Topic    string `yaml:"topic"`
	ClientID string `yaml:"client_id"` // default DefaultClientID
	// TLS dials brokers with TLS when Enabled; every other field requires
	// it. CA defaults to the system roots, ServerName to the host of each
	// broker dialed.
	TLS  config.TLSFiles `yaml:"tls"`
	SASL SASLConfig      `yaml:"sasl"`
	// Insecure accepts any broker certificate (TLS only). Only for tests
	// and labs: anyone on the path can then read and forge the logs.
	Insecure bool `yaml:"insecure"`
	// Timeout bounds a Write: records not acknowledged by then fail the
	// Write (retryably). Default DefaultTimeout.
	Timeout config.Duration `yaml:"timeout"`
}

// SASLConfig selects SASL authentication. An empty Mechanism: none.
type SASLConfig struct {
	Mechanism string        `yaml:"mechanism"` // "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"
	Username  string        `yaml:"username"`
	Password  config.Secret `yaml:"password"`
}

// SetDefaults fills the zero fields.
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.Topic = config.OrDefault(c.Topic, DefaultTopic)
	c.ClientID = config.OrDefault(c.ClientID, DefaultClientID)
	c.Timeout = config.OrDefault(c.Timeout, DefaultTimeout)
}

// Validate reports what the loader can tell is wrong; New checks the rest.
func (c *Config) Validate(ck *config.Check) {
	if len(c.Brokers) == 0 {
		ck.Fail("brokers", "required: at least one host:port")
	}
	if c.SASL != (SASLConfig{}) {
		ck.OneOf("sasl.mechanism", c.SASL.Mechanism, []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
	}
}

// Endpoint is the first seed broker, which `gatelog doctor` connects to.
func (c *Config) Endpoint() (hostPort, skip string) {
	if len(c.Brokers) == 0 {
		return "", "no brokers"
	}
	return c.Brokers[0], ""
}

// topic placeholders and the bytes a Kafka topic name may hold.
var placeholders = []string{"{source}", "{stream}", "{vendor}"}

const (
	topicChars   = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
	maxTopicName = 249
)

// withDefaults validates c and fills its zero fields. Every error is
// permanent: retrying cannot fix a configuration.
func (c Config) withDefaults() (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return c, errclass.Permanentf("kafka sink %q: %s", c.Name, fmt.Sprintf(format, args...))
	}
	if len(c.Brokers) == 0 {
		return fail("brokers: at least one host:port is required")
	}
	for _, b := range c.Brokers {
		if host, port, err := net.SplitHostPort(b); err != nil || host == "" || port == "" {
			return fail("broker %q: want host:port", b)
		}
	}
	c.SetDefaults(nil)
	if err := checkTemplate(c.Topic); err != nil {
		return fail("topic %q: %v", c.Topic, err)
	}
	if c.Timeout < 0 {
		return fail("timeout must not be negative")
	}
	if !c.TLS.Enabled && (c.TLS != (config.TLSFiles{}) || c.Insecure) {
		return fail("tls settings are given but tls is not enabled: set tls enabled")
	}
	c.SASL.Mechanism = strings.ToUpper(c.SASL.Mechanism)
	if _, err := c.SASL.mechanism(); err != nil {
		return fail("sasl: %v", err)
	}
	return c, nil
}

// checkTemplate accepts literal topic characters and the placeholders:
// whatever the names, a literal mistake is then caught at start-up.
func checkTemplate(tmpl string) error {
	rest := tmpl
	for _, p := range placeholders {
		rest = strings.ReplaceAll(rest, p, "")
	}
	if i := strings.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(topicChars, r) }); i >= 0 {
		return fmt.Errorf("%q is neither a topic character (a-z A-Z 0-9 . _ -) nor part of {source}, {stream}, {vendor}", rest[i:i+1])
	}
	return nil
}

// checkTopic rejects a rendered topic Kafka would refuse, naming it: the
// source and stream names come from elsewhere in the configuration.
func checkTopic(topic string) error {
	switch {
	case topic == "" || topic == "." || topic == "..":
		return fmt.Errorf("topic %q is not a valid Kafka topic name", topic)
	case len(topic) > maxTopicName:
		return fmt.Errorf("topic %q is longer than %d characters", topic, maxTopicName)
	case strings.Trim(topic, topicChars) != "":
		return fmt.Errorf("topic %q holds characters Kafka does not allow (a-z A-Z 0-9 . _ -): change the topic template or the source or stream name", topic)
	}
	return nil
}

// mechanism builds the SASL mechanism; nil without SASL.
func (c SASLConfig) mechanism() (sasl.Mechanism, error) {
	if c.Mechanism == "" {
		if c.Username != "" || c.Password != "" {
			return nil, errors.New("username or password given without a mechanism: set PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
		}
		return nil, nil
	}
	if c.Username == "" || c.Password == "" {
		return nil, fmt.Errorf("mechanism %s needs a username and a password", c.Mechanism)
	}
	switch c.Mechanism {
	case "PLAIN":
		return plain.Auth{User: c.Username, Pass: c.Password.Value()}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: c.Username, Pass: c.Password.Value()}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: c.Username, Pass: c.Password.Value()}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.Mechanism)
}

// clientOpts turns a validated config into franz-go options.
func (c Config) clientOpts() ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(c.ClientID),
		// Acknowledged only once every in-sync replica has the record:
		// a leader failing right after its ack cannot lose it.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Idempotence stays on (the default); this only lets a done
		// context or Timeout fail records whose request is in flight.
		// Without it a Write waits, past any deadline, for a broker that
		// may never answer. Such a batch is retried by the pipeline, so
		// it may land twice: at-least-once, as documented.
		kgo.AllowIdempotentProduceCancellation(),
		kgo.RecordPartitioner(streamPartitioner()),
		// Brokers with auto.create.topics.enable create missing topics;
		// the others answer UNKNOWN_TOPIC_OR_PARTITION, a permanent error.
		kgo.AllowAutoTopicCreation(),
	}
	mech, err := c.SASL.mechanism()
	if err != nil {
		return nil, err
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	if c.TLS.Enabled {
		tc, err := buildTLS(c.TLS, c.Insecure)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	return opts, nil
}

// buildTLS loads the files named in c once, at New, so that a missing or
// malformed file stops the sink at start-up. Errors name files, never
// their content. insecure skips verifying the brokers.
func buildTLS(c config.TLSFiles, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: insecure} //nolint:gosec // opt-in, documented as lab only
	if c.CA != "" {
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, fmt.Errorf("tls ca file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca file %s: no PEM certificate in it", c.CA)
		}
	}
	if (c.Cert == "") != (c.Key == "") {
		return nil, errors.New("tls client certificate and key go together: set both files or neither")
	}
	if c.Cert != "" {
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate %s / key %s: %s", c.Cert, c.Key, keyPairProblem(err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// keyPairProblem describes a LoadX509KeyPair failure. File errors name no
// key bytes; anything else gets a fixed text rather than being trusted
// not to quote the input.
func keyPairProblem(err error) string {
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Error()
	}
	return "cannot be parsed as a PEM certificate and matching private key"
}
