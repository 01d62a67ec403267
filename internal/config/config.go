// Package config loads gatelog's YAML configuration: strict decoding that
// names unknown keys with their line, ${VAR} expansion inside values only,
// .env loading, defaults, and a Validate that reports every problem at once
// with the field path and line it belongs to.
//
// The loader is generic: it knows the top-level keys and the keys every
// source (name, type) and sink (name, type, retry) has. Each type of source
// or sink brings its own block of keys as a Kind (see Settings), registered
// by the package that implements it; the loader decodes an entry's other
// keys into the Settings its Kind makes.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults, exported so that docs and `gatelog demo` show the same values.
const (
	DefaultState    = "./gatelog-data/state.db"
	DefaultListen   = "127.0.0.1:9470"
	DefaultSinkName = "files"
	DefaultLogDir   = "./gatelog-data/logs"

	DefaultDatabaseLeaseTTL = 30 * time.Second
	DefaultFileLeaseTTL     = 5 * time.Minute
	// MinLeaseTTL leaves renewals (every third of it) a second at least.
	MinLeaseTTL = 3 * time.Second
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
	// DataDir holds the local files beside the state: spooled archives and
	// the quarantine. Default: the state file's folder, or ./gatelog-data
	// when state is a database.
	DataDir string `yaml:"data_dir"`
	// LeaseTTL is how long a stream's lease lasts without renewal: how
	// long a dead instance's streams wait before another takes them over.
	// Default 30s when state is a database, 5m for the state file (one
	// process holds it: nothing to take over).
	LeaseTTL Duration `yaml:"lease_ttl"`
	// MaxBatchesInFlight, when set, bounds how many streams at once fetch
	// and deliver a batch (pipeline.Options.MaxBatches); 0: any number.
	MaxBatchesInFlight int `yaml:"max_batches_in_flight"`

	// kinds are the types of sources and sinks this config may use.
	kinds Kinds
	// src remembers where each field came from, so Validate can name
	// lines. Nil for configs built in code.
	src *origin
}

// Source is one vendor account: the keys every source has, and its type's
// own settings.
type Source struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
	// Tenant, when set, names the customer the account belongs to: it is
	// written into every record (envelope and normalized events).
	Tenant string `yaml:"tenant"`
	// Sinks routes the source to these sinks only (by name); empty: all.
	Sinks []string `yaml:"sinks"`
	// Settings is the type's block (nil when the type is unknown).
	Settings Settings `yaml:"-"`
}

// Sink is one destination: the keys every sink has, and its type's own
// settings.
type Sink struct {
	Name  string `yaml:"name"`
	Type  string `yaml:"type"`
	Retry Retry  `yaml:"retry"`
	// Schema is what the sink receives: the raw envelope (the default) or
	// one of Kinds.Schemas.
	Schema string `yaml:"schema"`
	// Settings is the type's block (nil when the type is unknown).
	Settings Settings `yaml:"-"`
}

// Settings is one type's block of configuration: a pointer to a YAML-tagged
// struct whose keys sit beside name and type in an entry. Fields tagged
// `yaml:"-"` are not configuration (a constructor may use them).
type Settings interface {
	// SetDefaults fills every field left zero with its default. env looks
	// up environment variables; it is nil when none may be read.
	SetDefaults(env func(string) (string, bool))
	// Validate reports every problem through c, with keys relative to the
	// entry. It runs after SetDefaults.
	Validate(c *Check)
}

// SchemaLimited is implemented by the settings of a sink that can write
// only some schemas (CEF maps the vendor's own fields; Security Lake's
// Parquet is OCSF): Schemas lists them and says why.
type SchemaLimited interface {
	Schemas() (allowed []string, why string)
}

// Folder is implemented by Settings that write into a local folder:
// CheckLocal creates and checks it before anything is collected. Key is
// the setting that names it.
type Folder interface {
	Folder() (key, dir string)
}

// Kind is one type of source or sink the loader can decode.
type Kind struct {
	Type string // the value of type:
	// Title names the type in messages ("Forcepoint"); default Type.
	Title string
	// New returns zero settings of the type.
	New func() Settings
	// Examples show the usual form of a key of the type whose value had
	// the wrong shape, by key name ("auth": "{token: ${FORCEPOINT_TOKEN}}").
	Examples map[string]string
}

func (k Kind) title() string { return orDefault(k.Title, k.Type) }

// Kinds lists the types a configuration may use, in the order messages
// list them.
type Kinds struct {
	Sources []Kind
	Sinks   []Kind
	// DefaultSink is the type of the sink added when a file names none
	// (named DefaultSinkName, with its type's defaults).
	DefaultSink string
	// Schemas are the values a sink's schema may take; the first is the
	// default.
	Schemas []string
}

func find(kinds []Kind, typ string) (Kind, bool) {
	for _, k := range kinds {
		if k.Type == typ {
			return k, true
		}
	}
	return Kind{}, false
}

func types(kinds []Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Type
	}
	return out
}

// Default returns the configuration used when a file sets nothing: no
// sources (a real config must name at least one) and the default sink.
func Default(kinds Kinds) *Config {
	c := &Config{kinds: kinds}
	c.ApplyDefaults()
	return c
}

// NewSettings returns the zero settings of a source (or, with sink set, a
// sink) of type typ, for configurations built in code.
func (c *Config) NewSettings(typ string, sink bool) (Settings, bool) {
	list := c.kinds.Sources
	if sink {
		list = c.kinds.Sinks
	}
	k, ok := find(list, typ)
	if !ok {
		return nil, false
	}
	return k.New(), true
}

