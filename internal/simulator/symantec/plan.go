package symantec

import "time"

// chunk is the run of lines of one gz member that goes into an archive.
type chunk struct {
	h     time.Time
	m     int
	lines [][]byte
}

// plan is the content of one sync archive.
type plan struct {
	chunks []chunk
	n      int
	next   pos  // position after the last line taken
	more   bool // lines remain beyond this archive
}

// collect takes lines from `from` on, in hour then index order, up to
// MaxLinesPerArchive (or maxBytes of ELFF lines), stopping before the first
// line at or after end (zero: no end). A partly filled live hour keeps its
// place: next points into it, so lines arriving later are served next time.
func (s *Server) collect(from pos, end, now time.Time, maxBytes int) plan {
	pl := plan{next: from}
	p := from
	if p.h.Before(s.start) {
		p = pos{h: s.start}
	}
	size := 0
	for last := s.lastHour(now); !p.h.After(last); p = (pos{h: p.h.Add(time.Hour)}) {
		if !end.IsZero() && !p.h.Before(end) {
			return pl
		}
		for n := s.count(p.h, now); p.i < n; p.i++ {
			if !end.IsZero() && !s.lineTime(p.h, p.i).Before(end) {
				return pl
			}
			if pl.n >= s.cfg.MaxLinesPerArchive || (maxBytes > 0 && size >= maxBytes) {
				pl.more = true
				return pl
			}
			size += s.take(&pl, p)
		}
	}
	return pl
}

// take adds the line at p to the plan and returns its size.
func (s *Server) take(pl *plan, p pos) int {
	m := p.i / s.cfg.LinesPerMember
	if k := len(pl.chunks) - 1; k < 0 || !pl.chunks[k].h.Equal(p.h) || pl.chunks[k].m != m {
		pl.chunks = append(pl.chunks, chunk{h: p.h, m: m})
	}
	raw := s.raw(p.h, p.i)
	c := &pl.chunks[len(pl.chunks)-1]
	c.lines = append(c.lines, raw)
	pl.n++
	pl.next = pos{h: p.h, i: p.i + 1}
	return len(raw) + 1
}
