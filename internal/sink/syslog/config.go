package syslog

import (
	"cmp"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
)

// Config configures a syslog sink: the block of a `type: syslog` sink
// (the fields with YAML keys) and what New takes. SetDefaults fills the
// zero fields; New rejects everything else that is out of range.
type Config struct {
	Name    string `yaml:"-" json:"-"`
	Address string `yaml:"address"` // host:port
	// Protocol is "udp", "tcp" or "tls". It has no default: falling back
	// to plaintext when the user meant TLS would leak security logs.
	Protocol string `yaml:"protocol"`
	// Framing is how tcp and tls separate messages: "octet" (RFC 6587
	// octet counting, the default) or "newline" (the default for Format
	// "json"). It must be empty for udp, where a datagram is a message.
	Framing string `yaml:"framing"`
	// Format is "rfc5424" (default), "cef", "leef" or "json"; FORMATS.md
	// documents each one exactly.
	Format string `yaml:"format"`
	// TLS names the PEM files of a tls connection, only with Protocol
	// "tls" (which is what turns TLS on: TLS.Enabled is not used). CA
	// defaults to the system roots; ServerName to the host of Address.
	TLS config.TLSFiles `yaml:"tls"`
	// Insecure accepts any server certificate. Only for tests and labs:
	// anyone on the path can then read and forge the logs.
	Insecure bool   `yaml:"insecure"`
	Hostname string `yaml:"hostname"` // HOSTNAME field; default os.Hostname(), "-" if unusable
	AppName  string `yaml:"app_name"` // APP-NAME field; default "gatelog"
	// Facility is the syslog facility, 1 to 23; 0 selects 13 ("log
	// audit"), which is what these records are. Facility 0 (kernel) cannot
	// be chosen: user processes must not claim to be the kernel.
	Facility int `yaml:"-" json:"-"`
	// Version is gatelog's version, the device version of CEF and LEEF
	// headers; default "dev".
	Version string `yaml:"-" json:"-"`
	// DialTimeout bounds connecting, TLS handshake included; default 10s.
	DialTimeout time.Duration `yaml:"-" json:"-"`
	// WriteTimeout is the longest a write may make no progress (per 64 KiB
	// chunk of a batch, not per batch); default 30s.
	WriteTimeout time.Duration `yaml:"-" json:"-"`
	// MaxMessageBytes caps one message (framing excluded): a longer one is
	// cut at a UTF-8 boundary and ends in "...[truncated]". Default 8192
	// for udp (rsyslog's default limit; datagrams cannot be split),
	// unlimited for tcp and tls. When set: 480 (the size every RFC 5426
	// receiver must accept) to 65507 (the largest UDP payload) for udp,
	// at least 480 for tcp and tls.
	MaxMessageBytes int `yaml:"-" json:"-"`
}

const (
	defaultFacility     = 13 // log audit
	defaultAppName      = "gatelog"
	defaultVersion      = "dev"
	defaultDialTimeout  = 10 * time.Second
	defaultWriteTimeout = 30 * time.Second
	defaultUDPMax       = 8192
	minMessageBytes     = 480
	maxUDPPayload       = 65507
	nilValue            = "-"
)

// The words each setting accepts, as the loader's messages list them.
var (
	allowedProtocols = []string{"udp", "tcp", "tls"}
	allowedFramings  = []string{"octet", "newline"}
	allowedFormats   = []string{"rfc5424", "cef", "leef", "json"}
)

// SetDefaults fills the zero fields and lowercases the words. Protocol has
// no default (see Config); framing is chosen by New from the format, and
// the hostname is looked up by New: it is the machine's, not a setting.
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.Protocol = strings.ToLower(c.Protocol)
	c.Format = strings.ToLower(config.OrDefault(c.Format, "rfc5424"))
	c.Framing = strings.ToLower(c.Framing)
	c.AppName = config.OrDefault(c.AppName, defaultAppName)
	c.Facility = config.OrDefault(c.Facility, defaultFacility)
	c.Version = config.OrDefault(c.Version, defaultVersion)
	c.DialTimeout = config.OrDefault(c.DialTimeout, defaultDialTimeout)
	c.WriteTimeout = config.OrDefault(c.WriteTimeout, defaultWriteTimeout)
	if c.Protocol == "udp" {
		c.MaxMessageBytes = config.OrDefault(c.MaxMessageBytes, defaultUDPMax)
	}
}

// Validate reports what the loader can tell is wrong; New checks the rest.
func (c *Config) Validate(ck *config.Check) {
	ck.HostPort("address", c.Address, "siem.example:6514")
	if c.Protocol == "" {
		ck.Fail("protocol", "required: udp, tcp or tls (no default, so that TLS is never silently dropped)")
	} else {
		ck.OneOf("protocol", c.Protocol, allowedProtocols)
	}
	ck.OneOf("format", c.Format, allowedFormats)
	switch {
	case c.Protocol == "udp" && c.Framing != "":
		ck.Fail("framing", "UDP sends one message per datagram; framing is for tcp and tls")
	case c.Protocol != "udp" && c.Framing != "":
		ck.OneOf("framing", c.Framing, allowedFramings)
	}
	if c.Protocol != "tls" && (c.TLS != (config.TLSFiles{}) || c.Insecure) {
		ck.Fail("tls", "only with protocol: tls")
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		ck.Fail("tls", "cert and key go together")
	}
}

// Endpoint is the receiver `gatelog doctor` connects to.
func (c *Config) Endpoint() (hostPort, skip string) {
	if c.Protocol == "udp" {
		return "", "UDP has no handshake to check"
	}
	return c.Address, ""
}

