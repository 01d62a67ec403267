package forcepoint

import "time"

// page is the records [from,to) of one response and the token sent with it.
type page struct {
	from, to int
	token    string
}

// page picks the records for a validated query. A page never goes beyond
// what exists at now, so a live stream grows under an unchanged token: a
// token issued for position P resumes at P however late it comes back.
func (s *Server) page(p query, now time.Time) page {
	st := p.st
	avail := st.available(now)
	c := p.cur
	if !p.byToken {
		from := st.lowerBound(s.reachBack(st, p.start), avail)
		c = cursor{typ: st.typ, pos: from, window: p.start.Format(layoutStartDate)}
	}
	from := min(c.pos, avail)
	to := min(from+s.cfg.PageSize, avail)
	if to > from {
		next := cursor{typ: st.typ, pos: to, window: c.window, page: c.page + 1}
		return page{from: from, to: to, token: s.tokens.issue(st, next)}
	}
	return page{from: from, to: to, token: s.caughtUpToken(p, c)}
}

// reachBack is where a startdate query really starts. For new types it
// is Overlap earlier, emulating the vendor's documented "querying by time
// is broken for swgweb ... causing overlaps"; the length is our choice.
func (s *Server) reachBack(st *stream, start time.Time) time.Time {
	if st.class != classNew || s.cfg.Overlap < 0 {
		return start
	}
	return start.Add(-s.cfg.Overlap)
}

// caughtUpToken is the token of an empty page: "{}" (e30=), as the API
// ends every type today. With LegacyEndToken old types end as the old API
// did, handing back the token that was sent; an empty startdate page then
// gets a token for its position (our choice), so the client can page on.
func (s *Server) caughtUpToken(p query, c cursor) string {
	switch {
	case p.st.class == classNew || !s.cfg.LegacyEndToken:
		return endToken
	case p.byToken:
		return p.token
	}
	return s.tokens.issue(p.st, c)
}

// recordIndex maps the k-th record of a page to its index: new types list a
// page newest first, old types oldest first.
func (pg page) recordIndex(st *stream, k int) int {
	if st.class == classNew {
		return pg.to - 1 - k
	}
	return pg.from + k
}
