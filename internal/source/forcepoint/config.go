package forcepoint

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/retry"
)

// Defaults, exported so that docs and `gatelog demo` show the same values.
const (
	DefaultBaseURL            = "https://portal.bitglass.com"
	DefaultPath               = "/api/bitglassapi/logs/v1/"
	DefaultMethod             = http.MethodGet
	DefaultCV                 = "1.1.5"
	DefaultStart              = config.Duration(24 * time.Hour)
	DefaultPollInterval       = config.Duration(15 * time.Minute)
	DefaultDailyRequestBudget = 300
	DefaultRequestTimeout     = config.Duration(2 * time.Minute)
)

// Limits checked by Validate.
const (
	// MaxStart is how far back Forcepoint keeps logs.
	MaxStart = config.Duration(Retention)
	// MinPollInterval keeps nine log types inside the daily request budget.
	MinPollInterval       = config.Duration(time.Minute)
	MaxDailyRequestBudget = 100000
)

// Config is one Forcepoint source: its block of gatelog.yaml (the loader
// fills in the defaults and validates it) and what the process adds.
type Config struct {
	BaseURL  string `yaml:"base_url"` // e.g. https://portal.bitglass.com
	Insecure bool   `yaml:"insecure"` // skip TLS verification, allow plain http
	Path     string `yaml:"path"`     // e.g. /api/bitglassapi/logs/v1/
	// Method is GET or POST; parameters go in the query string either way.
	Method string `yaml:"method"`
	Auth   Auth   `yaml:"auth"`

	LogTypes []string `yaml:"log_types"`
	// CV is the collector version asked for; see EffectiveCV.
	CV           string          `yaml:"cv"`
	Start        config.Duration `yaml:"start"` // look-back of a stream's first request
	PollInterval config.Duration `yaml:"poll_interval"`
	// DailyRequestBudget is our own cap, requests per type per UTC day.
	DailyRequestBudget int `yaml:"daily_request_budget"`
	// RequestTimeout bounds one request including its body.
	RequestTimeout config.Duration `yaml:"request_timeout"`

	Name string `yaml:"-" json:"-"`
	// MaxAttempts is how many tries one Fetch makes before it reports a
	// retryable error to the pipeline (default 4).
	MaxAttempts int              `yaml:"-" json:"-"`
	Backoff     retry.Backoff    `yaml:"-" json:"-"`
	Now         func() time.Time `yaml:"-" json:"-"`
	Logger      *slog.Logger     `yaml:"-" json:"-"`
	// BenchMinPoll lowers MinPollInterval for a benchmark that replays a
	// day in minutes; SetDefaults takes it from benchMinPollEnv. Zero:
	// MinPollInterval.
	BenchMinPoll config.Duration `yaml:"-" json:"-"`
}

// benchMinPollEnv names the environment variable that lets bench/economy.sh
// set a poll_interval below MinPollInterval, to replay a day on a
// shortened rate window. It is for benchmarks only (documented in
// bench/README.md, nowhere else): the pacer keeps every request inside the
// budget whatever the poll interval.
const benchMinPollEnv = "GATELOG_BENCH_MIN_POLL_INTERVAL"

// Auth holds either a bearer token or a username and password.
type Auth struct {
	Token    config.Secret `yaml:"token"` // OAuth bearer token, or
	Username string        `yaml:"username"`
	Password config.Secret `yaml:"password"` // HTTP Basic credentials
}

// SetDefaults implements config.Settings. Nothing comes from the
// environment, except the benchmarks' benchMinPollEnv.
func (c *Config) SetDefaults(env func(string) (string, bool)) {
	if env != nil {
		if v, ok := env(benchMinPollEnv); ok {
			if d, err := time.ParseDuration(v); err == nil && d >= time.Second {
				c.BenchMinPoll = config.Duration(d)
			}
		}
	}
	c.BaseURL = config.OrDefault(c.BaseURL, DefaultBaseURL)
	c.Path = config.OrDefault(c.Path, DefaultPath)
	c.Method = strings.ToUpper(config.OrDefault(c.Method, DefaultMethod))
	// Nil means "not given"; an explicit empty list is left for Validate
	// to reject, because it is more likely a mistake than a wish for the
	// defaults.
	if c.LogTypes == nil {
		c.LogTypes = LogTypes()
	}
	c.CV = config.OrDefault(c.CV, DefaultCV)
	c.Start = config.OrDefault(c.Start, DefaultStart)
	c.PollInterval = config.OrDefault(c.PollInterval, DefaultPollInterval)
	c.DailyRequestBudget = config.OrDefault(c.DailyRequestBudget, DefaultDailyRequestBudget)
	c.RequestTimeout = config.OrDefault(c.RequestTimeout, DefaultRequestTimeout)
}

// Validate implements config.Settings.
func (c *Config) Validate(ck *config.Check) {
	c.Auth.validate(ck)
	ck.BaseURL("base_url", c.BaseURL, c.Insecure, DefaultBaseURL)
	ck.APIPath("path", c.Path)
	ck.OneOf("method", c.Method, []string{http.MethodGet, http.MethodPost})
	validateLogTypes(ck, c.LogTypes)
	if !cvPattern.MatchString(c.CV) {
		ck.Fail("cv", "%s must look like N.N.N, e.g. %s", ck.Show("cv", c.CV), DefaultCV)
	}
	minPoll := MinPollInterval
	if c.BenchMinPoll > 0 {
		minPoll = c.BenchMinPoll
	}
	ck.Polling(config.Polling{Start: c.Start, PollInterval: c.PollInterval, RequestTimeout: c.RequestTimeout},
		config.PollingLimits{MaxStart: MaxStart, MinPoll: minPoll, Keeps: "Forcepoint keeps logs 30 days"})
	if b := c.DailyRequestBudget; b < 1 || b > MaxDailyRequestBudget {
		ck.Fail("daily_request_budget", "%s is out of range 1..%d", ck.Show("daily_request_budget", b), MaxDailyRequestBudget)
	}
}

func (a Auth) validate(ck *config.Check) {
	hasToken, hasUser, hasPass := a.Token != "", a.Username != "", a.Password != ""
	switch {
	case hasToken && (hasUser || hasPass):
		ck.Fail("auth", "set either token or username and password, not both")
	case hasUser && !hasPass:
		ck.Fail("auth.password", "required with username")
	case hasPass && !hasUser:
		ck.Fail("auth.username", "required with password")
	case !hasToken && !hasUser:
		ck.Fail("auth", "set either token (OAuth) or username and password (basic auth)")
	}
}

func validateLogTypes(ck *config.Check, types []string) {
	if len(types) == 0 {
		ck.Fail("log_types", "at least one log type is required (leave log_types out to collect the default %d)", len(logTypes))
		return
	}
	allowed := allTypes()
	first := map[string]int{}
	for i, t := range types {
		key := fmt.Sprintf("log_types[%d]", i)
		j, dup := first[t]
		switch {
		case !slices.Contains(allowed, t):
			ck.Fail(key, "%s is not a Forcepoint log type (allowed: %s)%s", ck.Show(key, t), strings.Join(allowed, ", "), ck.DidYouMean(key, t, allowed))
		case dup:
			ck.Fail(key, "%s is listed twice (first as %s[%d])", ck.Show(key, t), ck.Field("log_types"), j)
		default:
			first[t] = i
		}
	}
}

// PollEvery is the poll interval (source.Poller).
func (c *Config) PollEvery() time.Duration { return time.Duration(c.PollInterval) }
