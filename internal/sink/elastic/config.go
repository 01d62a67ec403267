package elastic

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
)

// Defaults of the zero Config fields.
const (
	DefaultIndex = "gatelog-{source}-{stream}-{date}"
	// DefaultECSDataStream is where ECS documents go unless index or
	// data_stream says otherwise: Elastic's naming, logs-<dataset>-<namespace>,
	// with the dataset the documents' event.dataset (gatelog.<stream>).
	DefaultECSDataStream = "logs-gatelog.{stream}-default"
	DefaultBatchRecords  = 1000
	DefaultBatchBytes    = 8 << 20
	DefaultTimeout       = config.Duration(time.Minute)
	DefaultItemRetries   = 3
)

// DefaultRetryBackoff spaces the retries of refused items within a Write.
var DefaultRetryBackoff = retry.Backoff{Base: 500 * time.Millisecond, Max: 10 * time.Second}

// Config configures an Elasticsearch or OpenSearch sink: the block of a
// `type: elasticsearch` sink (the fields with YAML keys) and what New
// takes. Zero values select the documented defaults (SetDefaults).
type Config struct {
	Name string `yaml:"-" json:"-"`
	// URL is the one node of a cluster, e.g. https://es1.example:9200;
	// URLs, instead, several nodes of one cluster. Requests rotate over
	// them and fail over on connection errors.
	URL  string   `yaml:"url"`
	URLs []string `yaml:"urls"`
	// APIKey is sent as "Authorization: ApiKey <key>": the base64 "encoded"
	// value Elasticsearch shows when it creates a key.
	APIKey config.Secret `yaml:"api_key"`
	// Username and Password are HTTP basic credentials. Set these or
	// APIKey, not both; neither for an open cluster.
	Username string        `yaml:"username"`
	Password config.Secret `yaml:"password"`
	// Index is the target index template over {source}, {stream},
	// {vendor} and {date} (the record's UTC day, YYYY.MM.DD); default
	// DefaultIndex, or with schema ecs the data stream
	// DefaultECSDataStream. Names are lowercased, as Elasticsearch requires.
	Index string `yaml:"index"`
	// DataStream, instead of Index, names a data stream (a template without
	// {date}: the stream rolls over by itself). Each document gets
	// @timestamp either way.
	DataStream   string `yaml:"data_stream"`
	BatchRecords int    `yaml:"batch_records"` // documents per request; default 1000
	BatchBytes   int    `yaml:"batch_bytes"`   // NDJSON bytes per request; default 8 MiB
	// Timeout bounds one HTTP request, response included; default 1m.
	Timeout  config.Duration `yaml:"timeout"`
	Insecure bool            `yaml:"insecure"` // allow plain http to non-loopback hosts, skip TLS verification
	// Trace, when set, logs every request with credentials redacted.
	Trace *slog.Logger `yaml:"-" json:"-"`
	// Schema is what the sink receives (sink.Deps.Schema): it picks the
	// default destination.
	Schema string `yaml:"-" json:"-"`
	// Quarantine receives each record Elasticsearch rejects as a document
	// (400: mapper_parsing_exception and the like), with the reason; the
	// batch then succeeds without it. nil: such a rejection fails the
	// batch permanently, because retrying the same document cannot help.
	Quarantine func(rec record.Record, reason string) error `yaml:"-" json:"-"`
	// ItemRetries is how often, within one Write, the documents refused
	// with 429 or 5xx are sent again before the Write fails; default 3.
	ItemRetries  int           `yaml:"-" json:"-"`
	RetryBackoff retry.Backoff `yaml:"-" json:"-"` // between those retries; default DefaultRetryBackoff
}

// SetDefaults fills the zero fields. The destination's default depends
// on the schema, which the sink learns when it is built (withDefaults).
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.BatchRecords = config.OrDefault(c.BatchRecords, DefaultBatchRecords)
	c.BatchBytes = config.OrDefault(c.BatchBytes, DefaultBatchBytes)
	c.Timeout = config.OrDefault(c.Timeout, DefaultTimeout)
	c.ItemRetries = config.OrDefault(c.ItemRetries, DefaultItemRetries)
	c.RetryBackoff = config.OrDefault(c.RetryBackoff, DefaultRetryBackoff)
}

// Validate reports what the loader can tell is wrong; New checks the rest.
func (c *Config) Validate(ck *config.Check) {
	switch {
	case c.URL != "" && len(c.URLs) > 0:
		ck.Fail("urls", "set either url or urls, not both")
	case len(c.URLs) > 0:
		for i, u := range c.URLs {
			ck.HTTPURL("urls["+strconv.Itoa(i)+"]", u, c.Insecure)
		}
	default:
		ck.HTTPURL("url", c.URL, c.Insecure)
	}
	if c.APIKey != "" && c.Username != "" {
		ck.Fail("", "set either api_key or username and password, not both")
	}
	if c.DataStream != "" && c.Index != "" {
		ck.Fail("index", "set either index or data_stream, not both")
	}
}

// Endpoint is the host:port of the first node, which `gatelog doctor`
// connects to.
func (c *Config) Endpoint() (hostPort, skip string) {
	if u := c.nodes(); len(u) > 0 {
		return sink.URLEndpoint(u[0]), ""
	}
	return "", "no url"
}

// nodes is URL as a one-node list, or URLs.
func (c *Config) nodes() []string {
	if c.URL != "" {
		return []string{c.URL}
	}
	return c.URLs
}

// withDefaults validates c and fills its zero fields. Every error is
// permanent: retrying cannot fix a configuration.
func (c Config) withDefaults() (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return c, errclass.Permanentf("elasticsearch sink %q: %s", c.Name, fmt.Sprintf(format, args...))
	}
	if c.URL != "" && len(c.URLs) > 0 {
		return fail("set either url or urls, not both")
	}
	c.URLs, c.URL = slices.Clone(c.nodes()), "" // trimmed below: the caller's slice stays as it was
	if len(c.URLs) == 0 {
		return fail("url: required")
	}
	for i, u := range c.URLs {
		if err := httpx.CheckURL(u, c.Insecure); err != nil {
			return fail("url: %v", err)
		}
		c.URLs[i] = strings.TrimRight(u, "/")
	}
	switch {
	case c.APIKey != "" && (c.Username != "" || c.Password != ""):
		return fail("set either api_key or username and password, not both")
	case c.Password != "" && c.Username == "":
		return fail("password without username")
	case c.Index != "" && c.DataStream != "":
		return fail("set either index or data_stream, not both")
	case c.BatchRecords < 0 || c.BatchBytes < 0 || c.Timeout < 0 || c.ItemRetries < 0:
		return fail("batch sizes, durations and retries must not be negative")
	}
	c.SetDefaults(nil)
	switch {
	case c.Index != "" || c.DataStream != "":
	case c.Schema == "ecs":
		c.DataStream = DefaultECSDataStream
	default:
		c.Index = DefaultIndex
	}
	return c, nil
}
