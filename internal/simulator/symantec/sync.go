package symantec

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
)

// Sync statuses.
const (
	statusMore  = "more"
	statusDone  = "done"
	statusAbort = "abort"
)

// syncReq is a validated sync request.
type syncReq struct {
	start    time.Time
	end      time.Time // zero: open-ended (endDate=0)
	token    string
	maxBytes int // 0: no maxMB cap
}

// parseSync checks the query. startDate need not be on the hour (the
// server floors it; XSOAR does not floor); endDate 0 means "up to now".
func parseSync(q url.Values, now time.Time) (syncReq, string) {
	start, ok := epochMS(q.Get("startDate"))
	if !ok {
		return syncReq{}, "Invalid startDate: expected epoch milliseconds"
	}
	end, ok := epochMS(q.Get("endDate"))
	if !ok {
		return syncReq{}, "Invalid endDate: expected epoch milliseconds (0 for open-ended)"
	}
	p := syncReq{start: start, token: q.Get("token")}
	if p.token == "" {
		return syncReq{}, "Missing token: use token=none to start a session"
	}
	if end.UnixMilli() != 0 {
		if !end.After(start) {
			return syncReq{}, "startDate must be earlier than endDate"
		}
		if end.After(now) {
			return syncReq{}, "endDate cannot be in the future"
		}
		p.end = end
	}
	mb, msg := parseMaxMB(q)
	p.maxBytes = mb << 20
	return p, msg
}

// parseMaxMB accepts 1..512 (SEKOIA: "cannot be higher than 512").
func parseMaxMB(q url.Values) (int, string) {
	if !q.Has("maxMB") {
		return 0, ""
	}
	n, err := strconv.Atoi(q.Get("maxMB"))
	if err != nil || n < 1 || n > 512 {
		return 0, "Invalid maxMB: expected 1 to 512"
	}
	return n, ""
}

// epochMS parses a non-negative epoch-milliseconds value.
func epochMS(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(n).UTC(), true
}

// serveSync answers /reportpod/logs/sync.
func (s *Server) serveSync(w http.ResponseWriter, r *http.Request, q url.Values, now time.Time) (int, string) {
	p, msg := parseSync(q, now)
	if msg != "" {
		return writeText(w, http.StatusBadRequest, msg), ""
	}
	from := pos{h: hourOf(p.start)}
	if p.token != "none" {
		var ok bool
		if from, ok = s.tokens.lookup(p.token, now, s.cfg.TokenTTL); !ok {
			return writeText(w, http.StatusGone, goneMsg), ""
		}
		if fault.Take(r, fault.Gone410) {
			// The token is gone for good, as a real expired one would be,
			// so a client that retries it instead of restarting is caught.
			s.tokens.drop(p.token)
			return writeText(w, http.StatusGone, goneMsg), ""
		}
	}
	if s.huge != nil {
		return s.serveHuge(w, r, p, from, now)
	}
	pl := s.collect(from, p.end, now, p.maxBytes)
	a := s.answer(r, p, from, pl, now)
	s.writeSync(w, now, pl.chunks, a)
	return http.StatusOK, a.status
}

// syncAnswer is the trailer of a sync response.
type syncAnswer struct {
	status, token string
	abort         bool
}

// goneMsg is the 410 reason as the PDF gives it (RELAY).
const goneMsg = "token is no longer within the given dates or the token references expired data"

// answer picks status and token. Empty: "done" with the token sent. Abort
// (AbortEvery or an injected Abort): the token does not advance. Else
// "more" or "done" with a new token.
func (s *Server) answer(r *http.Request, p syncReq, from pos, pl plan, now time.Time) syncAnswer {
	same := p.token
	if same == "none" {
		// A new session gets a token for its start, so that polling can go on.
		same = s.tokens.issue(from, now)
	}
	if pl.n == 0 {
		return syncAnswer{status: statusDone, token: same}
	}
	if s.nextAborts() || fault.Take(r, fault.Abort) {
		return syncAnswer{status: statusAbort, token: same, abort: true}
	}
	st := statusDone
	if pl.more {
		st = statusMore
	}
	return syncAnswer{status: st, token: s.tokens.issue(pl.next, now)}
}

// nextAborts counts a data-carrying sync response; every AbortEvery-th aborts.
func (s *Server) nextAborts() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataCount++
	return s.cfg.AbortEvery > 0 && s.dataCount%s.cfg.AbortEvery == 0
}
