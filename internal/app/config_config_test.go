package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/stdout"
	"github.com/gatelog/gatelog/internal/sink/syslog"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/source/symantec"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Distinctive values, so a leak into any output is easy to spot.
const (
	testToken    = "tok-8c1f-TESTSECRET"
	testPassword = "pw-77ab-TESTSECRET"
)

var testEnv = map[string]string{
	"FORCEPOINT_TOKEN": testToken,
	"FP_USER":          "svc-gatelog@acme.example",
	"FP_PASS":          testPassword,
	"FP_BUDGET":        "1000",
}

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// kinds are the built-in types: these tests are the loader's with the
// components gatelog ships.
var kinds = Builtin().Kinds()

func parse(data []byte, file string, env func(string) (string, bool)) (*config.Config, error) {
	return config.Parse(data, file, env, kinds)
}

func parseFile(t *testing.T, name string) (*config.Config, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	return parse(data, "gatelog.yaml", lookup(testEnv))
}

// ignoreOrigin skips the unexported line bookkeeping.
var ignoreOrigin = cmpopts.IgnoreUnexported(config.Config{})

// fp and wss are a source's settings of each vendor.
func fp(s config.Source) *forcepoint.Config { return s.Settings.(*forcepoint.Config) }
func wss(s config.Source) *symantec.Config  { return s.Settings.(*symantec.Config) }

// forcepointDefaults is a source as ApplyDefaults leaves it, with edit
// applied to its settings.
func forcepointDefaults(name string, auth forcepoint.Auth, edit ...func(*forcepoint.Config)) config.Source {
	s := &forcepoint.Config{
		BaseURL: "https://portal.bitglass.com", Path: "/api/bitglassapi/logs/v1/", Method: "GET",
		Auth:     auth,
		LogTypes: []string{"access", "admin", "cloudaudit", "cloudsummary", "swgweb", "swgwebdlp", "healthproxy", "healthapi", "healthsystem"},
		CV:       "1.1.5", Start: config.Duration(24 * time.Hour), PollInterval: config.Duration(15 * time.Minute),
		DailyRequestBudget: 300, RequestTimeout: config.Duration(2 * time.Minute),
	}
	for _, e := range edit {
		e(s)
	}
	return config.Source{Name: name, Type: "forcepoint", Settings: s}
}

func fileSink(name, path string) config.Sink {
	return config.Sink{Name: name, Type: "file", Settings: &file.Config{Path: path}, Retry: defaultRetry, Schema: "raw"}
}

