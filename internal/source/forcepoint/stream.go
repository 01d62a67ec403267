package forcepoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
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
	// pacer plans the requests (Fetch's goroutine only); plan is its
	// latest plan, for Pace and Budget from any goroutine.
	pacer  *pacer
	server serverWindow
	planMu sync.Mutex
	plan   source.Plan
}

var (
	_ source.Stream   = (*stream)(nil)
	_ source.Paced    = (*stream)(nil)
	_ source.Budgeted = (*stream)(nil)
)

func newStream(cfg *Config, logType string, client *http.Client, store state.Ledger) *stream {
	id := streamID(cfg, logType)
	return &stream{
		cfg: cfg, logType: logType, cv: cfg.EffectiveCV(logType), id: id, client: client,
		ledger: ledger{store: store, id: id, limit: cfg.DailyRequestBudget, now: cfg.Now},
		pacer:  newPacer(time.Duration(cfg.PollInterval)),
	}
}

func (s *stream) ID() record.StreamID         { return s.id }
func (s *stream) PollInterval() time.Duration { return time.Duration(s.cfg.PollInterval) }

// Budget implements source.Budgeted, with the stream's plan.
func (s *stream) Budget() (source.Budget, error) {
	b, err := s.ledger.snapshot()
	if err != nil {
		return b, err
	}
	s.planMu.Lock()
	defer s.planMu.Unlock()
	if !s.plan.IsZero() {
		b.Plan = s.plan
	}
	return b, nil
}

// Pace implements source.Paced: the wait until the request the plan
// schedules next (see pacer.go).
func (s *stream) Pace() time.Duration {
	s.planMu.Lock()
	next := s.plan.Next
	s.planMu.Unlock()
	if next.IsZero() {
		return 0
	}
	return max(next.Sub(s.cfg.Now()), 0)
}

func (s *stream) setPlan(p source.Plan) {
	s.planMu.Lock()
	s.plan = p
	s.planMu.Unlock()
}

// planned is the plan to keep with the budget at the next request; nil
// before the stream has one.
func (s *stream) planned() *planned {
	s.planMu.Lock()
	p := s.plan
	s.planMu.Unlock()
	if p.IsZero() {
		return nil
	}
	return &planned{behind: p.Behind, catchUpAt: p.CatchUpAt, every: p.Every, pageSize: s.pacer.knownPageSize()}
}

// Resume loads the committed cursor, dropping it when it is older than the
// vendor keeps logs: such a token cannot resume without a gap.
func (s *stream) Resume(_ context.Context, raw []byte) error {
	s.cur = cursor{}
	s.pacer.restart()
	s.setPlan(source.Plan{})
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
	sent := s.cfg.Now()
	budget, err := s.ledger.reserve(s.planned())
	if err != nil {
		return err
	}
	s.pacer.remember(budget.PageSize)
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
	rl := httpx.ReadRateLimit(resp.Header, s.cfg.Now())
	if err := s.ledger.observe(budget, rl); err != nil {
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
	stat := s.applyPage(pg, sentToken, batch)
	now := s.cfg.Now()
	stat.sent, stat.read = sent, now
	ws := []window{s.ledger.own(budget, now)}
	if w, ok := s.server.window(rl, now); ok {
		ws = append(ws, w)
	}
	s.setPlan(s.pacer.observe(stat, ws))
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
