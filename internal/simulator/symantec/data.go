package symantec

import (
	"math"
	"slices"
	"time"
)

// The log data is a sequence of hours. Pre-generated hours [start, end)
// hold LinesPerHour lines each; with Live, hours from end on hold the live
// lines that have arrived. Within an hour, lines have an index in
// generation order; the index decides the gz member (index/LinesPerMember).

// pos is a place in the walk: line i of hour h.
type pos struct {
	h time.Time
	i int
}

// liveClock times the live lines: line j (0-based, counted from end)
// arrives at end + j/rate seconds, which is also its log time.
type liveClock struct {
	end  time.Time
	rate float64
}

func (l liveClock) at(j int) time.Time {
	return l.end.Add(time.Duration(float64(j) * float64(time.Second) / l.rate))
}

// before is the number of live lines whose exact time is before t. The
// float estimate is corrected so that it agrees with at exactly.
func (l liveClock) before(t time.Time) int {
	d := t.Sub(l.end)
	if d <= 0 {
		return 0
	}
	k := int(math.Ceil(float64(d) * l.rate / float64(time.Second)))
	for k > 0 && !l.at(k-1).Before(t) {
		k--
	}
	for l.at(k).Before(t) {
		k++
	}
	return k
}

// pregen reports whether h is a pre-generated hour.
func (s *Server) pregen(h time.Time) bool { return !h.Before(s.start) && h.Before(s.end) }

// count is the number of lines of hour h that exist at now.
func (s *Server) count(h, now time.Time) int {
	if s.pregen(h) {
		return s.cfg.LinesPerHour
	}
	if !s.cfg.Live || h.Before(s.end) {
		return 0
	}
	upTo := h.Add(time.Hour)
	if !now.Before(upTo) {
		return s.live.before(upTo) - s.live.before(h)
	}
	return s.live.before(now.Add(1)) - s.live.before(h) // arrived: time <= now
}

// lastHour is the newest hour that can hold lines at now.
func (s *Server) lastHour(now time.Time) time.Time {
	last := s.end.Add(-time.Hour)
	if s.cfg.Live && !now.Before(s.end) {
		last = hourOf(now)
	}
	return last
}

// complete reports whether no more lines can arrive in hour h.
func complete(h, now time.Time) bool { return !now.Before(h.Add(time.Hour)) }

// lineTime is the log time of line i of hour h, as served (whole seconds).
func (s *Server) lineTime(h time.Time, i int) time.Time {
	if !s.pregen(h) {
		return s.live.at(s.live.before(h) + i).Truncate(time.Second)
	}
	n := s.cfg.LinesPerHour
	base := func(k int) time.Time { return h.Add(time.Duration(k*3600/n) * time.Second) }
	// Neighbours 3<->4, 13<->14, ... swap times, so that a member is not
	// strictly time ordered (as SEKOIA observed). Live lines keep order.
	switch {
	case i%10 == 3 && i+1 < n:
		return base(i + 1)
	case i%10 == 4:
		return base(i - 1)
	}
	return base(i)
}

// Line is one access-log line as served.
type Line struct {
	Time   time.Time // log time (UTC, whole seconds)
	UUID   string    // x-bluecoat-transaction-uuid; "" when the line has none
	Raw    []byte    // the exact bytes as served, without the newline
	Fields []string  // the #Fields names of its member
}

// Lines returns every line that exists at Now() with log time in
// [from, to), in generation order (hour, then index).
func (s *Server) Lines(from, to time.Time) []Line {
	now := s.cfg.Now()
	var out []Line
	h := hourOf(from)
	if h.Before(s.start) {
		h = s.start
	}
	for last := s.lastHour(now); !h.After(last) && h.Before(to); h = h.Add(time.Hour) {
		n := s.count(h, now)
		for i := 0; i < n; i++ {
			if t := s.lineTime(h, i); !t.Before(from) && t.Before(to) {
				out = append(out, s.line(h, i))
			}
		}
	}
	return out
}

// line builds line i of hour h with the fields of its member.
func (s *Server) line(h time.Time, i int) Line {
	fields := memberFields(h, i/s.cfg.LinesPerMember)
	c := s.newLineCtx(h, i)
	return Line{Time: c.t, UUID: c.uuid, Raw: c.render(fields), Fields: slices.Clone(fields)}
}

// raw renders line i of hour h as served.
func (s *Server) raw(h time.Time, i int) []byte {
	return s.newLineCtx(h, i).render(memberFields(h, i/s.cfg.LinesPerMember))
}
