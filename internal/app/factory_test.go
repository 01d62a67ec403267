package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	"github.com/gatelog/gatelog/internal/sink"
)

// memoryConfig is the settings of a sink that exists only in this test: a
// new sink type is its package (settings, defaults, checks, constructor)
// and one registration, and nothing else in gatelog changes.
type memoryConfig struct {
	Label string `yaml:"label"`
	Keep  int    `yaml:"keep"`
}

func (c *memoryConfig) SetDefaults(func(string) (string, bool)) {
	c.Keep = config.OrDefault(c.Keep, 1000)
}

func (c *memoryConfig) Validate(ck *config.Check) {
	if c.Label == "" {
		ck.Fail("label", "required: a word for every record")
	}
	if c.Keep < 1 {
		ck.Fail("keep", "%s must be positive", ck.Show("keep", c.Keep))
	}
}

// memorySink keeps up to keep records, each tagged with the label.
type memorySink struct {
	life        *sink.Lifecycle
	name, label string
	keep        int
	mu          sync.Mutex
	got         []string
}

func (m *memorySink) Name() string { return m.name }
func (m *memorySink) Close() error { m.life.Close(); return nil }
func (m *memorySink) Recover(context.Context, record.StreamID, []byte) error {
	if m.life.Closed() {
		return sink.ErrClosed
	}
	return nil
}
func (m *memorySink) Write(_ context.Context, _ record.StreamID, recs []record.Record) ([]byte, error) {
	if m.life.Closed() {
		return nil, sink.ErrClosed
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range recs {
		if len(m.got) < m.keep {
			m.got = append(m.got, m.label+":"+r.Stream)
		}
	}
	return nil, nil
}

var (
	built       []*memorySink
	memoryTypes = sink.NewFactory(config.Kind{Type: "memory", Examples: map[string]string{"label": "blue"}},
		func(name string, c *memoryConfig, _ sink.Deps) (sink.Sink, error) {
			m := &memorySink{life: sink.NewLifecycle(), name: name, label: c.Label, keep: c.Keep}
			built = append(built, m)
			return m, nil
		})
)

func withMemory() Components {
	c := Builtin()
	c.Sinks = append(c.Sinks, memoryTypes)
	return c
}

func TestASinkAddedByItsFactoryAlone(t *testing.T) {
	comps := withMemory()
	parse := func(sinks string) (*config.Config, error) {
		yaml := "state: " + t.TempDir() + "/state.db\nsources:\n  - {name: fp, type: forcepoint, base_url: \"%s\", auth: {token: tok}, log_types: [admin]}\nsinks:\n" + sinks
		return config.Parse(fmt.Appendf(nil, yaml, srvURL(t)), "gatelog.yaml", nil, comps.Kinds())
	}
	t.Run("its checks and keys, in the loader's words", func(t *testing.T) {
		for sinks, want := range map[string]string{
			"  - {name: m, type: memory}\n":                     `gatelog.yaml:5: sinks[0].label: required: a word for every record`,
			"  - {name: m, type: memory, label: x, keep: -1}\n": `gatelog.yaml:5: sinks[0].keep: -1 must be positive`,
			"  - {name: m, type: memory, labl: x}\n":            `gatelog.yaml:5: unknown key "labl" in sinks[0] (did you mean "label"?); allowed keys: name, type, label, keep, retry, schema`,
			"  - {name: m, type: memory, label: x, path: /x}\n": `gatelog.yaml:5: sinks[0].path: only file sinks have a path`,
			"  - {name: m, type: file, label: x}\n":             `gatelog.yaml:5: sinks[0].label: only memory sinks have a label`,
			"  - {name: m, type: nats}\n":                       `(allowed: file, stdout, syslog, splunk_hec, elasticsearch, kafka, s3, memory)`,
		} {
			_, err := parse(sinks)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error = %v\nwant %s", sinks, err, want)
			}
		}
	})
	t.Run("wired and delivered to", func(t *testing.T) {
		cfg, err := parse("  - {name: m, type: memory, label: blue}\n")
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Sinks[0].Settings.(*memoryConfig).Keep; got != 1000 {
			t.Errorf("keep = %d, want the default 1000", got)
		}
		built = nil
		a, err := Open(cfg, Options{Components: &comps})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		res := a.Run(t.Context(), RunOptions{Once: true, MaxWait: time.Minute})
		if err := Outcome(res); err != nil {
			t.Fatal(err)
		}
		if len(built) != 1 || len(built[0].got) != 40 || built[0].got[0] != "blue:admin" {
			t.Fatalf("the memory sink got %d records (%v), want the simulator's 40 admin records labelled blue", len(built[0].got), built[0].got[:min(3, len(built[0].got))])
		}
	})
}

// srvURL starts a Forcepoint simulator with 40 admin records.
func srvURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(fpsim.New(fpsim.Config{Seed: 7, Types: map[string]int{"admin": 40}, Token: "tok",
		End: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), Span: time.Hour}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A source's tenant and route are checked against the sinks configured.
func TestTenantAndRouteChecks(t *testing.T) {
	base := "sources:\n  - {name: fp, type: forcepoint, auth: {token: t}, %s}\nsinks:\n  - {name: a, type: stdout}\n  - {name: archive, type: file}\n"
	for extra, want := range map[string]string{
		"sinks: [archiv]":    `gatelog.yaml:2: sources[0].sinks[0]: "archiv" is not a configured sink (sinks: a, archive); did you mean "archive"?`,
		"sinks: [a, a]":      `gatelog.yaml:2: sources[0].sinks[1]: "a" is listed twice`,
		"sinks: []":          `gatelog.yaml:2: sources[0].sinks: name at least one sink (leave sinks out to deliver to all)`,
		"tenant: \"a\\tb\"":  `gatelog.yaml:2: sources[0].tenant: must not contain control characters`,
		"tenant: acme, sink": `unknown key "sink" in sources[0] (did you mean "sinks"?); allowed keys: name, type, base_url`,
	} {
		_, err := config.Parse(fmt.Appendf(nil, base, extra), "gatelog.yaml", nil, Builtin().Kinds())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v\nwant %s", extra, err, want)
		}
	}
	cfg, err := config.Parse(fmt.Appendf(nil, base, "tenant: acme-42, sinks: [archive]"), "gatelog.yaml", nil, Builtin().Kinds())
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Sources[0]; s.Tenant != "acme-42" || !slices.Equal(s.Sinks, []string{"archive"}) {
		t.Errorf("source = %+v", s)
	}
}
