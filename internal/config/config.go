// Package config loads gatelog's YAML configuration: strict decoding that
// names unknown keys with their line, ${VAR} expansion inside values only,
// .env loading, defaults, and a Validate that reports every problem at once
// with the field path and line it belongs to.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Source and sink types.
const (
	TypeForcepoint = "forcepoint"
	TypeSymantec   = "symantec"

	SinkFile   = "file"
	SinkStdout = "stdout"
)

// Defaults, exported so that docs and `gatelog demo` show the same values.
const (
	DefaultState              = "./gatelog-data/state.db"
	DefaultListen             = "127.0.0.1:9470"
	DefaultSinkName           = "files"
	DefaultLogDir             = "./gatelog-data/logs"
	DefaultBaseURL            = "https://portal.bitglass.com"
	DefaultPath               = "/api/bitglassapi/logs/v1/"
	DefaultMethod             = "GET"
	DefaultCV                 = "1.1.5"
	DefaultStart              = Duration(24 * hour)
	DefaultPollInterval       = Duration(15 * minute)
	DefaultDailyRequestBudget = 300
	DefaultRequestTimeout     = Duration(2 * minute)
)

// Limits checked by Validate.
const (
	// MaxStart is how far back Forcepoint keeps logs.
	MaxStart = Duration(30 * day)
	// MinPollInterval keeps nine log types inside the daily request budget.
	MinPollInterval       = Duration(minute)
	MaxDailyRequestBudget = 100000
)

var (
	sourceTypes = []string{TypeForcepoint, TypeSymantec}
	sinkTypes   = []string{SinkFile, SinkStdout, SinkSyslog, SinkSplunkHEC, SinkElasticsearch, SinkKafka, SinkS3}
)

// Config is the whole gatelog.yaml.
type Config struct {
	State  string `yaml:"state"`
	Listen string `yaml:"listen"`
	// ListenAuth, when set, asks for HTTP basic auth on the status page
	// and /metrics (the health endpoints stay open for probes).
	ListenAuth Credential `yaml:"listen_auth"`
	Sources    []Source   `yaml:"sources"`
	Sinks      []Sink     `yaml:"sinks"`

	// src remembers where each field came from, so Validate can name
	// lines. Nil for configs built in code.
	src *origin
}

// Source is one vendor account.
type Source struct {
	Name               string   `yaml:"name"`
	Type               string   `yaml:"type"`
	BaseURL            string   `yaml:"base_url"`
	Insecure           bool     `yaml:"insecure"`
	Path               string   `yaml:"path"`
	Method             string   `yaml:"method"`
	Auth               Auth     `yaml:"auth"`
	LogTypes           []string `yaml:"log_types"`
	CV                 string   `yaml:"cv"`
	Start              Duration `yaml:"start"`
	PollInterval       Duration `yaml:"poll_interval"`
	DailyRequestBudget int      `yaml:"daily_request_budget"`
	RequestTimeout     Duration `yaml:"request_timeout"`

	// Symantec Cloud SWG: one credential per API role.
	AccessLogs  Credential    `yaml:"access_logs"`
	Audit       Credential    `yaml:"audit"`
	Locations   Credential    `yaml:"locations"`
	Paths       SymantecPaths `yaml:"paths"`
	AuditParams AuditParams   `yaml:"audit_params"`
	Archive     ArchiveLimits `yaml:"archive"`
}

// Auth holds either a bearer token or a username and password.
type Auth struct {
	Token    Secret `yaml:"token"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
}

// Sink is one destination.
type Sink struct {
	Name  string `yaml:"name"`
	Type  string `yaml:"type"`
	Path  string `yaml:"path"` // file
	Retry Retry  `yaml:"retry"`

	// syslog
	Address  string   `yaml:"address"`
	Protocol string   `yaml:"protocol"`
	Framing  string   `yaml:"framing"`
	Format   string   `yaml:"format"`
	TLS      TLSFiles `yaml:"tls"`
	Insecure bool     `yaml:"insecure"`
	Hostname string   `yaml:"hostname"`
	AppName  string   `yaml:"app_name"`

	// splunk_hec, elasticsearch
	URL        string   `yaml:"url"`
	URLs       []string `yaml:"urls"` // elasticsearch: several nodes of one cluster
	Token      Secret   `yaml:"token"`
	Index      string   `yaml:"index"`
	SourceType string   `yaml:"sourcetype"`
	Source     string   `yaml:"source"`
	Gzip       *bool    `yaml:"gzip"`
	Ack        bool     `yaml:"ack"`
	APIKey     Secret   `yaml:"api_key"`
	Username   string   `yaml:"username"`
	Password   Secret   `yaml:"password"`
	DataStream string   `yaml:"data_stream"`
	Channel    string   `yaml:"channel"`
	Host       string   `yaml:"host"`
	AckTimeout Duration `yaml:"ack_timeout"`
	AckPoll    Duration `yaml:"ack_poll"`

	// batching and timeouts of the remote sinks (zero: the sink's default)
	BatchRecords int      `yaml:"batch_records"`
	BatchBytes   int      `yaml:"batch_bytes"`
	Timeout      Duration `yaml:"timeout"`

	// kafka
	Brokers  []string `yaml:"brokers"`
	Topic    string   `yaml:"topic"`
	ClientID string   `yaml:"client_id"`
	SASL     SASL     `yaml:"sasl"`

	// s3
	Bucket          string `yaml:"bucket"`
	Prefix          string `yaml:"prefix"`
	Endpoint        string `yaml:"endpoint"`
	Region          string `yaml:"region"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey Secret `yaml:"secret_access_key"`
	UsePathStyle    bool   `yaml:"use_path_style"`
	PartSize        int64  `yaml:"part_size"`
}

