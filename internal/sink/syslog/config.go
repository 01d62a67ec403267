package syslog

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
)

// Config configures a syslog sink. Zero values select the documented
// defaults; New rejects everything else that is out of range.
type Config struct {
	Name    string
	Address string // host:port
	// Protocol is "udp", "tcp" or "tls". It has no default: falling back
	// to plaintext when the user meant TLS would leak security logs.
	Protocol string
	// Framing is how tcp and tls separate messages: "octet" (RFC 6587
	// octet counting, the default) or "newline" (the default for Format
	// "json"). It must be empty for udp, where a datagram is a message.
	Framing string
	// Format is "rfc5424" (default), "cef", "leef" or "json"; FORMATS.md
	// documents each one exactly.
	Format   string
	Hostname string // HOSTNAME field; default os.Hostname(), "-" if unusable
	AppName  string // APP-NAME field; default "gatelog"
	// Facility is the syslog facility, 1 to 23; 0 selects 13 ("log
	// audit"), which is what these records are. Facility 0 (kernel) cannot
	// be chosen: user processes must not claim to be the kernel.
	Facility int
	// Version is gatelog's version, the device version of CEF and LEEF
	// headers; default "dev".
	Version string
	TLS     TLSConfig // only with Protocol "tls"
	// DialTimeout bounds connecting, TLS handshake included; default 10s.
	DialTimeout time.Duration
	// WriteTimeout is the longest a write may make no progress (per 64 KiB
	// chunk of a batch, not per batch); default 30s.
	WriteTimeout time.Duration
	// MaxMessageBytes caps one message (framing excluded): a longer one is
	// cut at a UTF-8 boundary and ends in "...[truncated]". Default 8192
	// for udp (rsyslog's default limit; datagrams cannot be split),
	// unlimited for tcp and tls. When set: 480 (the size every RFC 5426
	// receiver must accept) to 65507 (the largest UDP payload) for udp,
	// at least 480 for tcp and tls.
	MaxMessageBytes int
}

// TLSConfig holds file paths, never key material, so that a config dump
// or an error message cannot leak a key.
type TLSConfig struct {
	CAFile   string // PEM CA bundle to verify the server; default: system roots
	CertFile string // PEM client certificate, for receivers that require one
	KeyFile  string // its PEM private key; set both or neither
	// ServerName is the name the server certificate must match (and the
	// SNI sent); default: the host of Address.
	ServerName string
	// InsecureSkipVerify accepts any server certificate. Only for tests and
	// labs: anyone on the path can then read and forge the logs.
	InsecureSkipVerify bool
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

var formats = map[string]format{"": formatRFC5424, "rfc5424": formatRFC5424, "cef": formatCEF, "leef": formatLEEF, "json": formatJSON}

// validate turns cfg into settings. Every error is permanent: it is the
// configuration that must change.
func validate(cfg Config) (settings, error) {
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
	if s.facility == 0 {
		s.facility = defaultFacility
	}
	if s.facility < 1 || s.facility > 23 {
		return fmt.Errorf("facility %d: want 1 to 23", cfg.Facility)
	}
	var err error
	if s.hostname, err = headerName("hostname", cfg.Hostname, defaultHostname(), 255); err != nil {
		return err
	}
	if s.appName, err = headerName("app name", cfg.AppName, defaultAppName, 48); err != nil {
		return err
	}
	s.version = cfg.Version
	if s.version == "" {
		s.version = defaultVersion
	}
	for _, c := range []byte(s.version) {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("version %q: control characters are not allowed", cfg.Version)
		}
	}
	return nil
}

// headerName checks an RFC 5424 header field: 1 to max printable US-ASCII
// characters (no spaces).
func headerName(what, v, def string, max int) (string, error) {
	if v == "" {
		v = def
	}
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
	if s.dialTimeout == 0 {
		s.dialTimeout = defaultDialTimeout
	}
	if s.writeTimeout == 0 {
		s.writeTimeout = defaultWriteTimeout
	}
	return nil
}

func checkMaxMessage(s *settings, cfg Config) error {
	m := cfg.MaxMessageBytes
	switch {
	case m == 0 && cfg.Protocol == "udp":
		m = defaultUDPMax
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
	if cfg.Protocol != "tls" && cfg.TLS != (TLSConfig{}) {
		return fmt.Errorf("tls settings given for protocol %q: use protocol tls", cfg.Protocol)
	}
	return nil
}
