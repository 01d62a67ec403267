package symantec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// lineCtx holds the random choices of one line, made once so that values
// agree with each other whichever fields a member lists, and in any order.
type lineCtx struct {
	s        *Server
	t        time.Time
	i        int
	uuid     string
	who      person
	site     site
	loc      int // index into s.locs, or -1 for the client connector
	ua       string
	cip, rip string
	sip      string
	ipv6     string
	app      string
	method   string
	scheme   string
	port     string
	status   string
	action   string
	filter   string
	exc      string
	taken    int
	scBytes  int
	csBytes  int
	country  string
	risk     string
	tlsVer   string
	width    int    // > 0: pad cs-uri-query so the line is this long
	longQ    string // the padded cs-uri-query, once computed
}

// Salts of the per-line rare choices (chance).
const (
	saltLatin9User uint64 = 0x1a719_05e5
	saltLatin9Loc  uint64 = 0x1a719_10c5
	saltBigLine    uint64 = 0xb16_11fe
)

func (s *Server) newLineCtx(h time.Time, i int) *lineCtx {
	r := simrand.RNG(simrand.Mix(s.seed ^ simrand.Mix(uint64(h.Unix())+simrand.Mix(uint64(i)))))
	c := &lineCtx{s: s, t: s.lineTime(h, i), i: i, who: s.pickPerson(&r, h, i), site: simrand.Pick(&r, sites), ua: simrand.Pick(&r, userAgents)}
	c.uuid = uuidOf(r.Next(), r.Next())
	if i%150 == 7 {
		c.uuid = "" // a few lines per hour carry no transaction uuid
	}
	c.loc = s.pickLocation(&r, h, i)
	if i == s.bigLine && h.Equal(s.start) {
		c.width = s.cfg.BigLineBytes
	}
	c.cip = fmt.Sprintf("10.%d.%d.%d", r.Intn(256), r.Intn(256), r.Between(1, 254))
	c.sip = fmt.Sprintf("199.19.250.%d", r.Between(1, 254))
	c.rip = fmt.Sprintf("%d.%d.%d.%d", r.Between(13, 223), r.Intn(256), r.Intn(256), r.Between(1, 254))
	c.ipv6 = simrand.Pick(&r, []string{"-", fmt.Sprintf("2001:db8:%x::%x", r.Intn(65536), r.Intn(65536))})
	c.taken, c.scBytes, c.csBytes = r.Between(1, 9000), r.Between(0, 2_000_000), r.Between(200, 40_000)
	c.country, c.risk = simrand.Pick(&r, countries), strconv.Itoa(r.Between(1, 10))
	c.tlsVer = simrand.Pick(&r, []string{"TLSv1.2", "TLSv1.3"})
	c.decideAction(&r)
	return c
}

// pickPerson: an accented (Latin-9, not UTF-8) user at Latin9UserRate,
// else one with an ASCII name.
func (s *Server) pickPerson(r *simrand.RNG, h time.Time, i int) person {
	if s.chance(h, i, saltLatin9User, s.cfg.Latin9UserRate) {
		return simrand.Pick(r, accentedPeople)
	}
	return simrand.Pick(r, people)
}

// pickLocation returns an index into s.locs, or -1 for the client
// connector (two lines in three); a location with a Latin-9 name only at
// Latin9LocationRate.
func (s *Server) pickLocation(r *simrand.RNG, h time.Time, i int) int {
	if len(s.accentLocs) > 0 && s.chance(h, i, saltLatin9Loc, s.cfg.Latin9LocationRate) {
		return simrand.Pick(r, s.accentLocs)
	}
	if len(s.plainLocs) == 0 || r.Intn(3) != 0 {
		return -1
	}
	return simrand.Pick(r, s.plainLocs)
}

// chance is true for a share rate of lines. It hashes the seed, hour and
// index on its own, so a rare property does not shift the line's other
// random choices and stays put whichever lines are generated first.
func (s *Server) chance(h time.Time, i int, salt uint64, rate float64) bool {
	x := simrand.Mix(s.seed ^ salt ^ simrand.Mix(uint64(h.Unix())^simrand.Mix(uint64(i))))
	return float64(x>>11)/(1<<53) < rate
}

