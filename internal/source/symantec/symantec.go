package symantec

import (
	"fmt"
	"net/http"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
	"github.com/gatelog/gatelog/internal/state"
)

// Source is a configured Cloud SWG account with its streams.
type Source struct {
	c       *Client
	streams []source.Stream
}

var _ source.Source = (*Source)(nil)

// New builds the source's streams ("accesslog", "audit"). It removes spool
// files that crashed runs left behind, and carries a Retry-After the
// server gave a run before over to this one: ledger keeps it, seen answers
// which lines a re-read archive already delivered.
func New(cfg Config, hc *http.Client, ledger state.Ledger, seen state.SeenMarks) (*Source, error) {
	c, err := NewClient(cfg, hc)
	if err != nil {
		return nil, err
	}
	removed, err := archive.CleanSpool(c.cfg.SpoolDir)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", cfg.Name, err)
	}
	if len(removed) > 0 {
		c.cfg.Logger.Info("removed spool files left by an earlier run", "source", cfg.Name, "files", len(removed))
	}
	if ledger != nil {
		c.shareThrottles(ledger)
	}
	s := &Source{c: c}
	for _, name := range c.cfg.Streams {
		id := record.StreamID{Source: cfg.Name, Stream: name}
		switch name {
		case StreamAccessLog:
			s.streams = append(s.streams, newSyncStream(c, id, seen))
		case StreamAudit:
			s.streams = append(s.streams, &auditStream{c: c, id: id, seen: seen})
		default:
			return nil, fmt.Errorf("source %s: unknown stream %q", cfg.Name, name)
		}
	}
	return s, nil
}

func (s *Source) Name() string             { return s.c.cfg.Name }
func (s *Source) Vendor() string           { return Vendor }
func (s *Source) Streams() []source.Stream { return s.streams }

// Client returns the API client, for the ad-hoc commands.
func (s *Source) Client() *Client { return s.c }

// throttleRow is where a source's Retry-After is kept: Broadcom throttles
// per customer, so one row stands for every stream of the source. It is
// the accesslog stream's budget row, which `state show` lists.
func (c *Client) throttleRow() record.StreamID {
	return record.StreamID{Source: c.cfg.Name, Stream: StreamAccessLog}
}

// shareThrottles keeps the source's pace in the store's throttle row, so
// that every stream and instance of the customer paces together and a
// restart keeps a Retry-After. Ad-hoc commands run without a ledger and
// pace in memory.
func (c *Client) shareThrottles(ledger state.Ledger) {
	c.pace.ledger, c.pace.row = ledger, c.throttleRow()
}
