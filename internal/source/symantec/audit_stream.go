package symantec

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// auditGrace is how long after a UTC day ends its events are fetched once
// more before the day counts as complete: events reach the API late.
const auditGrace = time.Hour

// auditCursor: Day is the oldest UTC day not yet known complete.
type auditCursor struct {
	Day time.Time `json:"day,omitzero"`
}

// auditStream fetches the admin audit log one UTC day at a time. The API
// has no paging token, so the current day is fetched again at each poll;
// events already delivered are recognised by a hash of their bytes.
type auditStream struct {
	c     *Client
	id    record.StreamID
	store state.Store
	cur   auditCursor
}

var _ source.Stream = (*auditStream)(nil)

func (s *auditStream) ID() record.StreamID         { return s.id }
func (s *auditStream) PollInterval() time.Duration { return s.c.cfg.PollInterval }

func (s *auditStream) Resume(_ context.Context, raw []byte) error {
	s.cur = auditCursor{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &s.cur); err != nil {
			return errclass.Permanentf("read checkpoint of %s: %v (reset it with: gatelog state reset %s)", s.id, err, s.id)
		}
	}
	if s.cur.Day.IsZero() {
		s.cur.Day = s.c.cfg.Now().Add(-s.c.cfg.Start).UTC().Truncate(24 * time.Hour)
	}
	return nil
}

// Fetch returns the not yet delivered events of the oldest open day.
func (s *auditStream) Fetch(ctx context.Context) (*source.Batch, error) {
	day := s.cur.Day
	b := &source.Batch{Requests: 1, MarkSeen: true, PruneSeenBefore: day.Add(-24 * time.Hour)}
	err := s.c.AuditJSON(ctx, AuditQuery{From: day, To: day}, func(raw json.RawMessage) error {
		t, err := auditTime(raw)
		if err != nil {
			b.Bad = append(b.Bad, source.Quarantined{Reason: err.Error(), Context: "audit " + day.Format(time.DateOnly), Raw: raw})
			return nil
		}
		b.Records = append(b.Records, record.Record{Time: t, Vendor: Vendor, Source: s.id.Source, Stream: StreamAudit,
			ID: record.HashID(raw), Fields: raw})
		b.Bytes += int64(len(raw))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if b.Records, err = dropSeen(s.store, s.id, b.Records); err != nil {
		return nil, err
	}
	if s.c.cfg.Now().After(day.Add(24*time.Hour + auditGrace)) {
		s.cur.Day = day.Add(24 * time.Hour)
	} else {
		b.CaughtUp = true
	}
	b.Cursor, _ = json.Marshal(s.cur)
	return b, nil
}

// Close implements source.Stream; the audit stream holds nothing between fetches.
func (s *auditStream) Close() error { return nil }
