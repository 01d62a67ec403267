package config

import (
	"slices"
	"strconv"
	"strings"
)

// Symantec Cloud SWG (WSS) defaults; see docs/symantec-cloud-swg-api.md.
const (
	DefaultSymantecBaseURL      = "https://portal.threatpulse.com"
	DefaultSymantecStart        = Duration(24 * hour)
	DefaultSymantecPollInterval = Duration(5 * minute)
	// MinSymantecPollInterval is Broadcom's guidance for polling new data
	// (KB 232689, KB 174730); only `more` loops at once.
	MinSymantecPollInterval = Duration(5 * minute)
	// Archives of a catch-up can be GBs; RELAY waits 1800 s for one.
	DefaultSymantecRequestTimeout = Duration(30 * minute)
	// MaxSymantecStart: access logs are kept 100 days (KB 171420).
	MaxSymantecStart = Duration(100 * day)
	// The variables the vendor's blog uses; every credential falls back to them.
	EnvSymantecUsername = "SWG_API_USERNAME"
	EnvSymantecPassword = "SWG_API_PASSWORD"
)

// Symantec stream names.
const (
	StreamAccessLog = "accesslog"
	StreamAudit     = "audit"
)

// Credential is one API key: Symantec scopes each key to one role, so each
// API gets its own. The username is a generated key id, kept secret too.
type Credential struct {
	Username Secret `yaml:"username"`
	Password Secret `yaml:"password"`
}

// Set reports whether both parts are present.
func (c Credential) Set() bool { return c.Username != "" && c.Password != "" }

// SymantecPaths are the API paths; the list, download, audit and locations
// shapes are unverified against a tenant, so each can be changed.
type SymantecPaths struct {
	Sync      string `yaml:"sync"`
	List      string `yaml:"list"`
	Download  string `yaml:"download"`
	Audit     string `yaml:"audit"`
	Locations string `yaml:"locations"`
}

// AuditParams name the audit API's query parameters (unverified, so
// configurable).
type AuditParams struct {
	StartDate     string `yaml:"start_date"`
	EndDate       string `yaml:"end_date"`
	Format        string `yaml:"format"`
	ObjectType    string `yaml:"object_type"`
	OperationType string `yaml:"operation_type"`
}

// ArchiveLimits bound what one access-log archive may cost: memory stays
// bounded by these, not by the archive.
type ArchiveLimits struct {
	MaxBytes             int64   `yaml:"max_bytes"`              // spooled response body
	MaxMembers           int     `yaml:"max_members"`            // members per ZIP
	MaxUncompressedBytes int64   `yaml:"max_uncompressed_bytes"` // all members together
	MaxRatio             float64 `yaml:"max_ratio"`              // uncompressed/compressed per member
	MaxLineBytes         int     `yaml:"max_line_bytes"`         // longer lines are quarantined
}

var symantecStreams = []string{StreamAccessLog, StreamAudit}

// SymantecStreams returns the streams a Symantec source collects by default.
func SymantecStreams() []string { return slices.Clone(symantecStreams) }

func (s *Source) applySymantecDefaults(env func(string) (string, bool)) {
	s.BaseURL = orDefault(s.BaseURL, DefaultSymantecBaseURL)
	if s.LogTypes == nil {
		s.LogTypes = SymantecStreams()
	}
	s.Start = orDefault(s.Start, DefaultSymantecStart)
	s.PollInterval = orDefault(s.PollInterval, DefaultSymantecPollInterval)
	s.RequestTimeout = orDefault(s.RequestTimeout, DefaultSymantecRequestTimeout)
	p := &s.Paths
	p.Sync = orDefault(p.Sync, "/reportpod/logs/sync")
	p.List = orDefault(p.List, "/reportpod/logs/list")
	p.Download = orDefault(p.Download, "/reportpod/logs/download")
	p.Audit = orDefault(p.Audit, "/api/rest/audit/download")
	p.Locations = orDefault(p.Locations, "/api/rest/locations")
	a := &s.AuditParams
	a.StartDate = orDefault(a.StartDate, "startDate")
	a.EndDate = orDefault(a.EndDate, "endDate")
	a.Format = orDefault(a.Format, "format")
	a.ObjectType = orDefault(a.ObjectType, "objectType")
	a.OperationType = orDefault(a.OperationType, "operationType")
	l := &s.Archive
	l.MaxBytes = orDefault(l.MaxBytes, 8<<30)
	l.MaxMembers = orDefault(l.MaxMembers, 10000)
	l.MaxUncompressedBytes = orDefault(l.MaxUncompressedBytes, 64<<30)
	l.MaxRatio = orDefault(l.MaxRatio, 200)
	l.MaxLineBytes = orDefault(l.MaxLineBytes, 1<<20)
	if env != nil {
		for _, c := range []*Credential{&s.AccessLogs, &s.Audit, &s.Locations} {
			defaultCredential(c, env)
		}
	}
}

