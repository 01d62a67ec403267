package forcepoint

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/source"
)

// The pacer over simulated days, on a fake clock: a model log type whose
// records arrive at a steady rate, a page size, a daily budget, and each
// request taking latency. Nothing sleeps.

// feed is one log type: record k arrives at start + k/rate (a backlog is a
// start in the past). A request takes up to pageSize of the records that
// have arrived and not been read; event times are whole seconds, as the
// API serves them.
type feed struct {
	start    time.Time
	rate     float64
	pageSize int
	read     int
}

func (f *feed) arrival(k int) time.Time {
	return f.start.Add(time.Duration(float64(k) / f.rate * float64(time.Second)))
}

func (f *feed) arrived(now time.Time) int {
	if now.Before(f.start) || f.rate <= 0 {
		return 0
	}
	return int(now.Sub(f.start).Seconds()*f.rate) + 1
}

// take serves a request at now: the page's size, event times, whether it
// is the caught-up end (an empty page), and how long its oldest record
// waited to be read.
func (f *feed) take(now time.Time) (pageStat, time.Duration) {
	n := min(f.pageSize, f.arrived(now)-f.read)
	if n <= 0 {
		return pageStat{caughtUp: true}, 0
	}
	pg := pageStat{n: n, oldest: f.arrival(f.read).Truncate(time.Second), newest: f.arrival(f.read + n - 1).Truncate(time.Second)}
	wait := now.Sub(f.arrival(f.read))
	f.read += n
	return pg, wait
}

// day is what one UTC day of a simulation spent and saw.
type day struct {
	requests, empty int
	first, last     time.Time     // first and last request
	worstWait       time.Duration // the longest a record waited to be read
}

// sim drives a pacer against a feed with a daily budget.
type sim struct {
	p       *pacer
	f       *feed
	limit   int
	latency time.Duration
	now     time.Time
	used    map[string]int
	days    map[string]*day
	refused int // requests the budget refused: spent before the day ended
	plans   []source.Plan
}

func newSim(poll time.Duration, f *feed, limit int, now time.Time) *sim {
	return &sim{p: newPacer(poll), f: f, limit: limit, latency: time.Second, now: now,
		used: map[string]int{}, days: map[string]*day{}}
}

// step sends one request (or meets the spent budget) and waits what the
// plan says, as the pipeline does.
func (s *sim) step() {
	key := s.now.UTC().Format(time.DateOnly)
	if s.used[key] >= s.limit {
		s.refused++
		s.now = httpx.NextUTCMidnight(s.now)
		return
	}
	s.used[key]++
	d := s.days[key]
	if d == nil {
		d = &day{first: s.now}
		s.days[key] = d
	}
	d.requests++
	d.last = s.now
	sent := s.now
	pg, wait := s.f.take(sent)
	if pg.n == 0 {
		d.empty++
	}
	d.worstWait = max(d.worstWait, wait)
	s.now = s.now.Add(s.latency)
	pg.sent, pg.read = sent, s.now
	w := window{left: s.limit - s.used[key], reset: httpx.NextUTCMidnight(s.now), limit: s.limit, period: 24 * time.Hour}
	plan := s.p.observe(pg, []window{w})
	s.plans = append(s.plans, plan)
	if plan.Next.After(s.now) {
		s.now = plan.Next
	}
}

func (s *sim) runUntil(end time.Time) {
	for s.now.Before(end) {
		s.step()
	}
}

var simStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// (a) Under a steady rate the budget lasts every day, also at rates that
// need more requests than it has: then it is spread evenly to midnight.
func TestPacerBudgetLastsTheDay(t *testing.T) {
	const limit, pageSize, poll = 300, 1000, 15 * time.Minute
	evenly := 24 * time.Hour / (limit + 1)
	for _, rate := range []float64{0.001, 0.1, 1, 3, 3.5, 5, 20} {
		t.Run(fmt.Sprintf("%g/s", rate), func(t *testing.T) {
			f := &feed{start: simStart, rate: rate, pageSize: pageSize}
			s := newSim(poll, f, limit, simStart.Add(7*time.Hour+13*time.Minute)) // starts mid-day
			s.runUntil(simStart.Add(4 * 24 * time.Hour))
			if s.refused > 0 {
				t.Fatalf("the budget ran out before midnight %d times", s.refused)
			}
			overBudget := rate*86400/pageSize > limit
			for k, d := range s.days {
				if d.requests > limit {
					t.Errorf("%s: %d requests; the budget is %d", k, d.requests, limit)
				}
				if !overBudget || k == simStart.Format(time.DateOnly) || k > "2026-11-23" {
					continue
				}
				// Needing more than the budget, it spends all of it, evenly,
				// the last request shortly before midnight.
				midnight := httpx.NextUTCMidnight(d.last)
				if d.requests < limit-1 || midnight.Sub(d.last) > 2*evenly || d.first.Sub(d.first.Truncate(24*time.Hour)) > 2*evenly {
					t.Errorf("%s: %d requests from %s to %s; want all %d, spread over the whole day (every %s)",
						k, d.requests, d.first.Format("15:04:05"), d.last.Format("15:04:05"), limit, evenly)
				}
			}
		})
	}
}

// (b) With 1000-record pages, 300 requests a day and poll_interval 15m, at
// steady rates from one record every 20 minutes (72 a day) to 3 records/s
// (the most the budget carries without falling behind), empty polls cost
// at most 10% of the budget, and no record waits longer than poll_interval
// to be read. Below 66 records a day that share cannot hold while polling
// every poll_interval (96 polls, fewer with data): at one record an hour it
// is 24%; the lag bound holds regardless.
func TestPacerEmptyPollsAndLag(t *testing.T) {
	const limit, pageSize, poll = 300, 1000, 15 * time.Minute
	for _, rate := range []float64{1.0 / 3600, 1.0 / (20 * 60), 1.0 / (14 * 60), 0.01, 0.1, 1, 2, 3} {
		t.Run(fmt.Sprintf("%.4g/s", rate), func(t *testing.T) {
			f := &feed{start: simStart, rate: rate, pageSize: pageSize}
			s := newSim(poll, f, limit, simStart)
			s.runUntil(simStart.Add(3 * 24 * time.Hour))
			for _, k := range []string{"2026-11-21", "2026-11-22"} { // whole days after the first
				d := s.days[k]
				t.Logf("%s: %d requests, %d empty (%.1f%% of the budget), worst wait %s",
					k, d.requests, d.empty, 100*float64(d.empty)/limit, d.worstWait.Round(time.Second))
				if rate*86400 >= 66 && d.empty > limit/10 {
					t.Errorf("%s: %d empty polls; want at most %d (10%% of the budget)", k, d.empty, limit/10)
				}
				if d.worstWait > poll {
					t.Errorf("%s: a record waited %s to be read; want at most poll_interval %s", k, d.worstWait, poll)
				}
			}
		})
	}
}