func TestParseGood(t *testing.T) {
	cfg, err := parseFile(t, "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	basic := forcepointDefaults("acme.basic", forcepoint.Auth{Username: "svc-gatelog@acme.example", Password: testPassword})
	sim := forcepointDefaults("local-sim", forcepoint.Auth{Token: "sim-${not-a-var}"}, func(s *forcepoint.Config) {
		s.BaseURL = "http://127.0.0.1:8443"
		s.LogTypes = []string{"admin"}
	})
	acme := forcepointDefaults("acme-fp", forcepoint.Auth{Token: testToken}, func(s *forcepoint.Config) {
		s.BaseURL, s.Path, s.Method = "https://portal.eu.bitglass.net", "/api/bitglassapi/logs/", "POST"
		s.LogTypes = []string{"access", "admin", "swgweb", "ztna"}
		s.CV, s.Start, s.PollInterval = "1.1.0", config.Duration(7*24*time.Hour), config.Duration(5*time.Minute)
		s.DailyRequestBudget, s.RequestTimeout = 1000, config.Duration(90*time.Minute)
	})
	want := &config.Config{
		State:   "/var/lib/gatelog/state.db",
		DataDir: "/var/lib/gatelog", LeaseTTL: config.Duration(45 * time.Second),
		Listen:  "0.0.0.0:9470",
		Sources: []config.Source{acme, basic, sim},
		Sinks: []config.Sink{
			fileSink("archive", "/var/log/gatelog"),
			{Name: "console", Type: "stdout", Settings: &stdout.Config{}, Retry: defaultRetry, Schema: "raw"},
			fileSink("default-path", config.DefaultLogDir),
			fileSink("empty-values-are-defaults", config.DefaultLogDir),
		},
	}
	if diff := cmp.Diff(want, cfg, ignoreOrigin); diff != "" {
		t.Errorf("good.yaml (-want +got):\n%s", diff)
	}
}

func TestParseMinimalGetsDefaults(t *testing.T) {
	cfg, err := parseFile(t, "minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Config{
		State: config.DefaultState, Listen: config.DefaultListen, DataDir: "gatelog-data", LeaseTTL: config.Duration(config.DefaultFileLeaseTTL),
		Sources: []config.Source{forcepointDefaults("acme", forcepoint.Auth{Token: testToken})},
		Sinks:   []config.Sink{fileSink("files", "./gatelog-data/logs")},
	}
	if diff := cmp.Diff(want, cfg, ignoreOrigin); diff != "" {
		t.Errorf("minimal.yaml (-want +got):\n%s", diff)
	}
}

// With the state in a database the lease is short: a dead instance's
// streams pass on within half a minute.
func TestDatabaseStateGetsAShortLease(t *testing.T) {
	cfg, err := parse([]byte("state: postgres://gatelog@db.example:5432/gatelog\nsources: [{name: acme, type: forcepoint, auth: {token: t}}]\n"), "gatelog.yaml", lookup(testEnv))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LeaseTTL.Std() != config.DefaultDatabaseLeaseTTL || config.DefaultDatabaseLeaseTTL > 30*time.Second {
		t.Errorf("lease_ttl with a database = %s; want the default %s, at most 30s", cfg.LeaseTTL, config.DefaultDatabaseLeaseTTL)
	}
}

// max_batches_in_flight reaches the pipeline; left out, nothing is capped.
func TestMaxBatchesInFlight(t *testing.T) {
	for text, want := range map[string]int{"": 0, "max_batches_in_flight: 64\n": 64} {
		cfg, err := parse([]byte(text+"sources: [{name: acme, type: forcepoint, auth: {token: t}}]\n"), "gatelog.yaml", lookup(testEnv))
		if err != nil {
			t.Fatal(err)
		}
		if got := (&App{Cfg: cfg}).pipelineOptions(RunOptions{}).MaxBatches; got != want {
			t.Errorf("%q: the run is given MaxBatches %d, want %d", text, got, want)
		}
	}
}

func TestParseAnchorsAndMerge(t *testing.T) {
	cfg, err := parseFile(t, "anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	eu := forcepointDefaults("eu", forcepoint.Auth{Token: testToken}, func(s *forcepoint.Config) {
		s.BaseURL, s.LogTypes = "https://portal.eu.bitglass.net", []string{"access"}
	})
	us := forcepointDefaults("us", forcepoint.Auth{Token: testToken}, func(s *forcepoint.Config) {
		s.BaseURL, s.LogTypes = "https://portal.us.bitglass.net", []string{"access"}
	})
	if diff := cmp.Diff([]config.Source{eu, us}, cfg.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}

// badCases maps every testdata/bad_*.yaml to fragments its error must
// contain and the number of problems reported (so that one mistake does
// not drag noise along).
var badCases = map[string]struct {
	want []string
	n    int
}{
	"bad_lease_ttl.yaml": {[]string{
		`gatelog.yaml:2: lease_ttl: 1s is out of range: between 3s and 1h (default 30s with a database)`,
	}, 1},
	"bad_max_batches.yaml": {[]string{
		`gatelog.yaml:2: max_batches_in_flight: -1 is out of range: between 1 and 100000, or leave it out for no limit`,
	}, 1},
	"bad_unknown_key.yaml": {[]string{
		`gatelog.yaml:7: unknown key "log_type" in sources[0] (did you mean "log_types"?); allowed keys: name, type, base_url, insecure, path, method, auth, log_types, cv, start, poll_interval, daily_request_budget, request_timeout`,
	}, 1},
	"bad_unknown_top_key.yaml": {[]string{
		`gatelog.yaml:2: unknown key "sorces" at the top level (did you mean "sources"?); allowed keys: state, listen, listen_auth, sources, sinks`,
	}, 1},
	"bad_unknown_auth_key.yaml": {[]string{
		`gatelog.yaml:4: unknown key "tokn" in sources[0].auth (did you mean "token"?); allowed keys: token, username, password`,
	}, 1},
	"bad_unknown_key_no_suggestion.yaml": {[]string{
		`gatelog.yaml:5: unknown key "retention_policy" in sources[0]; allowed keys: name, type,`,
	}, 1},
	"bad_duplicate_key.yaml": {[]string{
		`gatelog.yaml:5: sources[0].name: duplicate key "name" in sources[0] (first at line 2)`,
	}, 1},
	"bad_log_type.yaml": {[]string{
		`gatelog.yaml:8: sources[0].log_types[2]: "acess" is not a Forcepoint log type (allowed: access, admin, cloudaudit, cloudsummary, swgweb, swgwebdlp, healthproxy, healthapi, healthsystem, ztna); did you mean "access"?`,
	}, 1},
	"bad_log_type_duplicate.yaml": {[]string{
		`gatelog.yaml:5: sources[0].log_types[2]: "access" is listed twice (first as sources[0].log_types[0])`,
	}, 1},
	"bad_log_types_empty.yaml": {[]string{
		`gatelog.yaml:5: sources[0].log_types: at least one log type is required (leave log_types out to collect the default 9)`,
	}, 1},
	"bad_log_types_shape.yaml": {[]string{
		`gatelog.yaml:5: sources[0].log_types: expected a list, e.g. log_types: [access]`,
	}, 1},
	"bad_auth_both.yaml": {[]string{
		`gatelog.yaml:4: sources[0].auth: set either token or username and password, not both`,
	}, 1},
	"bad_auth_none.yaml": {[]string{
		`gatelog.yaml:2: sources[0].auth: set either token (OAuth) or username and password (basic auth)`,
	}, 1},
	"bad_auth_password_only.yaml": {[]string{
		`gatelog.yaml:4: sources[0].auth.username: required with password`,
	}, 1},
	"bad_auth_username_only.yaml": {[]string{
		`gatelog.yaml:4: sources[0].auth.password: required with username`,
	}, 1},
	"bad_base_url_http.yaml": {[]string{
		`gatelog.yaml:4: sources[0].base_url: plain http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https://, or set insecure: true on the source to allow it`,
	}, 1},
	"bad_base_url_query.yaml": {[]string{
		`gatelog.yaml:4: sources[0].base_url: must not have a query or fragment`,
	}, 1},
	"bad_base_url_relative.yaml": {[]string{
		`gatelog.yaml:4: sources[0].base_url: "portal.bitglass.com" must be an absolute http(s) URL such as https://portal.bitglass.com`,
	}, 1},
	"bad_base_url_credentials.yaml": {[]string{
		`gatelog.yaml:4: sources[0].base_url: must not contain credentials; use auth`,
	}, 1},
	"bad_path.yaml": {[]string{
		`gatelog.yaml:5: sources[0].path: "api/bitglassapi/logs/v1/" must start with /`,
	}, 1},
	"bad_method.yaml": {[]string{
		`gatelog.yaml:5: sources[0].method: "PUT" is not supported (allowed: GET, POST)`,
	}, 1},
	"bad_cv.yaml": {[]string{
		`gatelog.yaml:5: sources[0].cv: "1.1" must look like N.N.N, e.g. 1.1.5`,
	}, 1},
	"bad_start.yaml": {[]string{
		`gatelog.yaml:5: sources[0].start: 45d is more than 30d: Forcepoint keeps logs 30 days`,
	}, 1},
	"bad_start_negative.yaml": {[]string{
		`gatelog.yaml:5: sources[0].start: -1h must be positive`,
	}, 1},
	"bad_duration.yaml": {[]string{
		`gatelog.yaml:5: sources[0].start: invalid duration "15x": use a number with a unit s, m, h or d, e.g. 90s, 15m, 1h30m, 30d`,
	}, 1},
	"bad_poll_interval.yaml": {[]string{
		`gatelog.yaml:5: sources[0].poll_interval: 30s is less than the minimum 1m`,
	}, 1},
	"bad_budget.yaml": {[]string{
		`gatelog.yaml:5: sources[0].daily_request_budget: 100001 is out of range 1..100000`,
	}, 1},
	"bad_budget_type.yaml": {[]string{
		`gatelog.yaml:5: sources[0].daily_request_budget: expected a whole number, got "lots"`,
	}, 1},
	"bad_insecure_type.yaml": {[]string{
		`gatelog.yaml:5: sources[0].insecure: expected true or false, got "maybe"`,
	}, 1},
	"bad_names.yaml": {[]string{
		`gatelog.yaml:5: sources[1].name: "acme" is already used by sources[0]`,
		`gatelog.yaml:8: sources[2].name: "../etc" must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ (it becomes a directory name)`,
		`gatelog.yaml:11: sources[3].name: required`,
	}, 3},
	"bad_source_type.yaml": {[]string{
		`gatelog.yaml:3: sources[0].type: unknown source type "bitglass" (allowed: forcepoint, symantec)`,
	}, 1},
	"bad_source_type_missing.yaml": {[]string{
		`gatelog.yaml:2: sources[0].type: required (allowed: forcepoint, symantec)`,
	}, 1},
	// The design's Symantec block: one clear message, no noise about
	// its keys or its unset variables.
	"bad_symantec.yaml": {[]string{
		`gatelog.yaml:4: sources[0].access_logs.username: environment variable SWG_LOGS_USERNAME is not set`,
		`gatelog.yaml:5: sources[0].audit.password: environment variable SWG_API_PASSWORD is not set`,
	}, 4},
	"bad_syslog.yaml": {[]string{
		`gatelog.yaml:6: sinks[0].address: "siem.example" must be host:port, e.g. siem.example:6514`,
		`gatelog.yaml:6: sinks[0].format: "syslog" is not supported (allowed: rfc5424, cef, leef, json)`,
		`gatelog.yaml:7: sinks[1].framing: UDP sends one message per datagram; framing is for tcp and tls`,
		`gatelog.yaml:8: sinks[2].tls: only with protocol: tls`,
		`gatelog.yaml:9: sinks[3].tls: cert and key go together`,
	}, 5},
	"bad_remote_sinks.yaml": {[]string{
		`gatelog.yaml:6: sinks[0].url: plain http:// is only allowed for loopback hosts; use https://, or set insecure: true`,
		`gatelog.yaml:6: sinks[0].token: required: a HEC token (use ${HEC_TOKEN})`,
		`gatelog.yaml:7: sinks[1]: set either api_key or username and password, not both`,
		`gatelog.yaml:8: sinks[2].brokers: required: at least one host:port`,
		`gatelog.yaml:9: sinks[3].bucket: required`,
	}, 5},
	"bad_symantec_settings.yaml": {[]string{
		`gatelog.yaml:4: sources[0].poll_interval: 30s is less than the minimum 5m: Broadcom throttles clients that poll the current hour too often (KB 232689: poll every 5 minutes or more)`,
		`gatelog.yaml:5: sources[0].cv: is a Forcepoint setting; a symantec source does not use it`,
		`gatelog.yaml:8: sources[0].audit: set username and password of an API key with the "Audit Logs" role (or SWG_API_USERNAME and SWG_API_PASSWORD)`,
		`gatelog.yaml:6: sources[0].log_types[1]: "access" is not a Symantec stream (allowed: accesslog, audit)`,
		`gatelog.yaml:12: sources[1].paths: is a Symantec setting; a forcepoint source does not use it`,
	}, 5},
	"bad_sink.yaml": {[]string{
		`gatelog.yaml:6: sinks[0].type: unknown sink type "nats" (allowed: file, stdout, syslog, splunk_hec, elasticsearch, kafka, s3)`,
		`gatelog.yaml:7: sinks[1].path: only file sinks have a path`,
		`gatelog.yaml:8: sinks[2].name: "out" is already used by sinks[1]`,
	}, 3},
	"bad_listen.yaml": {[]string{
		`gatelog.yaml:1: listen: "9470" must be host:port, e.g. 127.0.0.1:9470`,
	}, 1},
	"bad_listen_auth.yaml": {[]string{
		`gatelog.yaml:1: listen_auth: set both username and password, or neither (no auth on the status page)`,
	}, 1},
	"bad_no_sources.yaml": {[]string{`gatelog.yaml: sources: at least one source is required`}, 1},
	"bad_empty.yaml":      {[]string{`gatelog.yaml: sources: at least one source is required`}, 1},
	"bad_multi_document.yaml": {[]string{
		`gatelog.yaml:3: more than one YAML document (---); put the whole configuration in one document`,
	}, 1},
	"bad_top_level_list.yaml": {[]string{
		`gatelog.yaml:1: the top level must be a mapping with keys such as state, sources and sinks, not a list`,
	}, 1},
	"bad_flow_env.yaml": {[]string{
		`gatelog.yaml:5: did not find expected ',' or '}' (a ${VAR} inside {...} or [...] must be quoted, e.g. auth: {token: "${FORCEPOINT_TOKEN}"})`,
		// a value that is more than one ${VAR} is not rewritten: it must be quoted
	}, 1},
	"bad_env_unset.yaml": {[]string{
		`gatelog.yaml:5: sources[0].auth.token: environment variable UNSET_TOKEN is not set`,
	}, 1},
	// yaml.v3 reports where the broken block starts, not the bad line.
	"bad_syntax.yaml": {[]string{`gatelog.yaml:2: did not find expected '-' indicator`}, 1},
}

func TestParseBad(t *testing.T) {
	for name, tc := range badCases {
		t.Run(name, func(t *testing.T) {
			cfg, err := parseFile(t, name)
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q; got:\n%v", w, err)
				}
			}
			if n := len(config.FieldErrors(err)); n != tc.n {
				t.Errorf("got %d problems, want %d:\n%v", n, tc.n, err)
			}
		})
	}
}

