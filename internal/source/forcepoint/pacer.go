package forcepoint

import (
	"math"
	"time"

	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/source"
)

// Pacing: when a stream sends its next request. A stream has a few hundred
// requests a day (daily_request_budget, and whatever the server announces
// in X-RateLimit-*), and three situations:
//
//   - Behind (a full page came back): read the backlog in the fewest
//     requests, every one a full page. When the pages the backlog needs,
//     plus the polls live data needs for the rest of the day (one every
//     poll_interval, or every page's worth when it comes sooner), fit in
//     the requests left, fetch them back to back; otherwise space the
//     requests evenly so that the budget lasts the day, and catch up over
//     more days.
//   - Caught up (an empty or short page): poll adaptively. After data, wait
//     about as long as a page's worth of records takes to arrive at the
//     learned live rate; after an empty answer, twice the last wait; never
//     longer than poll_interval nor shorter than poll_interval/16.
//   - Always: never closer together than the day's budget allows, so that
//     it is not spent before the day ends: (time left) / (requests left + 1).
//
// The pacer is pure: it is told what each page held and when, and what the
// budgets allow, and answers with a plan. Its clock is the caller's.

const (
	// pageFill is the share of a page a live poll aims to bring: a little
	// less than a full page, so that it does not need a second request.
	pageFill = 0.9
	// minLiveRecords is the fewest records a live poll aims to bring.
	minLiveRecords = 3
	// floorShare: the shortest live wait is poll_interval / floorShare.
	floorShare = 16
	// planPeriods is how many budget periods (days) a catch-up forecast
	// looks ahead before it says "not at this budget".
	planPeriods = 60
)

// window is one request allowance: requests left until it resets, and
// what each later period grants.
type window struct {
	left   int           // requests left before reset
	reset  time.Time     // when the allowance refills
	limit  int           // requests per period after that
	period time.Duration // the period's length
}

// spacing is the least wait between requests that keeps the window's
// requests inside it: left requests at spacing, spacing×2, ... all land
// before reset.
func (w window) spacing(now time.Time) time.Duration {
	tl := w.reset.Sub(now)
	if tl <= 0 {
		return 0
	}
	return tl / time.Duration(max(w.left, 0)+1)
}

// pageStat is what the pacer learns from one answered request.
type pageStat struct {
	sent, read     time.Time // when the request went, when its page was read
	n              int       // records in the page (all of response.data)
	oldest, newest time.Time // event times in the page; zero when none parsed
	caughtUp       bool      // the stream's verdict: an empty page, the end token
}

type mode int

const (
	modeNone   mode = iota
	modeLive        // caught up, polling adaptively
	modeAtOnce      // behind, fetching back to back
	modePaced       // behind, spaced by the budget
)

func (m mode) behind() bool { return m == modeAtOnce || m == modePaced }

// pacer plans one stream's requests.
type pacer struct {
	poll  time.Duration // poll_interval: the longest live wait
	floor time.Duration // the shortest live wait

	// pageSize is the largest page seen, sure once a page of that size is
	// known to have been cut short by the server (the next request, sent at
	// once, brought more than could have arrived in between).
	pageSize int
	pageSure bool
	// rate is an EWMA of records arriving per second, learned while caught
	// up (records in a page / time since the request before it).
	rate      float64
	rateKnown bool
	// densN records over densT seconds of event time, decayed sums over
	// recent full pages: the backlog's density (see learnDensity).
	densN, densT float64
	// cycle is an EWMA of the time between back-to-back requests.
	cycle time.Duration

	last     pageStat
	lastMode mode
	wait     time.Duration // the latest live wait
	plan     source.Plan
}

func newPacer(poll time.Duration) *pacer {
	return &pacer{poll: poll, floor: max(poll/floorShare, time.Millisecond)}
}

// restart forgets the last step (a new run of the stream) and keeps what
// was learned about the data.
func (p *pacer) restart() {
	p.last, p.lastMode, p.wait, p.plan = pageStat{}, modeNone, 0, source.Plan{}
}

// remember takes a page size kept in the state store by an earlier run.
func (p *pacer) remember(pageSize int) {
	if p.pageSize == 0 && pageSize > 0 {
		p.pageSize, p.pageSure = pageSize, true
	}
}

// knownPageSize is the page size worth keeping in the store (0: not sure).
func (p *pacer) knownPageSize() int {
	if p.pageSure {
		return p.pageSize
	}
	return 0
}

