package forcepoint

import (
	"strings"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// Config shapes the simulated tenant. Zero values pick the defaults below.
type Config struct {
	Seed         int64
	Types        map[string]int // records per log type; nil => DefaultCount for each of the 10 types
	DefaultCount int            // default 1000
	End          time.Time      // newest pre-generated record time; zero => Now() at New() truncated to the second
	Span         time.Duration  // pre-generated records spread over [End-Span, End]; default 23h
	PageSize     int            // default 1000 records per page
	Token        string         // accepted OAuth bearer token ("" => bearer not accepted)
	Username     string         // accepted Basic user ("" => basic not accepted)
	Password     string
	Forbidden    []string      // usernames that authenticate but get 403 "Unauthorized"
	DailyLimit   int           // requests per (identity, type) per budget window; 0 => unlimited
	BudgetWindow time.Duration // 0 => UTC calendar day; else epoch-aligned windows of this length
	ResetFormat  string        // X-RateLimit-Reset: "epoch" (default) or "datetime"
	Live         bool          // records keep arriving after End at LiveRate per second per type
	LiveRate     float64       // default 5
	Latency      time.Duration // added to every response
	Now          func() time.Time
	// Overlap is how far before startdate a swgweb, swgwebdlp or ztna
	// startdate query reaches back (the vendor's documented overlap).
	// 0 => DefaultOverlap; negative => no overlap.
	Overlap time.Duration
	// LegacyEndToken makes old types end as the old API did: an empty page
	// carries the token that was sent instead of "{}" (e30=).
	LegacyEndToken bool
	// AllFields serves every field whatever cv asks for; by default cv
	// selects the schema, as the Data Keys table versions the fields.
	AllFields bool
	// OnRequest, when set, is told about each request as it is logged
	// (see Requests), from the goroutine serving it: for a request log
	// outside the process (`gatelog simulate --request-log`).
	OnRequest func(Request)
}

// Defaults applied by New.
const (
	DefaultCount    = 1000
	DefaultSpan     = 23 * time.Hour
	DefaultPageSize = 1000
	DefaultLiveRate = 5
	DefaultOverlap  = time.Minute
)

var allTypes = []string{"access", "admin", "cloudaudit", "cloudsummary", "swgweb", "swgwebdlp",
	"healthproxy", "healthapi", "healthsystem", "ztna"}

// AllTypes lists the log types the API serves.
func AllTypes() []string { return append([]string(nil), allTypes...) }

// Server emulates the log export API. It is safe for concurrent use.
type Server struct {
	cfg     Config
	streams map[string]*stream
	budget  *budget
	tokens  *tokenStore

	mu   sync.Mutex
	reqs []Request
}

// Request is one request as the server saw it.
type Request struct {
	Time      time.Time
	Type      string
	Status    int
	StartDate string
	Token     string // the nextpagetoken sent
	Method    string
	Auth      string // "bearer", "basic" or "none"
	Throttled bool   // a short 429 (fault.Throttle429), not the daily limit
	// Records is how many records the answer served (0 for an empty page
	// or an error), and Oldest when the oldest of them arrived, to the
	// nanosecond (zero when none): how long it waited to be read.
	Records int
	Oldest  time.Time
}

// New builds a server; all data is derived from cfg.Seed.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{
		cfg:     cfg,
		streams: map[string]*stream{},
		budget:  newBudget(cfg.DailyLimit, cfg.BudgetWindow),
		tokens:  newTokenStore(),
	}
	for _, typ := range allTypes {
		s.streams[typ] = newStream(cfg, typ)
	}
	return s
}

func withDefaults(cfg Config) Config {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DefaultCount <= 0 {
		cfg.DefaultCount = DefaultCount
	}
	if cfg.End.IsZero() {
		cfg.End = cfg.Now().Truncate(time.Second)
	}
	if cfg.Span <= 0 {
		cfg.Span = DefaultSpan
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.LiveRate <= 0 {
		cfg.LiveRate = DefaultLiveRate
	}
	if cfg.Overlap == 0 {
		cfg.Overlap = DefaultOverlap
	}
	if cfg.BudgetWindow <= 0 {
		cfg.BudgetWindow = 24 * time.Hour // epoch-aligned days are UTC days
	}
	return cfg
}

func newStream(cfg Config, typ string) *stream {
	n := cfg.DefaultCount
	if cfg.Types != nil {
		n = cfg.Types[typ]
	}
	cl, cv := classOf(typ)
	st := &stream{
		typ: typ, class: cl, minCV: cv, seed: uint64(cfg.Seed), salt: simrand.Salt(typ), n: n,
		first: cfg.End.Add(-cfg.Span), span: cfg.Span, end: cfg.End,
		live: cfg.Live, rate: cfg.LiveRate, fields: schemaOf(typ),
	}
	st.sizeHint = len(st.appendRecord(nil, 0, nil)) + 256
	return st
}

// classOf gives a type's paging class and minimum cv. The minima are what
// the vendor's own collector raises cv to; ztna is our guess.
func classOf(typ string) (class, version) {
	switch typ {
	case "swgweb", "swgwebdlp":
		return classNew, version{1, 1, 0}
	case "ztna":
		return classNew, version{1, 1, 5}
	case "healthproxy", "healthapi", "healthsystem":
		return classHealth, version{1, 1, 5}
	}
	return classOld, version{}
}

// Expected returns every record of typ whose time is <= upTo, oldest first,
// as served for DefaultCV (raised to the type's minimum), the cv gatelog's
// client sends. A zero upTo means all pre-generated records. Live records
// count once their exact (sub-second) arrival time is <= upTo.
func (s *Server) Expected(typ string, upTo time.Time) []Record {
	st := s.streams[typ]
	if st == nil {
		return nil
	}
	return s.expected(st, maxVersion(defaultCV, st.minCV), upTo)
}

// ExpectedCV is Expected as served to a request with the given cv. It is
// nil for an unknown type and for a cv the server would reject.
func (s *Server) ExpectedCV(typ, cv string, upTo time.Time) []Record {
	st := s.streams[typ]
	v, ok := parseVersion(cv)
	if st == nil || !ok || v.less(st.minCV) {
		return nil
	}
	return s.expected(st, v, upTo)
}

func (s *Server) expected(st *stream, cv version, upTo time.Time) []Record {
	n := st.n
	if !upTo.IsZero() {
		n = st.countUpTo(upTo)
	}
	v := s.viewFor(st, cv)
	out := make([]Record, n)
	for i := range out {
		out[i] = st.record(i, v)
	}
	return out
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// RequestCount is len(Requests()) without the copy.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *Server) logRequest(r Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(r)
	}
}

// isLogsPath accepts the documented path and the one without v1, each with
// or without the trailing slash.
func isLogsPath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	return p == "/api/bitglassapi/logs/v1" || p == "/api/bitglassapi/logs"
}
