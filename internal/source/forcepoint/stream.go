package forcepoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// cursor is what a stream commits with each delivered batch.
type cursor struct {
	// Token is the last usable nextpagetoken (never the `{}` end token).
	Token string `json:"token,omitempty"`
	// StartDate is the startdate of the stream's first request, kept so that
	// polls before any token arrives ask from the same instant, not a
	// look-back that slides with the clock.
	StartDate time.Time `json:"start_date,omitzero"`
	// LastTime is the newest delivered event time and Boundary the ids
	// delivered at that second: resuming by time re-reads that second
	// (startdate is inclusive, whole seconds) and drops these ids.
	LastTime time.Time `json:"last_time,omitzero"`
	Boundary []string  `json:"boundary,omitempty"`
}

type stream struct {
	cfg     *Config
	logType string
	cv      string // collector version sent for logType
	id      record.StreamID
	client  *http.Client
	ledger  ledger
	cur     cursor
	pages   int
}

var _ source.Stream = (*stream)(nil)

func newStream(cfg *Config, logType string, client *http.Client, store state.Ledger) *stream {
	id := streamID(cfg, logType)
	return &stream{
		cfg: cfg, logType: logType, cv: cfg.EffectiveCV(logType), id: id, client: client,
		ledger: ledger{store: store, id: id, limit: cfg.DailyRequestBudget, now: cfg.Now},
	}
}

func (s *stream) ID() record.StreamID         { return s.id }
func (s *stream) PollInterval() time.Duration { return time.Duration(s.cfg.PollInterval) }

// Budget implements source.Budgeted.
func (s *stream) Budget() (source.Budget, error) { return s.ledger.snapshot() }

// Resume loads the committed cursor, dropping it when it is older than the
// vendor keeps logs: such a token cannot resume without a gap.
func (s *stream) Resume(_ context.Context, raw []byte) error {
	s.cur = cursor{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &s.cur); err != nil {
			return errclass.Permanentf("read checkpoint of %s: %v (reset it with: gatelog state reset %s)", s.id, err, s.id)
		}
	}
	now := s.cfg.Now()
	if !s.cur.LastTime.IsZero() && now.Sub(s.cur.LastTime) > Retention {
		s.cfg.Logger.Warn("checkpoint is older than the vendor's 30-day retention: possible gap",
			"source", s.id.Source, "stream", s.id.Stream, "last_event", s.cur.LastTime.UTC().Format(time.RFC3339),
			"gap_until", now.Add(-Retention).UTC().Format(time.RFC3339))
		s.cur = cursor{StartDate: now.Add(-Retention + time.Hour).UTC().Truncate(time.Second)}
	}
	return nil
}

// Fetch requests the next page, retrying transient failures within the
// request budget.
func (s *stream) Fetch(ctx context.Context) (*source.Batch, error) {
	batch := &source.Batch{}
	err := retry.Do(ctx, retry.Policy{Attempts: s.cfg.MaxAttempts, Backoff: s.cfg.Backoff}, func(ctx context.Context, _ int) error {
		err := s.fetchOnce(ctx, batch)
		if errors.Is(err, errBadToken) {
			s.cfg.Logger.Warn("the server rejected the saved page token; resuming from the newest delivered event time",
				"source", s.id.Source, "stream", s.id.Stream, "from", s.startDate().Format(time.RFC3339), "error", err.Error())
			s.cur.Token = ""
		}
		return err
	})
	return batch, err
}

// Close implements source.Stream; a stream holds nothing between fetches.
func (s *stream) Close() error { return nil }

// fetchOnce sends one request and turns its page into the batch.
func (s *stream) fetchOnce(ctx context.Context, batch *source.Batch) error {
	budget, err := s.ledger.reserve()
	if err != nil {
		return err
	}
	req, sentToken, err := s.newRequest(ctx)
	if err != nil {
		return err
	}
	batch.Requests++
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.RequestTimeout))
	defer cancel()
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("request %s: %w", s.logType, httpx.TransportError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s.refused(budget, resp)
	}
	if err := s.ledger.observe(budget, httpx.ReadRateLimit(resp.Header, s.cfg.Now())); err != nil {
		return err
	}
	body := &countingReader{r: resp.Body}
	pg, err := readPage(body, resp.ContentLength)
	batch.Bytes += body.n
	switch {
	case body.err != nil:
		return fmt.Errorf("read %s page: %w", s.logType, httpx.TransportError(body.err))
	case err != nil:
		return errclass.WithReason(err, errclass.ReasonMalformed)
	}
	s.pages++
	s.applyPage(pg, sentToken, batch)
	return nil
}

// newRequest builds the query: responseformat=json always (the API
// defaults to CSV), and either startdate or nextpagetoken, never both.
func (s *stream) newRequest(ctx context.Context) (*http.Request, string, error) {
	q := make(map[string]string, 4)
	q["type"] = s.logType
	q["cv"] = s.cv
	q["responseformat"] = "json"
	sentToken := s.cur.Token
	if sentToken != "" {
		q["nextpagetoken"] = sentToken
	} else {
		q["startdate"] = s.startDate().Format("2006-01-02T15:04:05Z")
	}
	req, err := newAPIRequest(ctx, s.cfg, q)
	return req, sentToken, err
}

// startDate is where a stream without a token asks from.
func (s *stream) startDate() time.Time {
	switch {
	case !s.cur.LastTime.IsZero():
		return s.cur.LastTime.UTC()
	case s.cur.StartDate.IsZero():
		s.cur.StartDate = s.cfg.Now().Add(-time.Duration(s.cfg.Start)).UTC().Truncate(time.Second)
	}
	return s.cur.StartDate
}

// countingReader counts the response bytes a page cost and keeps the
// transport's read error, which tells a cut connection from a bad body.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}