// ApplyDefaults fills every zero field with its default, reading the
// environment where a type's defaults do (Symantec credentials from
// SWG_API_USERNAME/SWG_API_PASSWORD). Parse and Load call it; a Config built
// in code should call it before Validate.
func (c *Config) ApplyDefaults() { c.applyDefaults(os.LookupEnv) }

func (c *Config) applyDefaults(env func(string) (string, bool)) {
	c.State = orDefault(c.State, DefaultState)
	switch {
	case c.DataDir != "":
	case StateIsDatabase(c.State):
		c.DataDir = filepath.Dir(DefaultState)
	default:
		c.DataDir = filepath.Dir(c.State)
	}
	c.Listen = orDefault(c.Listen, DefaultListen)
	if c.LeaseTTL == 0 {
		c.LeaseTTL = Duration(DefaultFileLeaseTTL)
		if StateIsDatabase(c.State) {
			c.LeaseTTL = Duration(DefaultDatabaseLeaseTTL)
		}
	}
	for _, s := range c.Sources {
		if s.Settings != nil {
			s.Settings.SetDefaults(env)
		}
	}
	if len(c.Sinks) == 0 {
		if k, ok := find(c.kinds.Sinks, c.kinds.DefaultSink); ok {
			c.Sinks = []Sink{{Name: DefaultSinkName, Type: k.Type, Settings: k.New()}}
		}
	}
	for i := range c.Sinks {
		c.Sinks[i].Retry.applyDefaults()
		if len(c.kinds.Schemas) > 0 {
			c.Sinks[i].Schema = orDefault(c.Sinks[i].Schema, c.kinds.Schemas[0])
		}
		if s := c.Sinks[i].Settings; s != nil {
			s.SetDefaults(env)
		}
	}
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// OrDefault returns v, or def when v is the zero value: the one-line
// default of a Settings' SetDefaults.
func OrDefault[T comparable](v, def T) T { return orDefault(v, def) }

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
func Load(path string, kinds Kinds) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, os.LookupEnv, kinds)
}

// Parse is Load without the file: data is the YAML, filename is only used in
// messages, env looks up variables (nil means the process environment).
// It returns the expanded, defaulted and validated Config, or every problem
// found, each a *FieldError, joined with errors.Join.
func Parse(data []byte, filename string, env func(string) (string, bool), kinds Kinds) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	root, err := parseDocument(data, filename)
	if err != nil {
		return nil, err
	}
	cfg := &Config{kinds: kinds, src: newOrigin(filename)}
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
	w := newWalker(cfg.src, env, cfg.kinds)
	w.value(root, configType, "")
	if len(w.errs) > 0 {
		return errors.Join(w.errs...)
	}
	return decodeStrict(root, cfg, w.entries)
}

// MarshalYAML writes the entry as it is written in a file: name and type,
// then its settings' keys.
func (s Source) MarshalYAML() (any, error) {
	return entryNode(s.Settings, "name", s.Name, "type", s.Type)
}

// MarshalYAML writes the entry as it is written in a file: name, type and
// retry, then its settings' keys.
func (s Sink) MarshalYAML() (any, error) {
	return entryNode(s.Settings, "name", s.Name, "type", s.Type, "retry", s.Retry, "schema", s.Schema)
}

// entryNode is a mapping of the key/value pairs kv followed by the keys of
// settings (none when nil).
func entryNode(settings Settings, kv ...any) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		var k, v yaml.Node
		if err := k.Encode(kv[i]); err != nil {
			return nil, err
		}
		if err := v.Encode(kv[i+1]); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &k, &v)
	}
	if settings == nil {
		return n, nil
	}
	var s yaml.Node
	if err := s.Encode(settings); err != nil {
		return nil, err
	}
	n.Content = append(n.Content, s.Content...)
	return n, nil
}

// Format prints the entry with its settings, every secret redacted: a
// settings pointer printed with a verb it has no method for (%s) would
// otherwise be printed past Secret's String.
func (s Source) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "{Name:%s Type:%s Tenant:%s Sinks:%v Settings:%+v}", s.Name, s.Type, s.Tenant, s.Sinks, s.Settings)
}

// Format prints the entry as Source's Format does.
func (s Sink) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "{Name:%s Type:%s Retry:%+v Schema:%s Settings:%+v}", s.Name, s.Type, s.Retry, s.Schema, s.Settings)
}

// Bind ties a settings type to a constructor taking it: the returned Kind
// makes new *S, and the returned function hands a constructor the settings
// Kind.New made, so that neither side needs a type assertion. Source and
// sink factories are built with it.
func Bind[S any, P interface {
	*S
	Settings
}, R, D any](kind Kind, build func(name string, s P, d D) (R, error)) (Kind, func(string, Settings, D) (R, error)) {
	kind.New = func() Settings { return P(new(S)) }
	return kind, func(name string, s Settings, d D) (R, error) { return build(name, s.(P), d) }
}

// StateIsDatabase reports whether state names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a bolt file.
func StateIsDatabase(state string) bool {
	return strings.HasPrefix(state, "postgres://") || strings.HasPrefix(state, "postgresql://")
}

// StateShown is c.State as logs and messages may show it: a database URL
// with its password masked.
func (c *Config) StateShown() string { return ShownState(c.State) }

// ShownState is a state location as logs and messages may show it.
func ShownState(state string) string {
	if !StateIsDatabase(state) {
		return state
	}
	u, err := url.Parse(state)
	if err != nil {
		return "postgres://(a URL that does not parse; not shown)"
	}
	return u.Redacted()
}