// (c) A backlog: the plan made at its first full page foretells the
// requests that catching up takes, and when it is done, within a page.
func TestPacerBacklogPlanMatchesRequestsSent(t *testing.T) {
	const limit, pageSize, poll = 300, 1000, 15 * time.Minute
	for _, tc := range []struct {
		name    string
		backlog time.Duration // how far back the stream starts
		rate    float64
		minDays int // the days the catch-up should take, at least
	}{
		{"a day, within today's budget", 24 * time.Hour, 0.1, 0},
		{"a day at a busy rate", 24 * time.Hour, 2, 0},
		{"30 days, paced over days", 30 * 24 * time.Hour, 0.5, 3},
		{"30 days, more than a day's budget even at the start", 30 * 24 * time.Hour, 1.5, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := simStart.Add(9 * time.Hour)
			f := &feed{start: start.Add(-tc.backlog), rate: tc.rate, pageSize: pageSize}
			s := newSim(poll, f, limit, start)
			s.step()
			plan := s.plans[0]
			if plan.Behind <= 0 || plan.CatchUpAt.IsZero() {
				t.Fatalf("plan after the first full page: %+v; want records behind and a time to catch up", plan)
			}
			sent := 1
			for s.p.lastMode.behind() && s.now.Before(start.Add(60*24*time.Hour)) {
				s.step()
				sent++
			}
			caughtUp := s.p.last.sent // the request whose page was no longer full
			wantBehind := float64(f.arrived(start.Add(s.latency)) - pageSize)
			t.Logf("plan: %d behind (really %.0f), %d requests, caught up at %s; sent %d, caught up at %s",
				plan.Behind, wantBehind, plan.CatchUpRequests, plan.CatchUpAt.Format(time.DateTime), sent-1, caughtUp.Format(time.DateTime))
			if math.Abs(float64(plan.Behind)-wantBehind) > pageSize {
				t.Errorf("the plan says %d records behind; it was %.0f", plan.Behind, wantBehind)
			}
			if d := plan.CatchUpRequests - (sent - 1); d < -1 || d > 1 {
				t.Errorf("the plan foretold %d requests to catch up; it took %d", plan.CatchUpRequests, sent-1)
			}
			// Within the time of one request at the pace of the catch-up.
			pace := s.latency
			for _, p := range s.plans[:len(s.plans)-1] {
				pace = max(pace, p.Every)
			}
			if d := plan.CatchUpAt.Sub(caughtUp); d < -pace || d > pace {
				t.Errorf("the plan foretold catching up at %s; it did at %s", plan.CatchUpAt, caughtUp)
			}
			if days := int(caughtUp.Sub(start) / (24 * time.Hour)); days < tc.minDays {
				t.Errorf("caught up in %d days; the budget should not allow fewer than %d", days, tc.minDays)
			}
			if s.refused > 0 {
				t.Errorf("the budget ran out before midnight %d times while catching up", s.refused)
			}
		})
	}
}

// A backlog that grows faster than the budget can read says so: records
// behind, and no time to catch up.
func TestPacerSaysWhenItCannotCatchUp(t *testing.T) {
	f := &feed{start: simStart.Add(-24 * time.Hour), rate: 10, pageSize: 1000}
	s := newSim(15*time.Minute, f, 300, simStart.Add(6*time.Hour))
	for range 20 {
		s.step()
	}
	plan := s.plans[len(s.plans)-1]
	if plan.Behind < 800000 || !plan.CatchUpAt.IsZero() || plan.CatchUpRequests != 0 || !plan.BudgetBound {
		t.Errorf("plan %+v; want about a million behind, paced by the budget, and no catch-up time", plan)
	}
}

// (d) A restart mid-day keeps to the day's budget: a new pacer, told what
// the ledger says is left, spreads it over the rest of the day.
func TestPacerAfterARestartMidDay(t *testing.T) {
	const limit = 300
	f := &feed{start: simStart, rate: 5, pageSize: 1000} // needs more than the budget
	s := newSim(15*time.Minute, f, limit, simStart)
	s.runUntil(simStart.Add(12*time.Hour + 17*time.Minute))
	before := s.used["2026-11-20"]
	s.p = newPacer(15 * time.Minute) // the restart: what the pacer learned is gone, the ledger stays
	s.runUntil(simStart.Add(24 * time.Hour))
	d := s.days["2026-11-20"]
	if s.refused > 0 || d.requests > limit {
		t.Fatalf("%d requests (%d before the restart), %d refused; the budget is %d", d.requests, before, s.refused, limit)
	}
	if midnight := simStart.Add(24 * time.Hour); d.requests < limit-1 || midnight.Sub(d.last) > 10*time.Minute {
		t.Errorf("after the restart the day ended with %d requests, the last at %s; want the budget spread to midnight", d.requests, d.last)
	}
	// The first plans after the restart already space the requests by what
	// is left of the day's budget.
	restartAt := len(s.plans) - (d.requests - before)
	p := s.plans[restartAt+1]
	left := limit - before - 2
	want := simStart.Add(24*time.Hour).Sub(p.Next.Add(-p.Every)) / time.Duration(left+1)
	if !p.BudgetBound || p.Every < want-2*time.Second || p.Every > want+2*time.Second {
		t.Errorf("second plan after the restart: %+v; want requests every %s (the rest of the day over %d requests left)", p, want, left)
	}
}

