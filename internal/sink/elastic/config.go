package elastic

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
)

// Defaults of the zero Config fields.
const (
	DefaultIndex        = "gatelog-{source}-{stream}-{date}"
	DefaultBatchRecords = 1000
	DefaultBatchBytes   = 8 << 20
	DefaultTimeout      = time.Minute
	DefaultItemRetries  = 3
)

// DefaultRetryBackoff spaces the retries of refused items within a Write.
var DefaultRetryBackoff = retry.Backoff{Base: 500 * time.Millisecond, Max: 10 * time.Second}

// Config configures an Elasticsearch or OpenSearch sink. Zero values select
// the documented defaults.
type Config struct {
	Name string
	// URLs are nodes of one cluster, e.g. https://es1.example:9200.
	// Requests rotate over them and fail over on connection errors.
	URLs []string
	// APIKey is sent as "Authorization: ApiKey <key>": the base64 "encoded"
	// value Elasticsearch shows when it creates a key. A secret.
	APIKey string
	// Username and Password are HTTP basic credentials (Password is a
	// secret). Set these or APIKey, not both; neither for an open cluster.
	Username string
	Password string
	// Index is the target index template over {source}, {stream},
	// {vendor} and {date} (the record's UTC day, YYYY.MM.DD); default
	// DefaultIndex. Names are lowercased, as Elasticsearch requires.
	Index string
	// DataStream, instead of Index, names a data stream (a template without
	// {date}: the stream rolls over by itself). Each document gets
	// @timestamp either way.
	DataStream   string
	BatchRecords int  // documents per request; default 1000
	BatchBytes   int  // NDJSON bytes per request; default 8 MiB
	Insecure     bool // allow plain http to non-loopback hosts, skip TLS verification
	// Timeout bounds one HTTP request, response included; default 1m.
	Timeout time.Duration
	// Trace, when set, logs every request with credentials redacted.
	Trace *slog.Logger
	// Quarantine receives each record Elasticsearch rejects as a document
	// (400: mapper_parsing_exception and the like), with the reason; the
	// batch then succeeds without it. nil: such a rejection fails the
	// batch permanently, because retrying the same document cannot help.
	Quarantine func(rec record.Record, reason string) error
	// ItemRetries is how often, within one Write, the documents refused
	// with 429 or 5xx are sent again before the Write fails; default 3.
	ItemRetries  int
	RetryBackoff retry.Backoff // between those retries; default DefaultRetryBackoff
}

// withDefaults validates c and fills its zero fields. Every error is
// permanent: retrying cannot fix a configuration.
func (c Config) withDefaults() (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return c, errclass.Permanentf("elasticsearch sink %q: %s", c.Name, fmt.Sprintf(format, args...))
	}
	if len(c.URLs) == 0 {
		return fail("url: required")
	}
	c.URLs = slices.Clone(c.URLs) // trimmed below: the caller's slice stays as it was
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
	if c.DataStream == "" && c.Index == "" {
		c.Index = DefaultIndex
	}
	c.BatchRecords = orDefault(c.BatchRecords, DefaultBatchRecords)
	c.BatchBytes = orDefault(c.BatchBytes, DefaultBatchBytes)
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	c.ItemRetries = orDefault(c.ItemRetries, DefaultItemRetries)
	c.RetryBackoff = orDefault(c.RetryBackoff, DefaultRetryBackoff)
	return c, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
