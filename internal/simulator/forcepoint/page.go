package forcepoint

import "time"

// overlap is how many records before startdate a new-type startdate query
// returns, emulating the vendor's documented "querying by time is broken for
// swgweb ... causing overlaps". The size of the overlap is our choice.
const overlap = 3

// page is the records [from,to) of one response and the token sent with it.
type page struct {
	from, to int
	token    string
}

// page picks the records for a validated query. A page never goes beyond
// what exists at now, so a live stream grows under an unchanged token.
func (s *Server) page(p query, now time.Time) page {
	st := p.st
	avail := st.available(now)
	c := p.cur
	if !p.byToken {
		c = cursor{typ: st.typ, pos: st.lowerBound(p.start, avail), window: p.start.Format(layoutStartDate)}
		if st.class == classNew {
			c.pos = max(0, c.pos-overlap)
		}
	}
	from := min(c.pos, avail)
	to := min(from+s.cfg.PageSize, avail)
	if to > from {
		next := cursor{typ: st.typ, pos: to, window: c.window, page: c.page + 1}
		return page{from: from, to: to, token: s.tokens.issue(st, next)}
	}
	return page{from: from, to: to, token: s.caughtUpToken(p, c)}
}

// caughtUpToken is the token of an empty page. Old types hand back the token
// that was sent (the old API's end-of-data signal); new types send "{}".
// An empty startdate query of an old type gets a token for its position
// (our choice), so the client can page on from there.
func (s *Server) caughtUpToken(p query, c cursor) string {
	switch {
	case p.st.class == classNew:
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
