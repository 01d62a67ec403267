package symantec

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
)

// Cloud SWG (WSS) defaults and limits; see docs/symantec-cloud-swg-api.md.
const (
	DefaultBaseURL      = "https://portal.threatpulse.com"
	DefaultStart        = config.Duration(24 * time.Hour)
	DefaultPollInterval = config.Duration(5 * time.Minute)
	// MinPollInterval is Broadcom's guidance for polling new data
	// (KB 232689, KB 174730); only `more` loops at once.
	MinPollInterval = config.Duration(5 * time.Minute)
	// Archives of a catch-up can be GBs; RELAY waits 1800 s for one.
	DefaultRequestTimeout = config.Duration(30 * time.Minute)
	// MaxStart: access logs are kept 100 days (KB 171420).
	MaxStart = config.Duration(100 * 24 * time.Hour)
	// DefaultBatchBytes bounds the records' JSON in one batch: two batches
	// are in memory at once (one written, one built; see chunkPool), so
	// this keeps a catch-up of GBs near 50 MiB of RSS (bench/README.md).
	DefaultBatchBytes = 4 << 20
	// minBatchBytes: smaller batches cost a sink write (and fsync) per few
	// records for no memory worth saving.
	minBatchBytes = 64 << 10
	maxBatchBytes = 256 << 20
	// The variables the vendor's blog uses; every credential falls back to them.
	EnvUsername = "SWG_API_USERNAME"
	EnvPassword = "SWG_API_PASSWORD"
)

var streams = []string{StreamAccessLog, StreamAudit}

// Streams returns the streams a Symantec source collects by default.
func Streams() []string { return slices.Clone(streams) }

// Paths are the API paths; the list, download, audit and locations shapes
// are unverified against a tenant, so each can be changed.
type Paths struct {
	Sync      string `yaml:"sync"`
	List      string `yaml:"list"`
	Download  string `yaml:"download"`
	Audit     string `yaml:"audit"`
	Locations string `yaml:"locations"`
}

// AuditParams name the audit API's query parameters (unverified, so
// configurable).
type AuditParams struct {
	StartDate     string `yaml:"start_date"`
	EndDate       string `yaml:"end_date"`
	Format        string `yaml:"format"`
	ObjectType    string `yaml:"object_type"`
	OperationType string `yaml:"operation_type"`
}

// Config is one Symantec source: its YAML block (type: symantec) and what
// it is built with. Symantec scopes each API key to one role, so each API
// gets its own credential.
type Config struct {
	BaseURL        string            `yaml:"base_url"`
	Insecure       bool              `yaml:"insecure"`
	Streams        []string          `yaml:"log_types"` // "accesslog", "audit"
	Start          config.Duration   `yaml:"start"`
	PollInterval   config.Duration   `yaml:"poll_interval"`
	RequestTimeout config.Duration   `yaml:"request_timeout"`
	AccessLogs     config.Credential `yaml:"access_logs"` // X-APIUsername/X-APIPassword on /reportpod
	Audit          config.Credential `yaml:"audit"`       // HTTP Basic on the audit API
	Locations      config.Credential `yaml:"locations"`   // HTTP Basic on the locations API
	Paths          Paths             `yaml:"paths"`
	Audits         AuditParams       `yaml:"audit_params"`
	Limits         archive.Limits    `yaml:"archive"`
	// BatchBytes bounds the JSON of the records in one batch, as BatchSize
	// bounds their count: what ends a batch first ends it.
	BatchBytes int `yaml:"batch_bytes"`

	Name        string           `yaml:"-" json:"-"`
	SpoolDir    string           `yaml:"-" json:"-"` // where archives are spooled while they are read
	BatchSize   int              `yaml:"-" json:"-"` // records per batch handed to the pipeline (default 5000)
	MaxAttempts int              `yaml:"-" json:"-"` // tries per Fetch before reporting a retryable error (default 4)
	Backoff     retry.Backoff    `yaml:"-" json:"-"`
	Now         func() time.Time `yaml:"-" json:"-"`
	Logger      *slog.Logger     `yaml:"-" json:"-"`
}

