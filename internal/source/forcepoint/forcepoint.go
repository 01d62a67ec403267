// Package forcepoint pulls logs from the Forcepoint ONE SSE (Bitglass) log
// export API: one stream per log type, paged by nextpagetoken, within a
// per-type daily request budget that each stream paces over the UTC day
// (pacer.go). The API facts it follows are in
// shared/docs/forcepoint-one-sse-api.md.
package forcepoint

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// Vendor is the envelope's vendor value.
const Vendor = "forcepoint"

// Retention is how long the vendor keeps logs; a cursor older than this
// cannot resume without a gap.
const Retention = 30 * 24 * time.Hour

// newTypes resume only by token: querying them by startdate overlaps
// (vendor bug, "no fix planned"), and their pages come newest-first.
var newTypes = map[string]bool{"swgweb": true, "swgwebdlp": true, "ztna": true}

// Source is a configured Forcepoint account.
type Source struct {
	cfg     Config
	streams []source.Stream
}

var _ source.Source = (*Source)(nil)

// New builds the source's streams. The client carries TLS and transport
// settings (httpx.NewClient); the ledger keeps budgets. cfg needs no
// defaults: New applies them, for configs built in code.
func New(cfg Config, client *http.Client, ledger state.Ledger) (*Source, error) {
	// Checked before the defaults: an empty base_url is a mistake in code,
	// not a wish for the vendor's portal.
	if err := httpx.CheckURL(cfg.BaseURL, cfg.Insecure); err != nil {
		return nil, fmt.Errorf("source %s: base_url: %w", cfg.Name, err)
	}
	cfg.SetDefaults(nil)
	cfg = withRuntimeDefaults(cfg)
	s := &Source{cfg: cfg}
	for _, t := range cfg.LogTypes {
		s.streams = append(s.streams, newStream(&s.cfg, t, client, ledger))
	}
	return s, nil
}

// withRuntimeDefaults fills what the process, not the YAML, gives a source.
func withRuntimeDefaults(c Config) Config {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 4
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (s *Source) Name() string             { return s.cfg.Name }
func (s *Source) Vendor() string           { return Vendor }
func (s *Source) Streams() []source.Stream { return s.streams }

func streamID(cfg *Config, logType string) record.StreamID {
	return record.StreamID{Source: cfg.Name, Stream: logType}
}