// Default returns the configuration used when a file sets nothing: no
// sources (a real config must name at least one) and one file sink.
func Default() *Config {
	c := &Config{}
	c.ApplyDefaults()
	return c
}

// ApplyDefaults fills every zero field with its default, Symantec
// credentials from SWG_API_USERNAME/SWG_API_PASSWORD. Parse and Load call it;
// a Config built in code should call it before Validate.
func (c *Config) ApplyDefaults() { c.applyDefaults(os.LookupEnv) }

func (c *Config) applyDefaults(env func(string) (string, bool)) {
	c.State = orDefault(c.State, DefaultState)
	c.Listen = orDefault(c.Listen, DefaultListen)
	for i := range c.Sources {
		c.Sources[i].applyDefaults(env)
	}
	if len(c.Sinks) == 0 {
		c.Sinks = []Sink{{Name: DefaultSinkName, Type: SinkFile}}
	}
	for i := range c.Sinks {
		c.Sinks[i].Retry.applyDefaults()
		switch c.Sinks[i].Type {
		case SinkFile:
			c.Sinks[i].Path = orDefault(c.Sinks[i].Path, DefaultLogDir)
		case SinkSyslog:
			c.Sinks[i].applySyslogDefaults()
		default:
			c.Sinks[i].applyRemoteDefaults()
		}
	}
}

func (s *Source) applyDefaults(env func(string) (string, bool)) {
	switch s.Type {
	case TypeSymantec:
		s.applySymantecDefaults(env)
		return
	case TypeForcepoint:
	default:
		return
	}
	s.BaseURL = orDefault(s.BaseURL, DefaultBaseURL)
	s.Path = orDefault(s.Path, DefaultPath)
	s.Method = strings.ToUpper(orDefault(s.Method, DefaultMethod))
	// Nil means "not given"; an explicit empty list is left for Validate
	// to reject, because it is more likely a mistake than a wish for
	// the defaults.
	if s.LogTypes == nil {
		s.LogTypes = ForcepointLogTypes()
	}
	s.CV = orDefault(s.CV, DefaultCV)
	s.Start = orDefault(s.Start, DefaultStart)
	s.PollInterval = orDefault(s.PollInterval, DefaultPollInterval)
	s.DailyRequestBudget = orDefault(s.DailyRequestBudget, DefaultDailyRequestBudget)
	s.RequestTimeout = orDefault(s.RequestTimeout, DefaultRequestTimeout)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// SourceByName returns the source with the given name, pointing into c so
// that callers see later changes.
func (c *Config) SourceByName(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

// Load reads and parses the file at path, expanding ${VAR} from the process
// environment. Call LoadDotEnv first if a .env file should count.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, os.LookupEnv)
}

// Parse is Load without the file: data is the YAML, filename is only used in
// messages, env looks up variables (nil means the process environment).
// It returns the expanded, defaulted and validated Config, or every problem
// found, each a *FieldError, joined with errors.Join.
func Parse(data []byte, filename string, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	root, err := parseDocument(data, filename)
	if err != nil {
		return nil, err
	}
	cfg := &Config{src: newOrigin(filename)}
	if root != nil {
		if err := decode(root, cfg, env); err != nil {
			return nil, err
		}
	}
	cfg.applyDefaults(env)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// decode checks the node tree (keys, value shapes, ${VAR}) and then decodes
// it. Problems found in the tree stop here: decoding a tree with unknown keys
// or unset variables would only add confusing follow-up errors.
func decode(root *yaml.Node, cfg *Config, env func(string) (string, bool)) error {
	w := newWalker(cfg.src, env)
	w.value(root, configType, "")
	if len(w.errs) > 0 {
		return errors.Join(w.errs...)
	}
	return decodeStrict(root, cfg)
}
