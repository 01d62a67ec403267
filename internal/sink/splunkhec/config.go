package splunkhec

import (
	"crypto/sha1" //nolint:gosec // a name-based (version 5) UUID is defined on SHA-1; nothing secret is hashed
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/sink"
)

// Defaults of the zero Config fields.
const (
	DefaultSourceType   = "gatelog:{vendor}:{stream}"
	DefaultSource       = "{source}/{stream}"
	DefaultBatchRecords = 1000
	DefaultBatchBytes   = 4 << 20
	DefaultTimeout      = config.Duration(time.Minute)
	DefaultAckTimeout   = config.Duration(2 * time.Minute)
	DefaultAckPoll      = config.Duration(time.Second)
)

// Config configures a Splunk HEC sink: the block of a `type: splunk_hec`
// sink (the fields with YAML keys) and what New takes. Zero values select
// the documented defaults (SetDefaults).
type Config struct {
	Name string `yaml:"-" json:"-"`
	// URL is the HEC base URL, e.g. https://splunk.example:8088. A URL
	// that already ends in /services/collector or /services/collector/event
	// is accepted too.
	URL   string        `yaml:"url"`
	Token config.Secret `yaml:"token"` // the HEC token
	// Index, SourceType and Source are templates over {source}, {stream}
	// and {vendor}. An empty Index is left out, so Splunk applies the
	// token's default index.
	Index      string `yaml:"index"`
	SourceType string `yaml:"sourcetype"` // default DefaultSourceType
	Source     string `yaml:"source"`     // default DefaultSource
	// Gzip compresses request bodies; nil means true, because security logs
	// compress about tenfold and HEC is usually across a WAN.
	Gzip *bool `yaml:"gzip"`
	// Ack waits for indexer acknowledgement: a Write succeeds only once
	// Splunk reports every request indexed, not merely received.
	Ack bool `yaml:"ack"`
	// Channel is the X-Splunk-Request-Channel GUID. Default: a UUID derived
	// from Name, so restarts keep one channel instead of leaking new ones.
	Channel    string          `yaml:"channel"`
	Host       string          `yaml:"host"`        // the events' host; empty: left out (the token's default)
	AckTimeout config.Duration `yaml:"ack_timeout"` // how long a Write waits for its acks; default 2m
	AckPoll    config.Duration `yaml:"ack_poll"`    // the interval of ack queries; default 1s
	// BatchRecords is events per request, default 1000; BatchBytes
	// uncompressed bytes per request, default 4 MiB.
	BatchRecords int `yaml:"batch_records"`
	BatchBytes   int `yaml:"batch_bytes"`
	// Timeout bounds one HTTP request, response included; default 1m.
	Timeout  config.Duration `yaml:"timeout"`
	Insecure bool            `yaml:"insecure"` // allow plain http to non-loopback hosts, skip TLS verification
	// Trace, when set, logs every request with credentials redacted.
	Trace *slog.Logger `yaml:"-" json:"-"`
}

// SetDefaults fills the zero fields. The channel is not among them: it
// is derived from Name, which the loader does not know.
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.SourceType = config.OrDefault(c.SourceType, DefaultSourceType)
	c.Source = config.OrDefault(c.Source, DefaultSource)
	c.BatchRecords = config.OrDefault(c.BatchRecords, DefaultBatchRecords)
	c.BatchBytes = config.OrDefault(c.BatchBytes, DefaultBatchBytes)
	c.Timeout = config.OrDefault(c.Timeout, DefaultTimeout)
	c.AckTimeout = config.OrDefault(c.AckTimeout, DefaultAckTimeout)
	c.AckPoll = config.OrDefault(c.AckPoll, DefaultAckPoll)
	if c.Gzip == nil {
		yes := true
		c.Gzip = &yes
	}
}

// Validate reports what the loader can tell is wrong; New checks the rest.
func (c *Config) Validate(ck *config.Check) {
	ck.HTTPURL("url", c.URL, c.Insecure)
	if c.Token == "" {
		ck.Fail("token", "required: a HEC token (use ${HEC_TOKEN})")
	}
}

// Endpoint is the host:port `gatelog doctor` connects to.
func (c *Config) Endpoint() (hostPort, skip string) { return sink.URLEndpoint(c.URL), "" }

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// withDefaults validates c and fills its zero fields. Every error is
// permanent: retrying cannot fix a configuration.
func (c Config) withDefaults() (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return c, errclass.Permanentf("splunk_hec sink %q: %s", c.Name, fmt.Sprintf(format, args...))
	}
	if err := httpx.CheckURL(c.URL, c.Insecure); err != nil {
		return fail("url: %v", err)
	}
	if c.Token == "" {
		return fail("token: required")
	}
	if c.BatchRecords < 0 || c.BatchBytes < 0 || c.Timeout < 0 || c.AckTimeout < 0 || c.AckPoll < 0 {
		return fail("batch sizes and durations must not be negative")
	}
	if c.Channel != "" && !guidRE.MatchString(c.Channel) {
		return fail("channel %q: Splunk requires a GUID such as 0a1b2c3d-0000-4000-8000-000000000000", c.Channel)
	}
	c.SetDefaults(nil)
	if c.Channel == "" && c.Ack {
		c.Channel = channelFor(c.Name)
	}
	c.URL = baseURL(c.URL)
	return c, nil
}

// baseURL strips an endpoint path the user may have pasted from Splunk's
// documentation, so that both forms of the URL work.
func baseURL(u string) string {
	u = strings.TrimRight(u, "/")
	for _, suffix := range []string{"/services/collector/event/1.0", "/services/collector/event", "/services/collector"} {
		if strings.HasSuffix(u, suffix) {
			return strings.TrimSuffix(u, suffix)
		}
	}
	return u
}

// channelFor derives a version 5 style UUID from the sink name: stable
// across restarts, distinct between sinks.
func channelFor(name string) string {
	sum := sha1.Sum([]byte("gatelog splunk_hec channel\x00" + name)) //nolint:gosec // see the import
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
