package forcepoint_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/config/configtest"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// Settings as the loader makes them build one stream per log type, each
// able to fetch from the API (cv raised per type: the simulator refuses
// 1.0.7 for swgweb and the health types).
func TestFactoryBuildsWorkingStreams(t *testing.T) {
	ts := httptest.NewServer(fpsim.New(fpsim.Config{Seed: 3, DefaultCount: 5, Token: fpToken}))
	t.Cleanup(ts.Close)
	s := forcepoint.Factory.Kind.New().(*forcepoint.Config)
	s.BaseURL, s.Auth.Token, s.CV = ts.URL, fpToken, "1.0.7"
	s.SetDefaults(nil)
	before := *s
	src, err := forcepoint.Factory.New("fp", s, source.Deps{Ledger: memstate.New()})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "fp" || s.Name != "" || !slices.Equal(s.LogTypes, before.LogTypes) {
		t.Errorf("name %q, settings after build %+v: want the source named fp and the settings untouched", src.Name(), s)
	}
	var got []string
	for _, st := range src.Streams() {
		got = append(got, st.ID().Stream)
		if err := st.Resume(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Fetch(context.Background()); err != nil {
			t.Errorf("%s: %v", st.ID(), err)
		}
	}
	if want := forcepoint.LogTypes(); !slices.Equal(got, want) {
		t.Errorf("streams %v, want %v", got, want)
	}
}

// Validate's messages, through the loader, are the ones gatelog always gave.
func TestValidateMessages(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{"auth: {token: t}\n  log_types: [access, admin, acess]",
			`gatelog.yaml:5: sources[0].log_types[2]: "acess" is not a Forcepoint log type (allowed: access, admin, cloudaudit, cloudsummary, swgweb, swgwebdlp, healthproxy, healthapi, healthsystem, ztna); did you mean "access"?`},
		{"auth: {token: t}\n  log_types: [access, admin, access]",
			`gatelog.yaml:5: sources[0].log_types[2]: "access" is listed twice (first as sources[0].log_types[0])`},
		{"auth: {token: t}\n  log_types: []",
			`gatelog.yaml:5: sources[0].log_types: at least one log type is required (leave log_types out to collect the default 9)`},
		{"auth: {token: t, username: u}",
			`gatelog.yaml:4: sources[0].auth: set either token or username and password, not both`},
		{"auth: {password: p}",
			`gatelog.yaml:4: sources[0].auth.username: required with password`},
		{"auth: {username: u}",
			`gatelog.yaml:4: sources[0].auth.password: required with username`},
		{"insecure: false",
			`gatelog.yaml:2: sources[0].auth: set either token (OAuth) or username and password (basic auth)`},
		{"auth: {token: t}\n  base_url: portal.bitglass.com",
			`gatelog.yaml:5: sources[0].base_url: "portal.bitglass.com" must be an absolute http(s) URL such as https://portal.bitglass.com`},
		{"auth: {token: t}\n  path: api/bitglassapi/logs/v1/",
			`gatelog.yaml:5: sources[0].path: "api/bitglassapi/logs/v1/" must start with /`},
		{"auth: {token: t}\n  method: put",
			`gatelog.yaml:5: sources[0].method: "PUT" is not supported (allowed: GET, POST)`},
		{"auth: {token: t}\n  cv: \"1.1\"",
			`gatelog.yaml:5: sources[0].cv: "1.1" must look like N.N.N, e.g. 1.1.5`},
		{"auth: {token: t}\n  start: 45d",
			`gatelog.yaml:5: sources[0].start: 45d is more than 30d: Forcepoint keeps logs 30 days`},
		{"auth: {token: t}\n  poll_interval: 30s",
			`gatelog.yaml:5: sources[0].poll_interval: 30s is less than the minimum 1m`},
		{"auth: {token: t}\n  daily_request_budget: 100001",
			`gatelog.yaml:5: sources[0].daily_request_budget: 100001 is out of range 1..100000`},
	} {
		yaml := "sources:\n- name: fp\n  type: forcepoint\n  " + tc.entry + "\n"
		configtest.Expect(t, yaml, configtest.Sources(forcepoint.Factory.Kind), tc.want)
	}
}

// bench/economy.sh replays a day in minutes: an environment variable meant
// for it alone lowers the least poll_interval, never below a second.
func TestBenchMinPollInterval(t *testing.T) {
	yaml := []byte("sources:\n- name: fp\n  type: forcepoint\n  auth: {token: t}\n  poll_interval: 6250ms\n")
	for _, tc := range []struct {
		env string
		ok  bool
	}{{"", false}, {"1s", true}, {"100ms", false}, {"nonsense", false}} {
		env := func(k string) (string, bool) {
			if k == "GATELOG_BENCH_MIN_POLL_INTERVAL" && tc.env != "" {
				return tc.env, true
			}
			return "", false
		}
		_, err := config.Parse(yaml, "gatelog.yaml", env, configtest.Sources(forcepoint.Factory.Kind))
		if (err == nil) != tc.ok {
			t.Errorf("GATELOG_BENCH_MIN_POLL_INTERVAL=%q: %v; want accepted %v", tc.env, err, tc.ok)
		}
	}
}

// The defaults are today's, and a nil log_types collects the default types.
func TestSetDefaults(t *testing.T) {
	var c forcepoint.Config
	c.SetDefaults(nil)
	want := forcepoint.Config{BaseURL: "https://portal.bitglass.com", Path: "/api/bitglassapi/logs/v1/", Method: "GET",
		LogTypes: forcepoint.LogTypes(), CV: "1.1.5", Start: config.Duration(24 * time.Hour),
		PollInterval: config.Duration(15 * time.Minute), DailyRequestBudget: 300, RequestTimeout: config.Duration(2 * time.Minute)}
	if !slices.Equal(c.LogTypes, want.LogTypes) || c.BaseURL != want.BaseURL || c.Path != want.Path || c.Method != want.Method ||
		c.CV != want.CV || c.Start != want.Start || c.PollInterval != want.PollInterval ||
		c.DailyRequestBudget != want.DailyRequestBudget || c.RequestTimeout != want.RequestTimeout {
		t.Errorf("SetDefaults gave %+v, want %+v", c, want)
	}
	c = forcepoint.Config{Method: "post", LogTypes: []string{}}
	c.SetDefaults(nil)
	if c.Method != "POST" || c.LogTypes == nil || len(c.LogTypes) != 0 {
		t.Errorf("method %q, log_types %#v: want POST and the empty list kept for Validate", c.Method, c.LogTypes)
	}
}