// settings is a validated Config with every default applied.
type settings struct {
	name, address, protocol string
	newline                 bool // tcp/tls framing
	format                  format
	facility                int
	hostname, appName       string
	procID                  string
	version                 string
	dialTimeout             time.Duration
	writeTimeout            time.Duration
	maxMessage              int // 0: unlimited
}

// format is one of the four message layouts.
type format uint8

const (
	formatRFC5424 format = iota
	formatCEF
	formatLEEF
	formatJSON
)

var formats = map[string]format{"rfc5424": formatRFC5424, "cef": formatCEF, "leef": formatLEEF, "json": formatJSON}

// validate turns cfg, defaults applied, into settings. Every error is
// permanent: it is the configuration that must change.
func validate(cfg Config) (settings, error) {
	cfg.SetDefaults(nil)
	s := settings{name: cfg.Name, address: cfg.Address, protocol: cfg.Protocol, procID: strconv.Itoa(os.Getpid())}
	steps := []func(*settings, Config) error{checkAddress, checkFormat, checkFraming, checkHeader, checkTimeouts, checkMaxMessage, checkTLSUse}
	for _, step := range steps {
		if err := step(&s, cfg); err != nil {
			return settings{}, errclass.Permanentf("syslog sink %q: %w", cfg.Name, err)
		}
	}
	return s, nil
}

func checkAddress(s *settings, cfg Config) error {
	switch cfg.Protocol {
	case "udp", "tcp", "tls":
	default:
		return fmt.Errorf("protocol %q: want udp, tcp or tls", cfg.Protocol)
	}
	host, port, err := net.SplitHostPort(cfg.Address)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("address %q: want host:port", cfg.Address)
	}
	return nil
}

func checkFormat(s *settings, cfg Config) error {
	f, ok := formats[cfg.Format]
	if !ok {
		return fmt.Errorf("format %q: want rfc5424, cef, leef or json", cfg.Format)
	}
	s.format = f
	return nil
}

func checkFraming(s *settings, cfg Config) error {
	switch {
	case cfg.Protocol == "udp" && cfg.Framing != "":
		return fmt.Errorf("framing %q: udp sends one message per datagram, leave framing empty", cfg.Framing)
	case cfg.Framing == "newline", cfg.Framing == "" && s.format == formatJSON:
		s.newline = true
	case cfg.Framing == "octet", cfg.Framing == "":
	default:
		return fmt.Errorf("framing %q: want octet or newline", cfg.Framing)
	}
	return nil
}

func checkHeader(s *settings, cfg Config) error {
	s.facility = cfg.Facility
	if s.facility < 1 || s.facility > 23 {
		return fmt.Errorf("facility %d: want 1 to 23", cfg.Facility)
	}
	var err error
	if s.hostname, err = headerName("hostname", cmp.Or(cfg.Hostname, defaultHostname()), 255); err != nil {
		return err
	}
	if s.appName, err = headerName("app name", cfg.AppName, 48); err != nil {
		return err
	}
	s.version = cfg.Version
	for _, c := range []byte(s.version) {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("version %q: control characters are not allowed", cfg.Version)
		}
	}
	return nil
}

// headerName checks an RFC 5424 header field: 1 to max printable US-ASCII
// characters (no spaces).
func headerName(what, v string, max int) (string, error) {
	if len(v) == 0 || len(v) > max || !printUSASCII(v) {
		return "", fmt.Errorf("%s %q: want 1 to %d printable US-ASCII characters without spaces (RFC 5424)", what, v, max)
	}
	return v, nil
}

// defaultHostname is os.Hostname, or the NILVALUE when the OS name cannot
// stand in an RFC 5424 header.
func defaultHostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" || len(h) > 255 || !printUSASCII(h) {
		return nilValue
	}
	return h
}

func printUSASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

func checkTimeouts(s *settings, cfg Config) error {
	if cfg.DialTimeout < 0 || cfg.WriteTimeout < 0 {
		return fmt.Errorf("negative timeout")
	}
	s.dialTimeout, s.writeTimeout = cfg.DialTimeout, cfg.WriteTimeout
	return nil
}

// checkMaxMessage: 0 is unlimited (tcp and tls; SetDefaults caps udp).
func checkMaxMessage(s *settings, cfg Config) error {
	m := cfg.MaxMessageBytes
	switch {
	case m == 0:
	case m < minMessageBytes:
		return fmt.Errorf("max message bytes %d: want at least %d", m, minMessageBytes)
	case m > maxUDPPayload && cfg.Protocol == "udp":
		return fmt.Errorf("max message bytes %d: a UDP datagram holds at most %d", m, maxUDPPayload)
	}
	s.maxMessage = m
	return nil
}

func checkTLSUse(s *settings, cfg Config) error {
	if cfg.Protocol != "tls" && (cfg.TLS != (config.TLSFiles{}) || cfg.Insecure) {
		return fmt.Errorf("tls settings given for protocol %q: use protocol tls", cfg.Protocol)
	}
	return nil
}

// Schemas: CEF and LEEF map the vendor's own fields into their keys, so
// they take the raw record; rfc5424 and json carry any schema's JSON.
func (c *Config) Schemas() ([]string, string) {
	if c.Format == "cef" || c.Format == "leef" {
		return []string{"raw"}, c.Format + " maps the vendor's fields itself; use format: json or rfc5424 for a normalized schema"
	}
	return []string{"raw", "ocsf", "ecs"}, ""
}
