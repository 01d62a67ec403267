package symantec

import (
	"fmt"
	"net/http"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// Source is a configured Cloud SWG account with its streams.
type Source struct {
	c       *Client
	streams []source.Stream
}

var _ source.Source = (*Source)(nil)

// New builds the source's streams ("accesslog", "audit").
func New(cfg Config, hc *http.Client, store state.Store) (*Source, error) {
	c, err := NewClient(cfg, hc)
	if err != nil {
		return nil, err
	}
	s := &Source{c: c}
	for _, name := range c.cfg.Streams {
		id := record.StreamID{Source: cfg.Name, Stream: name}
		switch name {
		case StreamAccessLog:
			s.streams = append(s.streams, newSyncStream(c, id, store))
		case StreamAudit:
			s.streams = append(s.streams, &auditStream{c: c, id: id, store: store})
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
