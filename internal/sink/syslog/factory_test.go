package syslog

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/sink"
)

// Settings made by the Kind and defaulted build a working sink whose CEF
// headers carry the version from Deps; the loader's settings stay as read.
func TestFactoryBuildsASink(t *testing.T) {
	rcv := newReceiver(t, nil, nil)
	s := Factory.Kind.New()
	settings := s.(*Config)
	settings.Address, settings.Protocol, settings.Format = rcv.addr(), "TCP", "CEF"
	s.SetDefaults(nil)
	if settings.Protocol != "tcp" || settings.Format != "cef" || settings.AppName != "gatelog" {
		t.Fatalf("defaults: %+v", settings)
	}
	before := *settings
	built, err := Factory.New("siem", s, sink.Deps{Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	write(t, built.(*Sink), idA, batch(idA, 0, 1))
	settle(rcv)
	if got := string(bytes.Join(rcv.all(), nil)); built.Name() != "siem" || !strings.Contains(got, "|ONE SSE|1.2.3|") {
		t.Fatalf("sink %q sent %q, want a CEF header with version 1.2.3", built.Name(), got)
	}
	if *settings != before {
		t.Fatal("build changed the loader's settings")
	}
}

func TestEndpoint(t *testing.T) {
	for _, tt := range []struct {
		protocol, hostPort, skip string
	}{
		{"tcp", "siem.example:6514", ""},
		{"tls", "siem.example:6514", ""},
		{"udp", "", "UDP has no handshake to check"},
	} {
		c := Config{Address: "siem.example:6514", Protocol: tt.protocol}
		if hp, skip := c.Endpoint(); hp != tt.hostPort || skip != tt.skip {
			t.Errorf("%s: Endpoint() = %q, %q", tt.protocol, hp, skip)
		}
	}
}

// Each check reports with its key and today's words.
func TestSettingsChecks(t *testing.T) {
	configtest.Expect(t, `sinks:
  - name: a
    type: syslog
    address: siem.example
    format: gelf
    tls: {cert: c.pem}
  - name: b
    type: syslog
    address: siem.example:514
    protocol: udp
    framing: octet
  - name: c
    type: syslog
    address: siem.example:6514
    protocol: tcp
    framing: lf
    insecure: true
`, configtest.Sinks(Factory.Kind),
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:4: sinks[0].address: "siem.example" must be host:port, e.g. siem.example:6514`,
		`gatelog.yaml:2: sinks[0].protocol: required: udp, tcp or tls (no default, so that TLS is never silently dropped)`,
		`gatelog.yaml:5: sinks[0].format: "gelf" is not supported (allowed: rfc5424, cef, leef, json)`,
		`gatelog.yaml:6: sinks[0].tls: only with protocol: tls`,
		`gatelog.yaml:6: sinks[0].tls: cert and key go together`,
		`gatelog.yaml:11: sinks[1].framing: UDP sends one message per datagram; framing is for tcp and tls`,
		`gatelog.yaml:16: sinks[2].framing: "lf" is not supported (allowed: octet, newline)`,
		`gatelog.yaml:12: sinks[2].tls: only with protocol: tls`,
	)
}

// CEF and LEEF take the raw record; the loader says so for any other schema.
func TestSchemasByFormat(t *testing.T) {
	configtest.Expect(t, `sinks:
  - {name: a, type: syslog, address: "h:514", protocol: tcp, format: cef, schema: ocsf}
  - {name: b, type: syslog, address: "h:514", protocol: tcp, format: json, schema: ecs}
  - {name: c, type: syslog, address: "h:514", protocol: tcp, format: leef, schema: raw}
  - {name: d, type: syslog, address: "h:514", protocol: tcp, schema: osf}
`, configtest.Sinks(Factory.Kind),
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:2: sinks[0].schema: "ocsf" cannot be written here (allowed: raw): cef maps the vendor's fields itself; use format: json or rfc5424 for a normalized schema`,
		`gatelog.yaml:5: sinks[3].schema: "osf" is not a schema gatelog writes (allowed: raw, ocsf, ecs); did you mean "ocsf"?`)
}
