package config

import (
	"net"
	"slices"
	"strings"
)

// SinkSyslog is the syslog sink's type name.
const SinkSyslog = "syslog"

var (
	syslogProtocols = []string{"udp", "tcp", "tls"}
	syslogFramings  = []string{"octet", "newline"}
	syslogFormats   = []string{"rfc5424", "cef", "leef", "json"}
)

// TLSFiles names the PEM files of a TLS connection.
type TLSFiles struct {
	Enabled    bool   `yaml:"enabled"`     // kafka: dial with TLS (syslog uses protocol: tls)
	CA         string `yaml:"ca"`          // CA bundle to verify the server (default: the system roots)
	Cert       string `yaml:"cert"`        // client certificate, for servers that ask for one
	Key        string `yaml:"key"`         // its private key
	ServerName string `yaml:"server_name"` // name to verify, when it differs from the address
}

// applySyslogDefaults: protocol has no default (falling back to plain TCP
// when TLS was meant would send security logs in the clear); framing is
// left to the sink (octet counting, newline for json).
func (s *Sink) applySyslogDefaults() {
	s.Protocol = strings.ToLower(s.Protocol)
	s.Format = strings.ToLower(orDefault(s.Format, "rfc5424"))
	s.Framing = strings.ToLower(s.Framing)
	s.AppName = orDefault(s.AppName, "gatelog")
}

func (v *validator) syslog(p string, s *Sink) {
	if _, port, err := net.SplitHostPort(s.Address); err != nil || port == "" {
		v.fail(p+".address", "%s must be host:port, e.g. siem.example:6514", v.show(p+".address", s.Address))
	}
	if s.Protocol == "" {
		v.fail(p+".protocol", "required: udp, tcp or tls (no default, so that TLS is never silently dropped)")
	} else {
		v.oneOf(p+".protocol", s.Protocol, syslogProtocols)
	}
	v.oneOf(p+".format", s.Format, syslogFormats)
	switch {
	case s.Protocol == "udp" && s.Framing != "":
		v.fail(p+".framing", "UDP sends one message per datagram; framing is for tcp and tls")
	case s.Protocol != "udp" && s.Framing != "":
		v.oneOf(p+".framing", s.Framing, syslogFramings)
	}
	if s.Protocol != "tls" && (s.TLS != (TLSFiles{}) || s.Insecure) {
		v.fail(p+".tls", "only with protocol: tls")
	}
	if (s.TLS.Cert == "") != (s.TLS.Key == "") {
		v.fail(p+".tls", "cert and key go together")
	}
}

// oneOf checks that val is one of allowed.
func (v *validator) oneOf(field, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		v.fail(field, "%s is not supported (allowed: %s)", v.show(field, val), strings.Join(allowed, ", "))
	}
}
