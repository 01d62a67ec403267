package symantec

import (
	"net/url"
	"sync"
	"time"
)

// Config shapes the simulated tenant. Zero values pick the defaults below.
type Config struct {
	Seed int64
	// Start and End bound the pre-generated log hours [Start, End); both are
	// floored to the hour. End zero => Now() floored; Start zero => End-6h.
	Start, End   time.Time
	LinesPerHour int // default 600
	// Live: after End, lines keep arriving at LiveRate per second up to Now().
	Live     bool
	LiveRate float64 // default 2
	// MaxLinesPerArchive caps the lines of one sync response; beyond it the
	// status is "more" (default 5000).
	MaxLinesPerArchive int
	// LinesPerMember is the number of lines per gz member of an hour
	// (default 1000); each member of an hour has its own cloud instance id.
	LinesPerMember int
	// Credentials per role. /reportpod/* takes X-APIUsername/X-APIPassword
	// of Access*; /api/rest/audit* takes Basic Audit*; /api/rest/locations
	// takes Basic Locations*. An empty user never authenticates.
	AccessUser, AccessPassword       string
	AuditUser, AuditPassword         string
	LocationsUser, LocationsPassword string
	// TrailerMode says where the sync trailer goes: "body" (default, after
	// the ZIP bytes), "http-trailer" (chunked HTTP trailers) or "header".
	TrailerMode string
	// TokenTTL: sync tokens older than this answer 410 (VULTURE saw ~24h).
	// 0 = DefaultTokenTTL; negative = tokens never age out.
	TokenTTL time.Duration
	// MinInterval: a /reportpod request (sync, list or download, any key of
	// the tenant) sooner than this after the previous served one answers 429
	// with Retry-After (KB232689 throttles per customer). 0 =
	// DefaultMinInterval; negative = off.
	MinInterval time.Duration
	// AbortEvery: every Nth sync response that carries data is "abort" with
	// its last gz member cut mid-stream; 0 = off.
	AbortEvery int
	// BlockEvery: every Nth authenticated /reportpod request answers 423.
	BlockEvery int
	// LongLineEvery: every Nth line of an hour carries a cs-uri-query of
	// LongLineBytes (default 300 KiB); 0 = off.
	LongLineEvery int
	LongLineBytes int
	// HugeBytes > 0: a sync session (token=none) gets one archive of at least
	// this many bytes of uncompressed ELFF, streamed from one pre-compressed
	// block, with status "done".
	HugeBytes int64
	// BigLineBytes is the length of the one long line of a run (RELAY saw
	// lines of ~18,000 characters): a line of the first pre-generated hour
	// whose cs-uri-query makes the whole line this long. 0 =
	// DefaultBigLineBytes; negative = no such line.
	BigLineBytes int
	// Latin9UserRate is the share of lines whose user (cs-userdn) has a
	// non-ASCII name, written in ISO-8859-15 and so not valid UTF-8.
	// 0 = DefaultLatin9UserRate; negative = none.
	Latin9UserRate float64
	// Latin9LocationRate is the same for location names (Café, Zürich).
	// 0 = DefaultLatin9LocationRate; negative = none.
	Latin9LocationRate float64
	Latency            time.Duration // added before every answer
	Now                func() time.Time
}

// Defaults applied by New.
const (
	DefaultLinesPerHour       = 600
	DefaultLiveRate           = 2
	DefaultMaxLinesPerArchive = 5000
	DefaultLinesPerMember     = 1000
	DefaultTokenTTL           = 24 * time.Hour
	DefaultLongLineBytes      = 300 << 10
	DefaultSpan               = 6 * time.Hour
	// DefaultMinInterval is our choice: the real threshold is not published
	// (KB232689 only says "reasonable"); 1s keeps tests and demos quick
	// while a client that ignores Retry-After still meets 429s.
	DefaultMinInterval        = time.Second
	DefaultBigLineBytes       = 18000
	DefaultLatin9UserRate     = 0.001
	DefaultLatin9LocationRate = 0.0005
)

// Trailer modes.
const (
	TrailerBody        = "body"
	TrailerHTTPTrailer = "http-trailer"
	TrailerHeader      = "header"
)