// bigLineIndex picks, from the seed, which line of the first hour is the
// BigLineBytes line, or -1. It avoids LongLineEvery lines (unless every
// line is one) so that each option keeps its own count.
func (s *Server) bigLineIndex() int {
	if s.cfg.BigLineBytes <= 0 || !s.start.Before(s.end) {
		return -1
	}
	i := int(simrand.Mix(s.seed^saltBigLine) % uint64(s.cfg.LinesPerHour))
	if s.longLine(i) && i > 0 {
		i--
	}
	return i
}

// decideAction picks the protocol and the policy outcome.
func (c *lineCtx) decideAction(r *simrand.RNG) {
	c.method, c.scheme, c.port = simrand.Pick(r, []string{"GET", "GET", "POST"}), "https", "443"
	c.status, c.action, c.filter, c.exc = simrand.Pick(r, []string{"200", "200", "204", "302", "304", "404"}), "TCP_NC_MISS", "OBSERVED", "-"
	switch r.Intn(6) {
	case 0:
		c.method, c.scheme, c.action, c.status = "CONNECT", "tcp", "TCP_TUNNELED", "200"
	case 1:
		c.scheme, c.port, c.action = "http", "80", "TCP_HIT"
	}
	if c.site.denied {
		c.action, c.filter, c.status, c.exc = "DENIED", "DENIED", "403", "policy_denied"
	}
}

// uuidOf formats 128 bits as 8-4-4-4-12 hex.
func uuidOf(a, b uint64) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// render writes the values of fields, space separated. A line with a
// width is rendered twice: the second time its cs-uri-query is padded by
// what the first one lacked, so the line is exactly width bytes.
func (c *lineCtx) render(fields []string) []byte {
	b := c.renderFields(fields)
	if c.width > len(b) && c.longQ == "" && slices.Contains(fields, "cs-uri-query") {
		c.longQ = longQuery(len(c.query()) + c.width - len(b))
		b = c.renderFields(fields)
	}
	return b
}

func (c *lineCtx) renderFields(fields []string) []byte {
	b := make([]byte, 0, 1024)
	for k, f := range fields {
		if k > 0 {
			b = append(b, ' ')
		}
		gen := fieldGen[f]
		if gen == nil {
			b = append(b, '-')
			continue
		}
		b = append(b, gen(c)...)
	}
	return b
}

// q quotes a value that contains a space, as ELFF requires; the pools hold
// no double quotes, so none need escaping.
func q(s string) string {
	if strings.ContainsRune(s, ' ') {
		return `"` + s + `"`
	}
	return s
}

// quote always quotes, as the vendor does for categories and appliances.
func quote(s string) string { return `"` + s + `"` }

func (c *lineCtx) query() string {
	switch {
	case c.longQ != "":
		return c.longQ
	case c.s.longLine(c.i):
		return longQuery(c.s.cfg.LongLineBytes)
	}
	return c.site.query
}

// longLine reports whether line i of an hour is a LongLineEvery line.
func (s *Server) longLine(i int) bool {
	n := s.cfg.LongLineEvery
	return n > 0 && (i+1)%n == 0
}

// longQuery is a cs-uri-query of exactly n bytes, like the tracking
// parameters that push real lines to tens of kilobytes.
func longQuery(n int) string {
	const unit = "&utm_content=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
	var b strings.Builder
	b.Grow(n)
	b.WriteString("?x=1")
	for b.Len() < n {
		b.WriteString(unit)
	}
	return b.String()[:n]
}

func (c *lineCtx) locID() string {
	if c.loc < 0 {
		return "0"
	}
	return strconv.Itoa(c.s.locs[c.loc].id)
}

func (c *lineCtx) locName() string {
	if c.loc < 0 {
		return "client"
	}
	return q(latin9(c.s.locs[c.loc].name))
}

func (c *lineCtx) accessType() string {
	if c.loc < 0 {
		return "client_connector"
	}
	return strings.ToLower(c.s.locs[c.loc].typ)
}

func (c *lineCtx) certHost() string {
	if c.scheme == "http" {
		return "-"
	}
	return c.site.host
}

// fixed renders a column that never varies.
func fixed(s string) func(*lineCtx) string { return func(*lineCtx) string { return s } }
