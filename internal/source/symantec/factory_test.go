package symantec_test

import (
	"slices"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// Settings made by the Kind and defaulted build a source with the default
// streams, its credentials from SWG_API_*.
func TestFactoryBuildsTheDefaultStreams(t *testing.T) {
	s := symantec.Factory.Kind.New()
	s.SetDefaults(func(k string) (string, bool) {
		return map[string]string{symantec.EnvUsername: "env-user", symantec.EnvPassword: "env-pass"}[k], true
	})
	settings := s.(*symantec.Config)
	before := *settings
	store := memstate.New()
	src, err := symantec.Factory.New("wss", s, source.Deps{Ledger: store, Seen: store, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got []record.StreamID
	for _, st := range src.Streams() {
		got = append(got, st.ID())
	}
	want := []record.StreamID{{Source: "wss", Stream: "accesslog"}, {Source: "wss", Stream: "audit"}}
	if !slices.Equal(got, want) || src.Name() != "wss" || src.Vendor() != "symantec" {
		t.Fatalf("source %s (%s) streams %v, want %v", src.Name(), src.Vendor(), got, want)
	}
	if settings.Name != before.Name || settings.SpoolDir != before.SpoolDir {
		t.Fatal("build changed the loader's settings")
	}
	if settings.Audit.Username.Value() != "env-user" || settings.Locations.Password.Value() != "env-pass" {
		t.Fatalf("credentials not from the environment: %+v", settings)
	}
}

// A file read by the loader gets today's defaults, explicit credentials
// winning over SWG_API_*.
func TestSettingsDefaults(t *testing.T) {
	data := []byte("sources:\n  - name: wss\n    type: symantec\n    access_logs: {username: u1, password: p1}\n")
	env := func(k string) (string, bool) {
		return map[string]string{"SWG_API_USERNAME": "env-user", "SWG_API_PASSWORD": "env-pass"}[k], true
	}
	cfg, err := config.Parse(data, "gatelog.yaml", env, config.Kinds{Sources: []config.Kind{symantec.Factory.Kind}})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources[0].Settings.(*symantec.Config)
	if s.BaseURL != symantec.DefaultBaseURL || s.PollInterval != symantec.DefaultPollInterval ||
		s.Paths.Sync != "/reportpod/logs/sync" || s.Audits.ObjectType != "objectType" ||
		s.Limits.MaxLineBytes != 1<<20 || len(s.Streams) != 2 {
		t.Fatalf("defaults: %+v", s)
	}
	if s.AccessLogs.Username.Value() != "u1" || s.Audit.Username.Value() != "env-user" || s.Locations.Password.Value() != "env-pass" {
		t.Fatalf("credentials: access %q audit %q locations %q", s.AccessLogs.Username.Value(), s.Audit.Username.Value(), s.Locations.Password.Value())
	}
}

// Each check reports with its key and today's words.
func TestSettingsChecks(t *testing.T) {
	configtest.Expect(t, `sources:
  - name: wss
    type: symantec
    base_url: ftp://portal
    poll_interval: 30s
    start: 101d
    log_types: [accesslog, access, audit]
    access_logs: {username: a, password: b}
    audit: {username: only-user}
    paths: {list: reportpod/logs/list, audit: "/api?x=1"}
    archive: {max_members: -1, max_ratio: 1, max_line_bytes: 1000}
    batch_bytes: 1000
  - name: none
    type: symantec
    log_types: []
`, configtest.Sources(symantec.Factory.Kind),
		`gatelog.yaml:4: sources[0].base_url: "ftp://portal" must be an absolute http(s) URL such as https://portal.threatpulse.com`,
		`gatelog.yaml:7: sources[0].log_types[1]: "access" is not a Symantec stream (allowed: accesslog, audit)`,
		`gatelog.yaml:9: sources[0].audit: set username and password of an API key with the "Audit Logs" role (or SWG_API_USERNAME and SWG_API_PASSWORD)`,
		`gatelog.yaml:10: sources[0].paths.list: "reportpod/logs/list" must start with /`,
		`gatelog.yaml:10: sources[0].paths.audit: must not contain ? or #: gatelog adds the query itself`,
		`gatelog.yaml:6: sources[0].start: 101d is more than 100d: Symantec keeps access logs 100 days`,
		`gatelog.yaml:5: sources[0].poll_interval: 30s is less than the minimum 5m: Broadcom throttles clients that poll the current hour too often (KB 232689: poll every 5 minutes or more)`,
		`gatelog.yaml:11: sources[0].archive: limits must be positive`,
		`gatelog.yaml:11: sources[0].archive.max_ratio: must be at least 2 (text compresses 5-20x)`,
		`gatelog.yaml:11: sources[0].archive.max_line_bytes: must be at least 65536: real lines reach 18,000 characters`,
		`gatelog.yaml:12: sources[0].batch_bytes: 1000 is not from 65536 (64 KiB) to 268435456 (256 MiB); the default, 4194304, keeps a catch-up under 64 MiB of memory`,
		`gatelog.yaml:15: sources[1].log_types: must name at least one of: accesslog, audit`,
	)
}
