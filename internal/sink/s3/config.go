package s3

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// Defaults of the zero Config fields, and the part size limits of S3.
const (
	DefaultEndpoint = "s3.amazonaws.com"
	DefaultPartSize = 16 << 20
	DefaultTimeout  = config.Duration(5 * time.Minute)
	MinPartSize     = 5 << 20
	MaxPartSize     = 5 << 30

	DefaultMaxObjectRecords = 100_000
	MaxMaxObjectRecords     = 10_000_000
	DefaultMaxObjectBytes   = 64 << 20
	MinMaxObjectBytes       = 64 << 10
	MaxMaxObjectBytes       = 5 << 30
)

// The formats objects are written in (Config.Format).
const (
	FormatJSON    = "json"    // gzip'd JSON Lines, per stream and hour, with manifests
	FormatParquet = "parquet" // Amazon Security Lake custom sources: OCSF in Parquet
)

// requestAttempts is how often minio-go tries one request (with its own
// short backoff) before the Write fails and the pipeline retries the batch
// with its longer one.
const requestAttempts = 3

// Config configures an S3 sink: the block of a `type: s3` sink (the fields
// with YAML keys) and what New takes. Zero values select the documented
// defaults (SetDefaults); New rejects everything else that is out of range.
type Config struct {
	Name   string `yaml:"-" json:"-"`
	Bucket string `yaml:"bucket"`
	// Prefix starts every key, as is: end it with "/" to get a folder.
	Prefix string `yaml:"prefix"`
	// APIEndpoint is host[:port] of the S3 API, default DefaultEndpoint. An
	// https:// URL is accepted too, and http:// with Insecure. (Not named
	// Endpoint: that is the method `gatelog doctor` asks.)
	APIEndpoint string `yaml:"endpoint"`
	// Region of the bucket (us-east-1...). Empty: asked from the bucket,
	// an extra request that needs s3:GetBucketLocation.
	Region string `yaml:"region"`
	// AccessKeyID and SecretAccessKey are static credentials; set both, or
	// neither to use the AWS environment variables, ~/.aws/credentials or
	// the instance's IAM role, in that order.
	AccessKeyID     string        `yaml:"access_key_id"`
	SecretAccessKey config.Secret `yaml:"secret_access_key"`
	// UsePathStyle puts the bucket in the path (https://host/bucket/key),
	// as most S3-compatible servers want. false: minio-go decides (virtual
	// host style on AWS, path style elsewhere).
	UsePathStyle bool `yaml:"use_path_style"`
	// Insecure talks plain http: for a local S3-compatible server only.
	Insecure bool `yaml:"insecure"`
	// PartSize is the size of multipart upload parts, default 16 MiB:
	// objects up to it go in one PUT. 5 MiB to 5 GiB.
	PartSize int64 `yaml:"part_size"`
	// Timeout bounds a Write, every object of the batch included; default
	// 5 minutes.
	Timeout config.Duration `yaml:"timeout"`

	// Format is FormatJSON (the default) or FormatParquet.
	Format string `yaml:"format"`
	// AccountID is the 12-digit AWS account of the Security Lake, the
	// accountId= folder of every key (parquet only, required there).
	// Region is the region= folder and is required with parquet.
	AccountID string `yaml:"account_id"`
	// SourceNames name the Security Lake custom source of an OCSF class
	// (parquet only); a class without one goes to DefaultSourceName.
	SourceNames []SourceName `yaml:"source_names"`
	// MaxObjectRecords bounds the records (rows) of one object, default
	// 100,000.
	MaxObjectRecords int `yaml:"max_object_records"`
	// MaxObjectBytes bounds the size of one object as stored, default 64
	// MiB, 64 KiB to 5 GiB. Only an object of a single record larger than
	// it exceeds it.
	MaxObjectBytes int64 `yaml:"max_object_bytes"`

	// Quarantine receives each record the parquet format cannot store (no
	// OCSF event, or an event without a class_uid), with the reason; the
	// rest of the batch is stored. nil: such a record fails the batch.
	Quarantine func(rec record.Record, reason string) error `yaml:"-" json:"-"`
	// Version is gatelog's, for the Parquet files' created_by.
	Version string `yaml:"-" json:"-"`
}