// SetDefaults fills every zero setting with its default; with env, unset
// credentials come from SWG_API_USERNAME and SWG_API_PASSWORD.
func (c *Config) SetDefaults(env func(string) (string, bool)) {
	c.BaseURL = config.OrDefault(c.BaseURL, DefaultBaseURL)
	// Nil means "not given"; an explicit empty list is left for Validate.
	if c.Streams == nil {
		c.Streams = Streams()
	}
	c.Start = config.OrDefault(c.Start, DefaultStart)
	c.PollInterval = config.OrDefault(c.PollInterval, DefaultPollInterval)
	c.RequestTimeout = config.OrDefault(c.RequestTimeout, DefaultRequestTimeout)
	c.BatchBytes = config.OrDefault(c.BatchBytes, DefaultBatchBytes)
	p := &c.Paths
	p.Sync = config.OrDefault(p.Sync, "/reportpod/logs/sync")
	p.List = config.OrDefault(p.List, "/reportpod/logs/list")
	p.Download = config.OrDefault(p.Download, "/reportpod/logs/download")
	p.Audit = config.OrDefault(p.Audit, "/api/rest/audit/download")
	p.Locations = config.OrDefault(p.Locations, "/api/rest/locations")
	a := &c.Audits
	a.StartDate = config.OrDefault(a.StartDate, "startDate")
	a.EndDate = config.OrDefault(a.EndDate, "endDate")
	a.Format = config.OrDefault(a.Format, "format")
	a.ObjectType = config.OrDefault(a.ObjectType, "objectType")
	a.OperationType = config.OrDefault(a.OperationType, "operationType")
	c.Limits.SetDefaults()
	if env != nil {
		for _, cr := range []*config.Credential{&c.AccessLogs, &c.Audit, &c.Locations} {
			defaultCredential(cr, env)
		}
	}
}

// defaultCredential fills an unset credential from SWG_API_USERNAME and
// SWG_API_PASSWORD, the names the vendor's own examples use.
func defaultCredential(c *config.Credential, env func(string) (string, bool)) {
	if c.Username != "" || c.Password != "" {
		return
	}
	u, _ := env(EnvUsername)
	p, _ := env(EnvPassword)
	c.Username, c.Password = config.Secret(u), config.Secret(p)
}

// Validate reports every problem of the settings.
func (c *Config) Validate(ck *config.Check) {
	ck.BaseURL("base_url", c.BaseURL, c.Insecure, DefaultBaseURL)
	c.checkStreams(ck)
	for _, r := range []struct {
		key, stream, role string
		cred              config.Credential
	}{
		{"access_logs", StreamAccessLog, "Reporting Access Logs", c.AccessLogs},
		{"audit", StreamAudit, "Audit Logs", c.Audit},
	} {
		if slices.Contains(c.Streams, r.stream) && !r.cred.Set() {
			ck.Fail(r.key, "set username and password of an API key with the %q role (or %s and %s)",
				r.role, EnvUsername, EnvPassword)
		}
	}
	p := c.Paths
	for _, path := range []struct{ key, val string }{{"sync", p.Sync}, {"list", p.List},
		{"download", p.Download}, {"audit", p.Audit}, {"locations", p.Locations}} {
		ck.APIPath("paths."+path.key, path.val)
	}
	ck.Polling(config.Polling{Start: c.Start, PollInterval: c.PollInterval, RequestTimeout: c.RequestTimeout},
		config.PollingLimits{MaxStart: MaxStart, MinPoll: MinPollInterval, Keeps: "Symantec keeps access logs 100 days",
			PollWhy: ": Broadcom throttles clients that poll the current hour too often (KB 232689: poll every 5 minutes or more)"})
	checkLimits(ck, c.Limits)
	if c.BatchBytes < minBatchBytes || c.BatchBytes > maxBatchBytes {
		ck.Fail("batch_bytes", "%d is not from %d (64 KiB) to %d (256 MiB); the default, %d, keeps a catch-up under 64 MiB of memory",
			c.BatchBytes, minBatchBytes, maxBatchBytes, DefaultBatchBytes)
	}
}

func (c *Config) checkStreams(ck *config.Check) {
	if len(c.Streams) == 0 {
		ck.Fail("log_types", "must name at least one of: %s", strings.Join(streams, ", "))
	}
	for i, t := range c.Streams {
		if !slices.Contains(streams, t) {
			key := "log_types[" + strconv.Itoa(i) + "]"
			ck.Fail(key, "%s is not a Symantec stream (allowed: %s)", ck.Show(key, t), strings.Join(streams, ", "))
		}
	}
}

func checkLimits(ck *config.Check, l archive.Limits) {
	if l.MaxSpoolBytes <= 0 || l.MaxMembers <= 0 || l.MaxUncompressed <= 0 || l.MaxLineBytes <= 0 {
		ck.Fail("archive", "limits must be positive")
	}
	if l.MaxRatio < 2 {
		ck.Fail("archive.max_ratio", "must be at least 2 (text compresses 5-20x)")
	}
	if l.MaxLineBytes < 64<<10 {
		ck.Fail("archive.max_line_bytes", "must be at least 65536: real lines reach 18,000 characters")
	}
}

// PollEvery is the poll interval (source.Poller).
func (c *Config) PollEvery() time.Duration { return time.Duration(c.PollInterval) }