// observe takes one page and the budgets after its request, and plans the
// next request.
func (p *pacer) observe(pg pageStat, ws []window) source.Plan {
	now := pg.read
	prev, prevMode := p.last, p.lastMode
	p.learnPageSize(pg, prev, prevMode)
	grown := pg.n > p.pageSize
	if grown {
		p.pageSize, p.pageSure = pg.n, false
	}
	full := !pg.caughtUp && pg.n > 0 && (grown || p.pageSure && pg.n >= p.pageSize)
	switch {
	case prevMode == modeLive:
		if dt := pg.sent.Sub(prev.sent); dt > 0 {
			p.learnRate(float64(pg.n)/dt.Seconds(), dt)
		}
	case prevMode == modeAtOnce:
		if dt := pg.sent.Sub(prev.sent); dt >= 0 {
			p.cycle = ewmaDuration(p.cycle, dt, 0.3)
		}
	}
	if full {
		p.learnDensity(pg, prev, prevMode)
	}

	// The budget's spacing counts from this request: the requests left
	// follow it, all before the reset.
	spacing, bind := budgetSpacing(pg.sent, ws)
	tlive := p.liveWait()
	plan := source.Plan{}
	var every time.Duration
	if full {
		behind := p.behind(pg)
		pages := 1
		if behind > 0 {
			pages = max(int(math.Ceil(behind/float64(p.pageSize))), 1)
		}
		// The live polls kept for the rest of the day: one every
		// poll_interval, or more often when live data needs it (a page's
		// worth arrives sooner). Keeping fewer would let the backlog spend
		// what live data needs later in the day, and fall behind again.
		if fits(pages, tlive, now, ws) {
			p.lastMode = modeAtOnce
		} else {
			p.lastMode, every, plan.BudgetBound = modePaced, spacing, true
		}
		plan.Behind = -1
		if behind >= 0 {
			plan.Behind = max(int64(math.Round(behind)), 1) // a full page: more to come
			if bind.reset.After(now) {
				cycle := p.cycle
				if cycle == 0 { // no back-to-back requests yet: this one's time
					cycle = max(pg.read.Sub(pg.sent), 0)
				}
				if reqs, at, ok := forecast(now, behind, p.pageSize, p.liveRate(), cycle, tlive, bind); ok {
					plan.CatchUpRequests, plan.CatchUpAt = reqs, at
				}
			}
		}
	} else {
		switch {
		case pg.n > 0 || prevMode.behind(): // data, or the end of a backlog: caught up now
			p.wait = tlive
		default: // empty again: wait twice as long
			p.wait = min(max(2*p.wait, p.floor), p.poll)
		}
		p.lastMode, every = modeLive, p.wait
		if spacing > every {
			every, plan.BudgetBound = spacing, true
		}
	}
	plan.Every = every
	plan.Next = pg.sent.Add(every)
	if plan.Next.Before(now) {
		plan.Next = now
	}
	p.last, p.plan = pg, plan
	return plan
}

// learnPageSize makes the page size sure when the page before was taken
// as full (it had the most records yet) and this one shows that the server
// had cut it short: it is as large again, or, asked for at once, it holds
// more than could have arrived in between.
func (p *pacer) learnPageSize(pg, prev pageStat, prevMode mode) {
	if !prevMode.behind() || prev.n != p.pageSize || pg.n == 0 {
		return
	}
	arrived := p.liveRate() * pg.sent.Sub(prev.sent).Seconds()
	if pg.n == prev.n || prevMode == modeAtOnce && float64(pg.n) > 2*arrived+2 {
		p.pageSure = true
	}
}

func (p *pacer) learnRate(sample float64, dt time.Duration) {
	if !p.rateKnown {
		p.rate, p.rateKnown = sample, true
		return
	}
	a := 1 - math.Exp(-dt.Seconds()/p.poll.Seconds())
	p.rate += a * (sample - p.rate)
}

// densityDecay weighs the pages before in the backlog's density: about
// the last five count.
const densityDecay = 0.8

// learnDensity adds a full page to the density: its records over the event
// time since the page before when that one was full too (the pages are
// contiguous, so the sums span the whole stretch and the error of whole-
// second times does not add up), else its n-1 gaps over its own span.
func (p *pacer) learnDensity(pg, prev pageStat, prevMode mode) {
	if pg.newest.IsZero() || pg.oldest.IsZero() {
		return
	}
	n, span := float64(pg.n-1), pg.newest.Sub(pg.oldest)
	if prevMode.behind() && !prev.newest.IsZero() && pg.newest.After(prev.newest) {
		n, span = float64(pg.n), pg.newest.Sub(prev.newest)
	}
	p.densN = p.densN*densityDecay + n
	p.densT = p.densT*densityDecay + span.Seconds()
}

// density is records per second of event time in the backlog (0 unknown).
func (p *pacer) density() float64 {
	if p.densN <= 0 {
		return 0
	}
	return p.densN / max(p.densT, 1) // times are whole seconds
}

// liveRate is the rate of arriving records: learned while caught up, else
// the density of the backlog just read (its newest part is live data), 0
// when neither is known.
func (p *pacer) liveRate() float64 {
	if p.rateKnown {
		return p.rate
	}
	return p.density()
}

// liveWait is the wait after a live poll that brought data: as long as
// about a page's worth takes to arrive (while the page size is not sure,
// twice the largest page seen, to find out), at least minLiveRecords'
// worth, within [floor, poll]; poll while no rate is known.
func (p *pacer) liveWait() time.Duration {
	r := p.liveRate()
	if r <= 0 {
		return p.poll
	}
	aim := 2 * float64(p.pageSize)
	if p.pageSure {
		aim = pageFill * float64(p.pageSize)
	}
	aim = max(aim, minLiveRecords)
	secs := aim / r
	if secs >= p.poll.Seconds() {
		return p.poll
	}
	return min(max(time.Duration(secs*float64(time.Second)), p.floor), p.poll)
}

