package symantec

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
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
// events already delivered are recognised by a hash of their bytes. A day's
// answer is spooled to disk and handed out in batches of at most BatchSize
// events and about BatchBytes of them (and a bounded number of bad items),
// so memory does not follow the size of a day.
type auditStream struct {
	c    *Client
	id   record.StreamID
	seen state.SeenMarks
	cur  auditCursor
	day  *auditDay // the day being handed out, if any
}

// auditDay is one spooled day's answer, read as it is handed out.
type auditDay struct {
	sp    *spooled
	dec   *json.Decoder
	first bool // no batch of it handed out yet
}

var _ source.Stream = (*auditStream)(nil)

func (s *auditStream) ID() record.StreamID         { return s.id }
func (s *auditStream) PollInterval() time.Duration { return time.Duration(s.c.cfg.PollInterval) }

func (s *auditStream) Resume(_ context.Context, raw []byte) error {
	s.closeDay()
	s.cur = auditCursor{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &s.cur); err != nil {
			return errclass.Permanentf("read checkpoint of %s: %v (reset it with: gatelog state reset %s)", s.id, err, s.id)
		}
	}
	if s.cur.Day.IsZero() {
		s.cur.Day = s.c.cfg.Now().Add(-time.Duration(s.c.cfg.Start)).UTC().Truncate(24 * time.Hour)
	}
	return nil
}

// Close removes the spooled day, if one is open.
func (s *auditStream) Close() error {
	s.closeDay()
	return nil
}

func (s *auditStream) closeDay() {
	if s.day != nil {
		s.day.sp.discard()
		s.day = nil
	}
}

// Fetch returns the next not yet delivered events of the oldest open day.
func (s *auditStream) Fetch(ctx context.Context) (*source.Batch, error) {
	if s.day == nil {
		if err := s.openDay(ctx); err != nil {
			return nil, err
		}
	}
	b, done, err := s.nextBatch()
	if err != nil || done {
		s.closeDay()
	}
	if err != nil {
		return nil, err
	}
	if b.Records, err = dropSeen(s.seen, s.id, b.Records); err != nil {
		return nil, err
	}
	if done {
		s.finishDay(b)
	}
	b.Cursor, _ = json.Marshal(s.cur)
	return b, nil
}

// openDay fetches the cursor's day and spools it.
func (s *auditStream) openDay(ctx context.Context) error {
	day := s.cur.Day
	q := s.c.auditParams(AuditQuery{From: day, To: day}, "JSON")
	var sp *spooled
	err := retry.Do(ctx, retry.Policy{Attempts: s.c.cfg.MaxAttempts, Backoff: s.c.cfg.Backoff}, func(ctx context.Context, _ int) (err error) {
		sp, err = s.c.fetchRaw(ctx, s.c.cfg.Paths.Audit, q, s.c.auditRole())
		return err
	})
	if err != nil {
		return err
	}
	dec := json.NewDecoder(sp.file)
	if err := seekArray(dec); err != nil {
		sp.discard()
		return errclass.WithReason(err, errclass.ReasonMalformed)
	}
	s.day = &auditDay{sp: sp, dec: dec, first: true}
	return nil
}

// nextBatch decodes events of the open day until the batch is full; done
// says the day's list has ended.
func (s *auditStream) nextBatch() (*source.Batch, bool, error) {
	d := s.day
	dayText := s.cur.Day.Format(time.DateOnly)
	b := &source.Batch{MarkSeen: true, PruneSeenBefore: s.cur.Day.Add(-24 * time.Hour)}
	if d.first {
		b.Requests, b.Bytes, d.first = 1, d.sp.size, false
	}
	badBytes, size := 0, 0
	for len(b.Records) < s.c.cfg.BatchSize && size < s.c.cfg.BatchBytes && len(b.Bad) < maxBadItems && badBytes < maxBadBytes {
		if !d.dec.More() {
			if _, err := d.dec.Token(); err != nil {
				return nil, false, errclass.WithReason(fmt.Errorf("malformed audit response: %w", err), errclass.ReasonMalformed)
			}
			return b, true, nil
		}
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return nil, false, errclass.WithReason(fmt.Errorf("malformed audit response: %w", err), errclass.ReasonMalformed)
		}
		raw = oneLine(raw)
		t, err := auditTime(raw)
		if err != nil {
			b.Bad = append(b.Bad, source.Quarantined{Reason: err.Error(), Context: "audit " + dayText, Raw: raw})
			badBytes += len(raw)
			continue
		}
		b.Records = append(b.Records, record.Record{Time: t, Vendor: Vendor, Source: s.id.Source, Stream: StreamAudit,
			ID: record.HashID(raw), Fields: raw})
		size += len(raw)
	}
	return b, false, nil
}

// finishDay moves the cursor past a day once it is complete; until then
// the day is caught up and fetched again at the next poll.
func (s *auditStream) finishDay(b *source.Batch) {
	day := s.cur.Day
	if s.c.cfg.Now().After(day.Add(24*time.Hour + auditGrace)) {
		s.cur.Day = day.Add(24 * time.Hour)
	} else {
		b.CaughtUp = true
	}
}