// defaultCredential fills an unset credential from SWG_API_USERNAME and
// SWG_API_PASSWORD, the names the vendor's own examples use.
func defaultCredential(c *Credential, env func(string) (string, bool)) {
	if c.Username != "" || c.Password != "" {
		return
	}
	u, _ := env(EnvSymantecUsername)
	p, _ := env(EnvSymantecPassword)
	c.Username, c.Password = Secret(u), Secret(p)
}

func (v *validator) symantec(p string, s *Source) {
	v.baseURL(p+".base_url", s.BaseURL, s.Insecure)
	v.forcepointOnly(p, s)
	v.symantecStreams(p+".log_types", s.LogTypes)
	for _, c := range []struct {
		key, stream, role string
		cred              Credential
	}{
		{"access_logs", StreamAccessLog, "Reporting Access Logs", s.AccessLogs},
		{"audit", StreamAudit, "Audit Logs", s.Audit},
	} {
		if slices.Contains(s.LogTypes, c.stream) && !c.cred.Set() {
			v.fail(p+"."+c.key, "set username and password of an API key with the %q role (or %s and %s)",
				c.role, EnvSymantecUsername, EnvSymantecPassword)
		}
	}
	for _, path := range []struct{ key, val string }{{"sync", s.Paths.Sync}, {"list", s.Paths.List},
		{"download", s.Paths.Download}, {"audit", s.Paths.Audit}, {"locations", s.Paths.Locations}} {
		v.path(p+".paths."+path.key, path.val)
	}
	v.durations(p, s, MaxSymantecStart, MinSymantecPollInterval, "Symantec keeps access logs 100 days",
		": Broadcom throttles clients that poll the current hour too often (KB 232689: poll every 5 minutes or more)")
	v.archiveLimits(p+".archive", s.Archive)
}

// forcepointOnly rejects Forcepoint settings on a Symantec source: they
// would be silently ignored otherwise.
func (v *validator) forcepointOnly(p string, s *Source) {
	for _, k := range []struct {
		key string
		set bool
	}{
		{"path", s.Path != ""}, {"method", s.Method != ""}, {"auth", s.Auth != (Auth{})}, {"cv", s.CV != ""},
		{"daily_request_budget", s.DailyRequestBudget != 0},
	} {
		if k.set {
			v.fail(p+"."+k.key, "is a Forcepoint setting; a symantec source does not use it")
		}
	}
}

// symantecOnly rejects Symantec settings on a Forcepoint source.
func (v *validator) symantecOnly(p string, s *Source) {
	for _, k := range []struct {
		key string
		set bool
	}{
		{"access_logs", s.AccessLogs != (Credential{})}, {"audit", s.Audit != (Credential{})},
		{"locations", s.Locations != (Credential{})}, {"paths", s.Paths != (SymantecPaths{})},
		{"audit_params", s.AuditParams != (AuditParams{})}, {"archive", s.Archive != (ArchiveLimits{})},
	} {
		if k.set {
			v.fail(p+"."+k.key, "is a Symantec setting; a forcepoint source does not use it")
		}
	}
}

func (v *validator) symantecStreams(field string, types []string) {
	if len(types) == 0 {
		v.fail(field, "must name at least one of: %s", strings.Join(symantecStreams, ", "))
	}
	for i, t := range types {
		if !slices.Contains(symantecStreams, t) {
			f := field + "[" + strconv.Itoa(i) + "]"
			v.fail(f, "%s is not a Symantec stream (allowed: %s)", v.show(f, t), strings.Join(symantecStreams, ", "))
		}
	}
}

func (v *validator) archiveLimits(p string, l ArchiveLimits) {
	if l.MaxBytes <= 0 || l.MaxMembers <= 0 || l.MaxUncompressedBytes <= 0 || l.MaxLineBytes <= 0 {
		v.fail(p, "limits must be positive")
	}
	if l.MaxRatio < 2 {
		v.fail(p+".max_ratio", "must be at least 2 (text compresses 5-20x)")
	}
	if l.MaxLineBytes < 64<<10 {
		v.fail(p+".max_line_bytes", "must be at least 65536: real lines reach 18,000 characters")
	}
}