// Server emulates the Cloud SWG APIs. It is safe for concurrent use.
type Server struct {
	cfg        Config
	start, end time.Time // pre-generated hours [start, end)
	live       liveClock
	seed       uint64
	locs       []location
	audit      []AuditRecord
	huge       *hugeArchive
	tokens     *tokenStore

	// plainLocs and accentLocs index the locations that appear in the log,
	// with ASCII and with Latin-9 names, so the latter can be kept rare.
	plainLocs, accentLocs []int
	bigLine               int // index of the BigLineBytes line in hour start, or -1

	mu        sync.Mutex
	reqs      []Request
	podCount  int       // authenticated /reportpod requests, for BlockEvery
	dataCount int       // sync responses carrying data, for AbortEvery
	lastPod   time.Time // last /reportpod request served, for MinInterval
	sizes     map[time.Time]int64
}

// Request is one request as the server saw it.
type Request struct {
	Time       time.Time
	Path       string
	Status     int
	Query      url.Values
	SyncStatus string // X-sync-status of a 200 sync answer, else ""
	Auth       string // "x-api", "basic" or "none"
}

// New builds a server; all data is derived from cfg.Seed.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{
		cfg:    cfg,
		end:    hourOf(cfg.End),
		seed:   uint64(cfg.Seed),
		tokens: newTokenStore(uint64(cfg.Seed)),
		sizes:  map[time.Time]int64{},
	}
	s.start = hourOf(cfg.Start)
	if cfg.Start.IsZero() {
		s.start = s.end.Add(-DefaultSpan)
	}
	s.live = liveClock{end: s.end, rate: cfg.LiveRate}
	s.locs = buildLocations(s.seed)
	s.plainLocs, s.accentLocs = splitLocations(s.locs)
	s.bigLine = s.bigLineIndex()
	s.audit = buildAudit(s.seed, s.start, s.end)
	if cfg.HugeBytes > 0 {
		s.huge = s.buildHuge(cfg.HugeBytes)
	}
	return s
}

func withDefaults(cfg Config) Config {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.End.IsZero() {
		cfg.End = cfg.Now()
	}
	cfg.LinesPerHour = orInt(cfg.LinesPerHour, DefaultLinesPerHour)
	cfg.MaxLinesPerArchive = orInt(cfg.MaxLinesPerArchive, DefaultMaxLinesPerArchive)
	cfg.LinesPerMember = orInt(cfg.LinesPerMember, DefaultLinesPerMember)
	cfg.LongLineBytes = orInt(cfg.LongLineBytes, DefaultLongLineBytes)
	if cfg.LiveRate <= 0 {
		cfg.LiveRate = DefaultLiveRate
	}
	cfg.TokenTTL = orDuration(cfg.TokenTTL, DefaultTokenTTL)
	cfg.MinInterval = orDuration(cfg.MinInterval, DefaultMinInterval)
	if cfg.BigLineBytes == 0 {
		cfg.BigLineBytes = DefaultBigLineBytes
	}
	cfg.Latin9UserRate = orRate(cfg.Latin9UserRate, DefaultLatin9UserRate)
	cfg.Latin9LocationRate = orRate(cfg.Latin9LocationRate, DefaultLatin9LocationRate)
	switch cfg.TrailerMode {
	case "":
		cfg.TrailerMode = TrailerBody
	case TrailerBody, TrailerHTTPTrailer, TrailerHeader:
	default:
		// A typo in a test's configuration should fail loudly, not silently
		// test the default mode.
		panic("symantec: unknown TrailerMode " + cfg.TrailerMode)
	}
	return cfg
}

// orDuration: zero picks the default, negative (off) is kept.
func orDuration(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// orRate: zero picks the default, negative (none) is kept.
func orRate(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// hourOf floors t to its UTC hour.
func hourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// ExpireTokens makes every sync token issued so far answer 410 Gone.
func (s *Server) ExpireTokens() { s.tokens.expireAll() }

// AuditRecords returns the generated audit events, oldest first.
func (s *Server) AuditRecords() []AuditRecord { return append([]AuditRecord(nil), s.audit...) }

func (s *Server) logRequest(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
}