// TestBadCasesCoverTestdata keeps the table and the files in step: a new
// bad_*.yaml without expectations would otherwise test nothing.
func TestBadCasesCoverTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/config/bad_*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := badCases[filepath.Base(f)]; !ok {
			t.Errorf("%s has no entry in badCases", f)
		}
	}
	if len(files) != len(badCases) {
		t.Errorf("%d bad_*.yaml files, %d badCases entries", len(files), len(badCases))
	}
}

func TestLoad(t *testing.T) {
	t.Setenv("FORCEPOINT_TOKEN", testToken)
	cfg, err := LoadConfig(filepath.Join("testdata", "config", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fp(cfg.Sources[0]).Auth.Token.Value(); got != testToken {
		t.Errorf("token = %q, want the environment's value", got)
	}
}

func TestLoadErrorsNameThePath(t *testing.T) {
	path := filepath.Join("testdata", "config", "bad_method.yaml")
	_, err := LoadConfig(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":5: ") {
		t.Errorf("error = %v, want it to start with %s:5:", err, path)
	}
	_, err = LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v, want ErrNotExist", err)
	}
}

func TestFieldErrorsCarryFieldAndLine(t *testing.T) {
	_, err := parseFile(t, "bad_log_type.yaml")
	fes := config.FieldErrors(err)
	if len(fes) != 1 {
		t.Fatalf("FieldErrors = %v", fes)
	}
	if fe := fes[0]; fe.Field != "sources[0].log_types[2]" || fe.Line != 8 || fe.File != "gatelog.yaml" {
		t.Errorf("FieldError = %+v", fe)
	}
}

func TestDefault(t *testing.T) {
	want := &config.Config{
		State: "./gatelog-data/state.db", Listen: "127.0.0.1:9470", DataDir: "gatelog-data", LeaseTTL: config.Duration(config.DefaultFileLeaseTTL),
		Sinks: []config.Sink{fileSink("files", "./gatelog-data/logs")},
	}
	if diff := cmp.Diff(want, DefaultConfig(), ignoreOrigin); diff != "" {
		t.Errorf("Default() (-want +got):\n%s", diff)
	}
	// Each call must return fresh slices: callers edit them.
	a := DefaultConfig()
	a.Sinks[0].Name = "changed"
	if DefaultConfig().Sinks[0].Name != "files" {
		t.Error("Default shares state between calls")
	}
}

func TestValidateBuiltInCode(t *testing.T) {
	c := DefaultConfig()
	s := &forcepoint.Config{BaseURL: "http://[::1]:8443", Auth: forcepoint.Auth{Token: "t"}}
	c.Sources = []config.Source{{Name: "sim", Type: "forcepoint", Settings: s}}
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	s.PollInterval = config.Duration(time.Second)
	err := c.Validate()
	if err == nil || err.Error() != "sources[0].poll_interval: 1s is less than the minimum 1m" {
		t.Errorf("Validate = %v", err)
	}
}

func TestBaseURLSchemes(t *testing.T) {
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://portal.bitglass.com", false, true},
		{"https://portal.YOURDOMAIN.com/prefix", false, true},
		{"http://127.0.0.1:8443", false, true},
		{"http://127.9.9.9", false, true},
		{"http://[::1]:8443", false, true},
		{"http://LOCALHOST:8443", false, true},
		{"http://10.0.0.1", false, false},
		{"http://localhost.example.com", false, false},
		{"http://10.0.0.1", true, true},
		{"ftp://portal.bitglass.com", true, false},
		{"https://", false, false},
		{"https://:443", false, false},
		{"https://portal.bitglass.com#frag", false, false},
		{"https://portal.bitglass.com?", false, false},
		{"https://portal bitglass.com", false, false},
	} {
		c := DefaultConfig()
		c.Sources = []config.Source{{Name: "s", Type: "forcepoint", Settings: &forcepoint.Config{BaseURL: tc.url, Insecure: tc.insecure, Auth: forcepoint.Auth{Token: "t"}}}}
		c.ApplyDefaults()
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("base_url %q insecure=%v: err = %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
	}
}

func TestSourceByName(t *testing.T) {
	cfg, err := parseFile(t, "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := cfg.SourceByName("local-sim")
	if !ok || fp(*s).BaseURL != "http://127.0.0.1:8443" {
		t.Fatalf("SourceByName(local-sim) = %+v, %v", s, ok)
	}
	s.Name = "renamed"
	if cfg.Sources[2].Name != "renamed" {
		t.Error("SourceByName returned a copy, want a pointer into the config")
	}
	if _, ok := cfg.SourceByName("nope"); ok {
		t.Error("SourceByName(nope) found something")
	}
}

// The DESIGN example writes an unquoted ${VAR} inside {...}, which YAML
// rejects; gatelog accepts it by quoting whole-value variables when, and
// only when, the file does not parse as written.
func TestFlowEnvLikeTheDesignExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "config", "flow_env.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "FORCEPOINT_TOKEN" {
			return "tok: with # and }", true
		}
		return "", false
	}
	cfg, err := parse(data, "gatelog.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if got := fp(cfg.Sources[0]).Auth.Token.Value(); got != "tok: with # and }" {
		t.Fatalf("token = %q", got)
	}
}

func TestSyslogSinkDefaults(t *testing.T) {
	cfg, err := parse([]byte("sources:\n  - {name: a, type: forcepoint, auth: {token: x}}\nsinks:\n  - {name: siem, type: syslog, address: \"127.0.0.1:6514\", protocol: tls}\n"), "gatelog.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sinks[0].Settings.(*syslog.Config)
	if s.Protocol != "tls" || s.Framing != "" || s.Format != "rfc5424" || s.AppName != "gatelog" {
		t.Fatalf("defaults: %+v", s)
	}
}

// defaultRetry is every sink's retry policy when it sets none.
var defaultRetry = config.Retry{Attempts: 3, Initial: config.Duration(500 * time.Millisecond), Max: config.Duration(10 * time.Second)}