// forecast on its own: back to back when it fits, paced over days when not,
// and never when live data outgrows the budget.
func TestForecast(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	w := window{left: 150, reset: now.Add(12 * time.Hour), limit: 300, period: 24 * time.Hour}
	// 20 pages, 48 live polls: fits; back to back every 2s.
	if n, at, ok := forecast(now, 20000, 1000, 0, 2*time.Second, 15*time.Minute, w); !ok || n != 20 || !at.Equal(now.Add(40*time.Second)) {
		t.Errorf("small backlog: %d requests, at %s, %v; want 20 at +40s", n, at, ok)
	}
	// 1,000 pages and no live data: 150 today, then 300 a day less the
	// 96 live polls it keeps for the day, then back to back.
	n, at, ok := forecast(now, 1e6, 1000, 0, time.Second, 15*time.Minute, w)
	if !ok || n < 1000 || n > 1001 || at.Before(now.Add(36*time.Hour)) || at.After(now.Add(4*24*time.Hour)) {
		t.Errorf("big backlog: %d requests, at %s, %v; want about 1000, within days", n, at, ok)
	}
	// Live data alone needs 432 pages a day: it never catches up.
	if _, _, ok := forecast(now, 1e5, 1000, 5, time.Second, 3*time.Minute, w); ok {
		t.Error("a backlog growing faster than the budget reads it was foretold to catch up")
	}
}

// The server's window: what is left until its reset, and its period once
// a reset has moved.
func TestServerWindow(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 3, 0, 0, time.UTC)
	var sw serverWindow
	if _, ok := sw.window(httpx.RateLimit{Remaining: -1}, now); ok {
		t.Error("a window from an answer that announced none")
	}
	reset := now.Truncate(10 * time.Minute).Add(10 * time.Minute)
	w, ok := sw.window(httpx.RateLimit{Known: true, Limit: 300, Remaining: 120, Reset: reset}, now)
	if !ok || w.left != 120 || !w.reset.Equal(reset) || w.period != 24*time.Hour {
		t.Errorf("first window %+v", w)
	}
	w, _ = sw.window(httpx.RateLimit{Known: true, Limit: 300, Remaining: 299, Reset: reset.Add(10 * time.Minute)}, reset.Add(time.Second))
	if w.period != 10*time.Minute || w.limit != 300 {
		t.Errorf("after a reset: %+v; want a 10m period", w)
	}
	if s := w.spacing(reset.Add(time.Second)); s != (10*time.Minute-time.Second)/300 {
		t.Errorf("spacing %s", s)
	}
}

// Whole-second event times tell little about a page that spans a second or
// two; contiguous full pages together do. At 700 records/s (a page is 1.4s
// of events) the estimate of the backlog comes within 5% after a few pages.
func TestPacerDensityFromContiguousPages(t *testing.T) {
	f := &feed{start: simStart.Add(-2 * time.Hour), rate: 700, pageSize: 1000}
	s := newSim(15*time.Minute, f, 100000, simStart)
	for range 8 {
		s.step()
	}
	plan := s.plans[len(s.plans)-1]
	truth := float64(f.arrived(s.p.last.read) - f.read)
	if d := math.Abs(float64(plan.Behind)-truth) / truth; d > 0.05 {
		t.Errorf("after 8 pages: %d behind, really %.0f (%.0f%% off)", plan.Behind, truth, 100*d)
	}
}
