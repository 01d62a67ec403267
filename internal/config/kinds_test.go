package config

import (
	"os"
	"strings"
	"testing"
)

// The loader knows no real source or sink: these two kinds stand in for
// them, so that what is generic (keys per type, foreign keys, defaults,
// checks, folders) is tested here and each component tests its own block.

type alphaSettings struct {
	URL    string   `yaml:"url"`
	Every  Duration `yaml:"every"`
	Secret Secret   `yaml:"secret"`
	Name   string   `yaml:"-"` // not configuration
}

func (a *alphaSettings) SetDefaults(func(string) (string, bool)) {
	a.Every = OrDefault(a.Every, Duration(60e9))
}
func (a *alphaSettings) Validate(c *Check) { c.HTTPURL("url", a.URL, false) }

type betaSettings struct {
	Dir   string `yaml:"dir"`
	Level int    `yaml:"level"`
}

func (b *betaSettings) SetDefaults(func(string) (string, bool)) { b.Dir = OrDefault(b.Dir, "out") }
func (b *betaSettings) Validate(c *Check) {
	if b.Level > 3 {
		c.Fail("level", "%s is more than 3", c.Show("level", b.Level))
	}
}
func (b *betaSettings) Folder() (string, string) { return "dir", b.Dir }

var testKinds = Kinds{
	Sources:     []Kind{{Type: "alpha", Title: "Alpha", New: func() Settings { return &alphaSettings{} }}},
	Sinks:       []Kind{{Type: "beta", New: func() Settings { return &betaSettings{} }}, {Type: "gamma", New: func() Settings { return &alphaSettings{} }}},
	DefaultSink: "beta",
}

func parseKinds(t *testing.T, yaml string, env map[string]string) (*Config, error) {
	t.Helper()
	return Parse([]byte(yaml), "k.yaml", lookup(env), testKinds)
}

func TestKindsDecodeEachTypeIntoItsSettings(t *testing.T) {
	cfg, err := parseKinds(t, `
sources:
  - {name: a, type: alpha, url: "https://x.example", secret: "${S}"}
sinks:
  - {name: b, type: beta, level: 2, retry: {attempts: 5}}
`, map[string]string{"S": "s3cr3t"})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := cfg.Sources[0].Settings.(*alphaSettings)
	if !ok || a.URL != "https://x.example" || a.Secret.Value() != "s3cr3t" || a.Every != Duration(60e9) || a.Name != "" {
		t.Errorf("source settings = %+v (%T)", cfg.Sources[0].Settings, cfg.Sources[0].Settings)
	}
	b, ok := cfg.Sinks[0].Settings.(*betaSettings)
	if !ok || b.Level != 2 || b.Dir != "out" || cfg.Sinks[0].Retry.Attempts != 5 {
		t.Errorf("sink = %+v, settings %+v", cfg.Sinks[0], cfg.Sinks[0].Settings)
	}
}

func TestKindsMessages(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key lists the type's keys", "sources: [{name: a, type: alpha, secrett: x}]",
			`k.yaml:1: unknown key "secrett" in sources[0] (did you mean "secret"?); allowed keys: name, type, url, every, secret`},
		{"a key of another type", "sources: [{name: a, type: alpha, url: \"https://x\"}]\nsinks: [{name: b, type: gamma, url: \"https://y\", dir: d}]",
			`k.yaml:2: sinks[0].dir: only beta sinks have a dir`},
		{"not configuration", "sources: [{name: a, type: alpha, Name: x}]", `unknown key "Name" in sources[0]`},
		{"the type's own check", "sources: [{name: a, type: alpha, url: \"http://example.com\"}]",
			`k.yaml:1: sources[0].url: plain http:// is only allowed for loopback hosts`},
		{"the type's own check, relative key", "sources: [{name: a, type: alpha, url: \"https://x\"}]\nsinks: [{name: b, type: beta, level: 4}]",
			`k.yaml:2: sinks[0].level: 4 is more than 3`},
		{"unknown type", "sources: [{name: a, type: omega, url: x, whatever: 1}]",
			`k.yaml:1: sources[0].type: unknown source type "omega" (allowed: alpha)`},
		{"type from a merge", "sources:\n  - &d {name: z, type: alpha, url: \"https://x\"}\n  - {<<: *d, name: a, url: \"http://example.com\"}",
			`k.yaml:3: sources[1].url: plain http://`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseKinds(t, tc.yaml, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %s", err, tc.want)
			}
			if n := len(FieldErrors(err)); n != 1 {
				t.Errorf("%d problems, want 1: %v", n, err)
			}
		})
	}
}

func TestKindsDefaultSinkAndItsFolder(t *testing.T) {
	dir := t.TempDir()
	cfg, err := parseKinds(t, "state: "+dir+"/state.db\nsources: [{name: a, type: alpha, url: \"https://x\"}]", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sinks) != 1 || cfg.Sinks[0].Name != DefaultSinkName || cfg.Sinks[0].Type != "beta" {
		t.Fatalf("sinks = %+v, want the default beta sink", cfg.Sinks)
	}
	b := cfg.Sinks[0].Settings.(*betaSettings)
	b.Dir = dir + "/state.db/x" // under a file: cannot be created
	if err := writeFile(dir + "/state.db"); err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckLocal()
	if err == nil || !strings.Contains(err.Error(), "the default beta sink: cannot create") {
		t.Errorf("CheckLocal = %v, want the default sink's folder named", err)
	}
}

func writeFile(path string) error { return os.WriteFile(path, []byte("x"), 0o600) }

// A postgres:// state is a database: its password is never shown, local
// files go to data_dir (default ./gatelog-data), and a URL without host or
// database is refused.
func TestStateDatabase(t *testing.T) {
	src := "\nsources: [{name: a, type: alpha, url: \"https://x\"}]\n"
	cfg, err := parseKinds(t, "state: postgres://gl:s3cr3t-pw@db.example:5432/gatelog?sslmode=verify-full"+src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "gatelog-data" || strings.Contains(cfg.StateShown(), "s3cr3t-pw") || !strings.Contains(cfg.StateShown(), "db.example:5432/gatelog") {
		t.Errorf("data_dir %q, shown %q", cfg.DataDir, cfg.StateShown())
	}
	cfg, err = parseKinds(t, "state: postgres://db.example/gatelog\ndata_dir: /var/lib/gl"+src, nil)
	if err != nil || cfg.DataDir != "/var/lib/gl" {
		t.Errorf("data_dir = %v, %v", cfg, err)
	}
	if cfg, err = parseKinds(t, "state: ./x/state.db"+src, nil); err != nil || cfg.DataDir != "x" || cfg.StateShown() != "./x/state.db" {
		t.Errorf("a file state: %v, %v", cfg, err)
	}
	for _, bad := range []string{"postgres://db.example", "postgresql:///gatelog"} {
		_, err := parseKinds(t, "state: "+bad+src, nil)
		if err == nil || !strings.Contains(err.Error(), "k.yaml:1: state: a database must be a URL such as postgres://") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