// SourceName is the custom source an OCSF class goes to:
// `{class: 4002, name: my-http}`. (A list, not a map keyed by class: the
// configuration loader takes no maps.)
type SourceName struct {
	Class int    `yaml:"class"`
	Name  string `yaml:"name"`
}

// Schemas says what the sink can store: anything as JSON Lines, OCSF only
// as Parquet (config.SchemaLimited).
func (c *Config) Schemas() (allowed []string, why string) {
	if c.Format == FormatParquet {
		return []string{normalize.OCSF}, "Security Lake stores OCSF"
	}
	return normalize.Schemas(), ""
}

var _ config.SchemaLimited = (*Config)(nil)

// SetDefaults fills the zero fields.
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.APIEndpoint = config.OrDefault(c.APIEndpoint, DefaultEndpoint)
	c.PartSize = config.OrDefault(c.PartSize, DefaultPartSize)
	c.Timeout = config.OrDefault(c.Timeout, DefaultTimeout)
	c.Format = config.OrDefault(c.Format, FormatJSON)
	c.MaxObjectRecords = config.OrDefault(c.MaxObjectRecords, DefaultMaxObjectRecords)
	c.MaxObjectBytes = config.OrDefault(c.MaxObjectBytes, DefaultMaxObjectBytes)
}

// Validate reports what the loader can tell is wrong; New checks the rest.
func (c *Config) Validate(ck *config.Check) {
	if c.Bucket == "" {
		ck.Fail("bucket", "required")
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		ck.Fail("", "access_key_id and secret_access_key go together")
	}
	c.check(func(key, msg string) { ck.Fail(key, "%s", msg) }, ck.Show)
}