// behind estimates the records not yet read after a full page: the time
// between its newest event and now, at the backlog's density. -1: the page
// had no event times to go by.
func (p *pacer) behind(pg pageStat) float64 {
	d := p.density()
	if pg.newest.IsZero() || d <= 0 {
		return -1
	}
	return max(pg.read.Sub(pg.newest).Seconds(), 0) * d
}

// budgetSpacing is the least wait between requests over every window, and
// the window that sets it.
func budgetSpacing(now time.Time, ws []window) (time.Duration, window) {
	var s time.Duration
	var bind window
	for i, w := range ws {
		if d := w.spacing(now); i == 0 || d > s {
			s, bind = d, w
		}
	}
	return s, bind
}

// fits reports whether pages back-to-back requests plus the live polls of
// the rest of each window (one every tlive) fit in its requests left.
func fits(pages int, tlive time.Duration, now time.Time, ws []window) bool {
	for _, w := range ws {
		tl := max(w.reset.Sub(now), 0)
		if float64(pages)+tl.Seconds()/tlive.Seconds() > float64(w.left) {
			return false
		}
	}
	return true
}

// forecast runs the pacing rules forward over a steady backlog of behind
// records, with live data arriving at rate records/s, pages of ps records,
// back-to-back requests every cycle and live polls every tlive, within the
// window w and its later periods. It returns the requests and the instant
// at which the stream is caught up, or false when that takes more than
// planPeriods periods or never comes (the stream falls further behind).
func forecast(now time.Time, behind float64, ps int, rate float64, cycle, tlive time.Duration, w window) (int, time.Time, bool) {
	if ps <= 0 || behind <= 0 || tlive <= 0 {
		return 0, now, behind <= 0
	}
	P, r, c, q := float64(ps), max(rate, 0), cycle.Seconds(), 1/tlive.Seconds()
	b, L, tl := behind, float64(max(w.left, 0)), max(w.reset.Sub(now).Seconds(), 0)
	t, reqs := 0.0, 0.0
	at := func(secs float64) time.Time { return now.Add(time.Duration(secs * float64(time.Second))) }
	lastRoll := math.Inf(1)
	for period, steps := 0, 0; period <= planPeriods && steps < 100*planPeriods; steps++ {
		if math.Ceil(b/P)+tl*q <= L { // back to back from here
			per := P - r*c
			if per <= 0 {
				return 0, time.Time{}, false
			}
			n := math.Ceil(b / per)
			return int(reqs + n), at(t + n*c), true
		}
		s := tl / (L + 1)
		net := P - r*s // what one paced request gains on the backlog
		k := L         // paced for the rest of the period, unless it fits sooner
		if coef := s * (r/P - q); coef < 0 {
			if kk := math.Ceil((L - b/P - tl*q) / coef); kk < L {
				k = max(kk, 1)
			}
		}
		if net > 0 && math.Ceil(b/net) <= k {
			kk := math.Ceil(b / net)
			return int(reqs + kk), at(t + kk*s), true
		}
		b -= k * net
		reqs += k
		t += k * s
		tl -= k * s
		L -= k
		if L >= 1 {
			continue
		}
		// The period's requests are spent: wait for the next.
		b += r * tl
		t += tl
		if b >= lastRoll {
			return 0, time.Time{}, false // it does not gain on the backlog
		}
		lastRoll = b
		L, tl = float64(w.limit), w.period.Seconds()
		period++
	}
	return 0, time.Time{}, false
}

// serverWindow follows the allowance the server announces in
// X-RateLimit-*: what is left until its reset, and the period, learned
// from the step between two resets (a UTC day until then).
type serverWindow struct {
	reset  time.Time
	period time.Duration
}

// window is the server's allowance after an answer with rl, or false when
// the answer announced none.
func (sw *serverWindow) window(rl httpx.RateLimit, now time.Time) (window, bool) {
	if !rl.Known || rl.Remaining < 0 {
		return window{}, false
	}
	reset := rl.Reset
	if !reset.After(now) {
		reset = httpx.NextUTCMidnight(now)
	}
	if step := reset.Sub(sw.reset); !sw.reset.IsZero() && step >= time.Second {
		sw.period = step
	}
	sw.reset = reset
	period := sw.period
	if period == 0 {
		period = 24 * time.Hour
	}
	limit := rl.Limit
	if limit <= 0 {
		limit = rl.Remaining
	}
	return window{left: rl.Remaining, reset: reset, limit: limit, period: period}, true
}

func ewmaDuration(cur, sample time.Duration, a float64) time.Duration {
	if cur == 0 {
		return sample
	}
	return cur + time.Duration(a*float64(sample-cur))
}
