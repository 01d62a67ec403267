package forcepoint

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
)

// applyPage turns a decoded page into the batch and advances the cursor.
// It returns what the pacer learns from the page: its size, the event
// times it spans (of every record read, delivered before or not) and
// whether it was the end.
func (s *stream) applyPage(pg *page, sentToken string, batch *source.Batch) pageStat {
	recs, bad := s.toRecords(pg)
	stat := pageStat{n: len(pg.Data)}
	for _, r := range recs {
		if stat.oldest.IsZero() || r.Time.Before(stat.oldest) {
			stat.oldest = r.Time
		}
		if r.Time.After(stat.newest) {
			stat.newest = r.Time
		}
	}
	// New log types come newest-first; deliver every page in time order.
	if len(recs) > 1 && recs[0].Time.After(recs[len(recs)-1].Time) {
		slices.Reverse(recs)
	}
	recs = s.dedup(recs, sentToken == "")
	kind := classifyToken(pg.Token)
	batch.CaughtUp = len(pg.Data) == 0 || pg.Token == "" || kind == tokenEnd || pg.Token == sentToken
	if pg.Token != "" && kind != tokenEnd {
		s.cur.Token = pg.Token
	}
	batch.Records = append(batch.Records, recs...)
	batch.Bad = append(batch.Bad, bad...)
	batch.Cursor, _ = json.Marshal(s.cur) // a struct of strings and times always marshals
	stat.caughtUp = batch.CaughtUp
	return stat
}

func (s *stream) toRecords(pg *page) ([]record.Record, []source.Quarantined) {
	recs := make([]record.Record, 0, len(pg.Data))
	var bad []source.Quarantined
	for i, raw := range pg.Data {
		rec, err := s.toRecord(raw, pg.Keys[i])
		if err != nil {
			bad = append(bad, source.Quarantined{
				Reason: err.Error(), Context: fmt.Sprintf("%s page %d, data[%d]", s.logType, s.pages, i), Raw: raw,
			})
			continue
		}
		recs = append(recs, rec)
	}
	return recs, bad
}

// toRecord makes a record of raw with the keys the page decoder read from
// it.
func (s *stream) toRecord(raw json.RawMessage, k recordKeys) (record.Record, error) {
	if k.NotObject {
		return record.Record{}, errNotObject
	}
	if !k.HasTime {
		return record.Record{}, fmt.Errorf("record has no time")
	}
	t, err := parseTime(k.Time)
	if err != nil {
		return record.Record{}, err
	}
	return record.Record{
		Time: t, Vendor: Vendor, Source: s.cfg.Name, Stream: s.logType,
		ID: recordID(k, raw), Fields: raw,
	}, nil
}

// recordID is the vendor's own unique key where there is one.
func recordID(k recordKeys, raw []byte) string {
	switch {
	case k.TransactionID != "":
		return k.TransactionID
	case k.FileID != "":
		return k.FileID
	}
	return record.HashID(raw)
}

// parseTime reads the API's `time`: "23 Dec 2021 16:57:46", UTC. Go parses
// month names in English whatever the locale. The seed's table also names
// ISO form, so accept it too.
func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{"2 Jan 2006 15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q does not parse as \"%%d %%b %%Y %%H:%%M:%%S\"", v)
}

// dedup drops what was delivered already and advances the time anchor to
// the newest record kept. Asking by startdate re-reads the newest delivered
// second (and, for the new types, a few records before it), so in that mode
// anything older than the anchor goes too.
func (s *stream) dedup(recs []record.Record, byTime bool) []record.Record {
	anchor := s.cur.LastTime
	if anchor.IsZero() && byTime {
		anchor = s.cur.StartDate
	}
	boundary := make(map[string]bool, len(s.cur.Boundary))
	for _, id := range s.cur.Boundary {
		boundary[id] = true
	}
	out := recs[:0]
	for _, r := range recs {
		switch {
		case byTime && r.Time.Before(anchor):
			continue
		case r.Time.Equal(s.cur.LastTime) && boundary[r.ID]:
			continue
		case r.Time.After(s.cur.LastTime):
			s.cur.LastTime = r.Time
			clear(boundary)
			s.cur.Boundary = s.cur.Boundary[:0]
		}
		if r.Time.Equal(s.cur.LastTime) {
			boundary[r.ID] = true
			s.cur.Boundary = append(s.cur.Boundary, r.ID)
		}
		out = append(out, r)
	}
	return out
}