var (
	accountPattern    = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern     = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$`)
	sourceNamePattern = regexp.MustCompile(`^[A-Za-z0-9_\-:.]{1,64}$`) // Security Lake's sourceName
)

// check reports the problems of the keys the loader's Validate and New
// both check, once for both: format, the Security Lake keys and the
// object bounds. Keys are those of the YAML block; show formats a key's
// value for a message (the loader hides values from the environment).
func (c *Config) check(fail func(key, msg string), show func(key string, value any) string) {
	switch c.Format {
	case FormatJSON, FormatParquet:
	default:
		fail("format", fmt.Sprintf("%s is not a format (allowed: %s, %s)", show("format", c.Format), FormatJSON, FormatParquet))
	}
	if c.Format == FormatParquet {
		c.checkLake(fail, show)
	} else {
		if c.AccountID != "" {
			fail("account_id", "only with format: parquet (the Security Lake layout)")
		}
		if len(c.SourceNames) > 0 {
			fail("source_names", "only with format: parquet (the Security Lake layout)")
		}
	}
	if c.MaxObjectRecords < 1 || c.MaxObjectRecords > MaxMaxObjectRecords {
		fail("max_object_records", fmt.Sprintf("%s is out of range 1..%d", show("max_object_records", c.MaxObjectRecords), MaxMaxObjectRecords))
	}
	if c.MaxObjectBytes < MinMaxObjectBytes || c.MaxObjectBytes > MaxMaxObjectBytes {
		fail("max_object_bytes", fmt.Sprintf("%s is out of range %d (64 KiB) to %d (5 GiB)", show("max_object_bytes", c.MaxObjectBytes), MinMaxObjectBytes, int64(MaxMaxObjectBytes)))
	}
}

// checkLake checks the Security Lake keys of format parquet.
func (c *Config) checkLake(fail func(key, msg string), show func(key string, value any) string) {
	switch {
	case c.Region == "":
		fail("region", "required with format: parquet (the region of the Security Lake, e.g. us-east-1)")
	case !regionPattern.MatchString(c.Region):
		fail("region", fmt.Sprintf("%s is not an AWS region (e.g. us-east-1)", show("region", c.Region)))
	}
	switch {
	case c.AccountID == "":
		fail("account_id", "required with format: parquet (the 12-digit AWS account of the Security Lake)")
	case !accountPattern.MatchString(c.AccountID):
		fail("account_id", fmt.Sprintf("%s: want the 12 digits of an AWS account id", show("account_id", c.AccountID)))
	}
	seen := map[int]bool{}
	for i, sn := range c.SourceNames {
		at := fmt.Sprintf("source_names[%d]", i)
		switch {
		case sn.Class < 0 || sn.Class > maxClassUID:
			fail(at+".class", fmt.Sprintf("%s is not an OCSF class_uid (0 to %d)", show(at+".class", sn.Class), maxClassUID))
		case seen[sn.Class]:
			fail(at+".class", fmt.Sprintf("class %d is named twice", sn.Class))
		}
		seen[sn.Class] = true
		if !sourceNamePattern.MatchString(sn.Name) {
			fail(at+".name", fmt.Sprintf("%s is not a Security Lake source name: 1 to 64 of A-Z a-z 0-9 _ - : .", show(at+".name", sn.Name)))
		}
	}
}

// Endpoint is the host:port of the S3 API, which `gatelog doctor`
// connects to: https, or plain http with Insecure.
func (c *Config) Endpoint() (hostPort, skip string) {
	host, err := parseEndpoint(c.APIEndpoint, c.Insecure)
	if err != nil {
		host = c.APIEndpoint // the dial then fails naming it
	}
	if c.Insecure {
		return sink.URLEndpoint("http://" + host), ""
	}
	return sink.URLEndpoint("https://" + host), ""
}

// withDefaults validates c and fills its zero fields. Every error is
// permanent: retrying cannot fix a configuration.
func (c Config) withDefaults() (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return c, errclass.Permanentf("s3 sink %q: %s", c.Name, fmt.Sprintf(format, args...))
	}
	if c.Bucket == "" {
		return fail("bucket: required")
	}
	c.SetDefaults(nil)
	endpoint, err := parseEndpoint(c.APIEndpoint, c.Insecure)
	if err != nil {
		return fail("endpoint: %v", err)
	}
	c.APIEndpoint = endpoint
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return fail("access key id and secret access key go together: set both, or neither to use the AWS environment or instance role")
	}
	if c.PartSize < MinPartSize || c.PartSize > MaxPartSize {
		return fail("part size %d: want %d (5 MiB) to %d (5 GiB)", c.PartSize, MinPartSize, MaxPartSize)
	}
	if c.Timeout < 0 {
		return fail("timeout must not be negative")
	}
	if strings.HasPrefix(c.Prefix, "/") {
		return fail("prefix %q: keys do not start with a slash", c.Prefix)
	}
	var problems []string
	c.check(func(key, msg string) { problems = append(problems, key+": "+msg) }, func(_ string, v any) string {
		if s, ok := v.(string); ok {
			return strconv.Quote(s)
		}
		return fmt.Sprint(v)
	})
	if len(problems) > 0 {
		return fail("%s", strings.Join(problems, "; "))
	}
	return c, nil
}

// parseEndpoint returns host[:port] from a host or a URL. A plain http URL
// requires insecure, so that TLS is never dropped by a typo.
func parseEndpoint(e string, insecure bool) (string, error) {
	if !strings.Contains(e, "://") {
		scheme := "https://"
		if insecure {
			scheme = "http://"
		}
		e = scheme + e
	}
	u, err := url.Parse(e)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q: want host[:port] or an http(s) URL", e)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "", u.Path != "" && u.Path != "/", u.User != nil, u.RawQuery != "":
		return "", fmt.Errorf("%q: want host[:port] or an http(s) URL without path, user or query", e)
	case u.Scheme == "http" && !insecure:
		return "", fmt.Errorf("%q is plain http: set insecure to allow it", e)
	case u.Scheme == "https" && insecure:
		return "", fmt.Errorf("%q is https but insecure is set: insecure selects plain http", e)
	}
	return u.Host, nil
}

// client builds the minio-go client for a validated config.
func (c Config) client() (*minio.Client, error) {
	creds := credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey.Value(), "")
	if c.AccessKeyID == "" {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{},
		})
	}
	lookup := minio.BucketLookupAuto
	if c.UsePathStyle {
		lookup = minio.BucketLookupPath
	}
	return minio.New(c.APIEndpoint, &minio.Options{
		Creds: creds, Secure: !c.Insecure, Region: c.Region, BucketLookup: lookup, MaxRetries: requestAttempts,
	})
}
