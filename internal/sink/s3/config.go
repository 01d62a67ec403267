package s3

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/sink"
)

// Defaults of the zero Config fields, and the part size limits of S3.
const (
	DefaultEndpoint = "s3.amazonaws.com"
	DefaultPartSize = 16 << 20
	DefaultTimeout  = config.Duration(5 * time.Minute)
	MinPartSize     = 5 << 20
	MaxPartSize     = 5 << 30
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
}

// SetDefaults fills the zero fields.
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.APIEndpoint = config.OrDefault(c.APIEndpoint, DefaultEndpoint)
	c.PartSize = config.OrDefault(c.PartSize, DefaultPartSize)
	c.Timeout = config.OrDefault(c.Timeout, DefaultTimeout)
}

// Validate reports what the loader can tell is wrong; New checks the rest.
func (c *Config) Validate(ck *config.Check) {
	if c.Bucket == "" {
		ck.Fail("bucket", "required")
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		ck.Fail("", "access_key_id and secret_access_key go together")
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
