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
	// Replay is set while re-reading lines that may have been delivered.
	// Lines delivered with member marks are dropped by them whether or not
	// it is set; it only makes records also be checked against the
	// per-record seen marks of an older version while Legacy is set.
	Replay bool `json:"replay,omitempty"`
	// V is the cursor's format: cursorVersion; 0 (absent) for a cursor
	// written with a seen mark per record (see upgrade).
	V int `json:"v,omitempty"`
	// Members are the member marks (marks.go): what was delivered of each
	// gz member of the last hours.
	Members memberMarks `json:"members,omitempty"`
	// Legacy is the Unix hour of the newest per-record seen mark an older
	// version may have stored for this stream (0: none can remain); Pruned
	// is the hour before which they have been dropped since.
	Legacy int64 `json:"legacy,omitempty"`
	Pruned int64 `json:"pruned,omitempty"`
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
	// alsoSeen are other streams whose member marks (and seen marks of an
	// older version) count as delivered (a backfill skips what the live
	// stream delivered).
	alsoSeen []record.StreamID
	// wholeMembers: every archive holds whole members (downloaded hours),
	// so each serves every member from its first line.
	wholeMembers bool
	// mem is the batch memory the walks reuse (batchMemory).
	mem batchMemory
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
		if s.cur.V < cursorVersion {
			s.upgrade()
		}
	}
	s.cur.V = cursorVersion
	return nil
}

// upgrade resumes from a cursor written by a version that stored a seen mark
// per delivered record instead of member marks. Those marks stay in the
// store and are honoured: while Legacy is set, every replayed record is
// also checked against them, and they are pruned as before until the
// newest of them is older than the marks kept. The sync stream starts a new
// session from the checkpointed hour, as after a 410: the old cursor does
// not say where the session stood in each member, which member marks need;
// re-read from the first line of every member, what the old version
// delivered is dropped by its seen marks and counted in the member marks.
// A backfill reads whole members anyway and goes on.
func (s *syncStream) upgrade() {
	if !s.cur.LastTime.IsZero() {
		s.cur.Legacy = unixHour(s.cur.LastTime)
	}
	if s.wholeMembers || (s.cur.Token == "" && s.cur.LastTime.IsZero()) {
		return
	}
	s.restart(errors.New("the checkpoint predates member marks"))
}

// pruneLegacy returns, between archives, a batch that only drops the seen
// marks an older version stored, when the hour before which marks are
// forgotten has moved since the last such batch (see upgrade). Once it
// passes the newest of them, Legacy is cleared.
func (s *syncStream) pruneLegacy() *source.Batch {
	if s.cur.Legacy == 0 || s.cur.LastTime.IsZero() {
		return nil
	}
	cut := pruneBefore(s.cur.LastTime)
	h := unixHour(cut)
	if h <= s.cur.Pruned {
		return nil
	}
	s.cur.Pruned = h
	if h > s.cur.Legacy {
		s.cur.Legacy, s.cur.Pruned = 0, 0
	}
	cur, _ := json.Marshal(s.cur)
	return &source.Batch{Cursor: cur, MarkSeen: true, PruneSeenBefore: cut}
}

// Fetch returns the next batch of the archive being read, or requests the
// next archive.
func (s *syncStream) Fetch(ctx context.Context) (*source.Batch, error) {
	if s.active != nil {
		return s.next(ctx)
	}
	if b := s.pruneLegacy(); b != nil {
		return b, nil
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
// re-reading (and dropping by member marks) what was delivered since: the
// new session serves every member from its first line.
func (s *syncStream) restart(why error) {
	s.c.cfg.Logger.Warn("restarting the sync session from the checkpointed hour; lines delivered since are dropped",
		"source", s.id.Source, "stream", s.id.Stream, "from", s.sessionHour().Format(time.RFC3339), "error", why.Error())
	s.cur.Token, s.cur.Issued, s.cur.Hour, s.cur.Replay = "", time.Time{}, time.Time{}, true
	s.cur.Members = restartSession(s.cur.Members)
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
