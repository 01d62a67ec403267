package symantec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// tokenTTL: sync tokens older than about a day answer 410 (VULTURE #257).
const tokenTTL = 24 * time.Hour

// syncCursor is what the access-log stream commits with each batch.
type syncCursor struct {
	// Token fetches the next archive; "" starts a session (token=none).
	Token string `json:"token,omitempty"`
	// Issued is when the session's first token was issued.
	Issued time.Time `json:"issued,omitzero"`
	// Hour is the session's startDate (whole hours, as the API wants).
	Hour time.Time `json:"hour,omitzero"`
	// LastTime is the newest delivered event time; a restarted session
	// begins at its hour.
	LastTime time.Time `json:"last_time,omitzero"`
	// Replay is set while re-reading lines that may have been delivered:
	// each is checked against the committed seen marks and dropped if seen.
	Replay bool `json:"replay,omitempty"`
}

type syncStream struct {
	c      *Client
	id     record.StreamID
	seen   state.SeenMarks
	cur    syncCursor
	runCtx context.Context // from Resume: an archive walk stops with it
	active *walker
	// fetch gets the next archive: the sync API, or for a backfill the
	// next downloaded hour.
	fetch func(ctx context.Context) (*spooled, error)
	// alsoSeen are other streams whose seen marks count as delivered
	// (a backfill skips what the live stream delivered).
	alsoSeen []record.StreamID
}

func newSyncStream(c *Client, id record.StreamID, seen state.SeenMarks) *syncStream {
	s := &syncStream{c: c, id: id, seen: seen, runCtx: context.Background()}
	s.fetch = s.syncRequest
	return s
}

var _ source.Stream = (*syncStream)(nil)

func (s *syncStream) ID() record.StreamID         { return s.id }
func (s *syncStream) PollInterval() time.Duration { return time.Duration(s.c.cfg.PollInterval) }

// Resume loads the committed cursor and drops an archive in progress.
func (s *syncStream) Resume(ctx context.Context, raw []byte) error {
	s.stopWalk()
	s.runCtx = ctx
	s.cur = syncCursor{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &s.cur); err != nil {
			return errclass.Permanentf("read checkpoint of %s: %v (reset it with: gatelog state reset %s)", s.id, err, s.id)
		}
	}
	return nil
}

// Fetch returns the next batch of the archive being read, or requests the
// next archive.
func (s *syncStream) Fetch(ctx context.Context) (*source.Batch, error) {
	if s.active != nil {
		return s.next(ctx)
	}
	var b *source.Batch
	err := retry.Do(ctx, retry.Policy{Attempts: s.c.cfg.MaxAttempts, Backoff: s.c.cfg.Backoff}, func(ctx context.Context, _ int) error {
		var err error
		if b, err = s.request(ctx); errors.Is(err, errGone) {
			s.restart(err)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case b != nil:
		return b, nil
	}
	return s.next(ctx)
}

// restart begins a new session at the hour of the newest delivered event,
// re-reading (and dropping by id) what was delivered since.
func (s *syncStream) restart(why error) {
	s.c.cfg.Logger.Warn("restarting the sync session from the checkpointed hour; lines delivered since are dropped by id",
		"source", s.id.Source, "stream", s.id.Stream, "from", s.sessionHour().Format(time.RFC3339), "error", why.Error())
	s.cur.Token, s.cur.Issued, s.cur.Hour, s.cur.Replay = "", time.Time{}, time.Time{}, true
}

// sessionHour is where a session without a token starts.
func (s *syncStream) sessionHour() time.Time {
	switch {
	case !s.cur.Hour.IsZero():
		return s.cur.Hour
	case !s.cur.LastTime.IsZero():
		return hourOf(s.cur.LastTime)
	}
	return hourOf(s.c.cfg.Now().Add(-time.Duration(s.c.cfg.Start)))
}

// request fetches one archive. It returns a batch when there is nothing to
// walk (caught up), or nil after starting the walk of a new archive.
func (s *syncStream) request(ctx context.Context) (*source.Batch, error) {
	sp, err := s.fetch(ctx)
	if err != nil {
		return nil, err
	}
	return s.handle(sp)
}

// syncRequest asks the sync API for the archive after the cursor's token.
func (s *syncStream) syncRequest(ctx context.Context) (*spooled, error) {
	now := s.c.cfg.Now()
	if s.cur.Token != "" && now.Sub(s.cur.Issued) > tokenTTL {
		s.restart(errors.New("the sync token is older than 24 hours"))
	}
	s.cur.Hour = s.sessionHour()
	token := s.cur.Token
	if token == "" {
		token = "none"
	}
	q := url.Values{"startDate": {ms(s.cur.Hour)}, "endDate": {"0"}, "token": {token}}
	return s.c.fetchArchive(ctx, s.c.cfg.Paths.Sync, q, s.c.accessRole())
}

// handle acts on the sync status of a spooled archive.
func (s *syncStream) handle(sp *spooled) (*source.Batch, error) {
	switch st := sp.trailer.Status; {
	case st == "abort":
		sp.discard()
		return nil, errclass.WithReason(errors.New("the server aborted the archive (X-sync-status: abort); retrying with the same token"), errclass.ReasonAbort)
	case st != "more" && st != "done":
		sp.discard()
		return nil, errclass.WithReason(fmt.Errorf("sync trailer has status %q, want more, done or abort", st), errclass.ReasonMalformed)
	case sp.trailer.Token == "":
		sp.discard()
		return nil, errclass.WithReason(errors.New("sync trailer has no token"), errclass.ReasonMalformed)
	case sp.zipSize == 0 || (st == "done" && sp.trailer.Token == s.cur.Token):
		sp.discard()
		return s.caughtUp(sp), nil
	}
	s.startWalk(sp)
	return nil, nil
}

// caughtUp: "done" with the same token (or no archive) means nothing new.
func (s *syncStream) caughtUp(sp *spooled) *source.Batch {
	s.adopt(sp.trailer.Token)
	if sp.trailer.Status == "done" {
		s.cur.Replay = false
	}
	cur, _ := json.Marshal(s.cur)
	return &source.Batch{CaughtUp: sp.trailer.Status == "done", Cursor: cur, Requests: 1, Bytes: sp.size}
}

// adopt takes the token the server handed out; a session's first token
// starts its 24-hour life.
func (s *syncStream) adopt(token string) {
	if s.cur.Token == "" {
		s.cur.Issued = s.c.cfg.Now()
	}
	s.cur.Token = token
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Close stops the archive being read, if any.
func (s *syncStream) Close() error {
	s.stopWalk()
	return nil
}
