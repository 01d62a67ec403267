package symantec

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
	"github.com/gatelog/gatelog/internal/state"
)

// BackfillStream names the stream a backfill delivers under. It is its
// own stream (own checkpoint and sink positions), so it never disturbs the
// live accesslog stream; its records still say stream "accesslog".
const BackfillStream = "accesslog-backfill"

// NewBackfill returns a source that delivers downloaded hour archives in
// dir, in hour order, through the same archive reader as the sync stream.
// Lines the live accesslog stream (or an earlier backfill) delivered are
// dropped by their member marks (marks.go), as long as they are kept: a
// downloaded hour holds whole members, numbered from their first line as
// the live stream's session numbered them. seen is read for the live
// stream's committed cursor (a state.Store shows it) and for seen marks an
// older version stored per record.
func NewBackfill(c *Client, seen state.SeenMarks, dir string, hours []time.Time) source.Source {
	hours = slices.Clone(hours)
	slices.SortFunc(hours, func(a, b time.Time) int { return a.Compare(b) })
	id := record.StreamID{Source: c.cfg.Name, Stream: BackfillStream}
	s := newSyncStream(c, id, seen)
	s.alsoSeen = []record.StreamID{{Source: c.cfg.Name, Stream: StreamAccessLog}}
	s.wholeMembers = true
	s.fetch = func(context.Context) (*spooled, error) { return nextHour(s, dir, hours) }
	return &Source{c: c, streams: []source.Stream{s}}
}

// nextHour opens the first downloaded hour at or after the cursor's token
// (the hour in RFC 3339) as if the sync API had sent it, with the next
// hour as its token: "more" until the last hour, then "done".
func nextHour(s *syncStream, dir string, hours []time.Time) (*spooled, error) {
	s.cur.Replay = true // always check what was delivered already
	i := 0
	if s.cur.Token != "" {
		from, err := time.Parse(time.RFC3339, s.cur.Token)
		if err != nil {
			return &spooled{trailer: archive.Trailer{Status: "done", Token: s.cur.Token}}, nil
		}
		i, _ = slices.BinarySearchFunc(hours, from, func(a, b time.Time) int { return a.Compare(b) })
	}
	if i >= len(hours) {
		return &spooled{trailer: archive.Trailer{Status: "done", Token: s.cur.Token}}, nil
	}
	f, err := os.Open(HourFile(dir, hours[i]))
	if err != nil {
		return nil, fmt.Errorf("backfill: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("backfill: %w", err)
	}
	next, status := "end", "done"
	if i+1 < len(hours) {
		next, status = hours[i+1].UTC().Format(time.RFC3339), "more"
	}
	return &spooled{keep: true, file: f, size: st.Size(), zipSize: st.Size(), trailer: archive.Trailer{Status: status, Token: next}}, nil
}
