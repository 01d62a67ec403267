package forcepoint

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
	"github.com/gatelog/gatelog/internal/testutil"
)

// The real stream against the real simulator over HTTP, both on one fake
// clock that the test moves by what the stream's Pace asks (and a second
// per request), as the pipeline would wait: a simulated day takes no time.

const simToken = "T0KEN"

// paceRig is a simulated tenant with one log type (access) and a stream on
// it. A backlog of six hours at the live rate waits at the start.
type paceRig struct {
	clock *testutil.Clock
	sim   *fpsim.Server
	url   string
	store state.Store
	st    *stream
}

func newPaceRig(t *testing.T, start time.Time, rate float64, pageSize, limit int) *paceRig {
	return newBacklogRig(t, start, 6*time.Hour, rate, pageSize, limit)
}

// newBacklogRig is a paceRig whose backlog reaches back the given time,
// at the live rate; the stream's start look-back takes it all.
func newBacklogRig(t *testing.T, start time.Time, backlog time.Duration, rate float64, pageSize, limit int) *paceRig {
	t.Helper()
	clock := testutil.NewClock(start)
	sim := fpsim.New(fpsim.Config{
		Seed: 7, Types: map[string]int{"access": int(backlog.Seconds() * rate)}, End: start, Span: backlog,
		PageSize: pageSize, Token: simToken, DailyLimit: limit, Live: true, LiveRate: rate, Now: clock.Now,
	})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	r := &paceRig{clock: clock, sim: sim, url: ts.URL, store: memstate.New()}
	r.st = r.newStream(t, nil)
	return r
}

// newStream is a new process's stream on the rig's store, resumed at cur.
func (r *paceRig) newStream(t *testing.T, cur []byte) *stream {
	t.Helper()
	src, err := New(Config{Name: "acme", BaseURL: r.url, Auth: Auth{Token: simToken}, LogTypes: []string{"access"},
		Start: config.Duration(29 * 24 * time.Hour), PollInterval: config.Duration(15 * time.Minute), DailyRequestBudget: 300,
		Now: r.clock.Now, MaxAttempts: 1},
		http.DefaultClient, r.store)
	if err != nil {
		t.Fatal(err)
	}
	st := src.Streams()[0].(*stream)
	if err := st.Resume(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	return st
}

// tally is what a run of the stream saw.
type tally struct {
	requests, empty, records int
	// worstWait is the longest a live record (event time from liveFrom on)
	// waited: the request's time minus its event time.
	worstWait time.Duration
	liveFrom  time.Time
	last      time.Time
	cursor    []byte
}

// run fetches and waits as the pipeline would until the clock reaches
// end. A throttle (the budget spent) fails the test.
func (r *paceRig) run(t *testing.T, until time.Time, tl *tally) {
	t.Helper()
	for r.clock.Now().Before(until) {
		now := r.clock.Now()
		b, err := r.st.Fetch(t.Context())
		if err != nil {
			if at, ok := errclass.ThrottledUntil(err); ok {
				t.Fatalf("%s: throttled until %s: the budget ran out before the day ended: %v", now, at, err)
			}
			t.Fatalf("%s: %v", now, err)
		}
		tl.requests += b.Requests
		tl.last, tl.cursor = now, b.Cursor
		if len(b.Records) == 0 {
			tl.empty++
		} else {
			tl.records += len(b.Records)
			for _, rec := range b.Records {
				if !rec.Time.Before(tl.liveFrom) {
					tl.worstWait = max(tl.worstWait, now.Sub(rec.Time))
					break // the oldest live one waited longest
				}
			}
		}
		r.clock.Advance(time.Second) // the request's time
		r.clock.Advance(r.st.Pace())
	}
}

// A day of live data under the budget: every record arrives, at most
// poll_interval late (whole-second event times add up to a second), empty
// polls stay under 10% of the budget, and the plan is in the ledger.
func TestStreamPacesADayOnTheSimulator(t *testing.T) {
	const pageSize, limit = 100, 300
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	r := newPaceRig(t, start, 0.05, pageSize, limit) // 4,320 records a day, 45 a poll at poll_interval
	tl := tally{liveFrom: start}
	r.run(t, start.Add(24*time.Hour), &tl)
	want := len(r.sim.Expected("access", tl.last))
	t.Logf("%d requests, %d empty, %d records (of %d), worst wait %s", tl.requests, tl.empty, tl.records, want, tl.worstWait)
	if tl.records != want {
		t.Errorf("delivered %d records; the simulator held %d by the last request", tl.records, want)
	}
	if tl.requests > limit || tl.empty > limit/10 {
		t.Errorf("%d requests, %d of them empty; want at most %d and %d", tl.requests, tl.empty, limit, limit/10)
	}
	if tl.worstWait > 15*time.Minute+time.Second {
		t.Errorf("a record waited %s; want at most poll_interval", tl.worstWait)
	}
	b, err := r.st.Budget()
	if err != nil {
		t.Fatal(err)
	}
	if p := b.Plan; p.Behind != 0 || p.Every <= 0 || p.Every > 15*time.Minute || p.Next.IsZero() {
		t.Errorf("plan after a day of live data: %+v; want caught up, polling within poll_interval", p)
	}
	stored, _ := r.store.Budget(r.st.ID())
	if stored.PageSize != pageSize || stored.PaceEvery <= 0 {
		t.Errorf("ledger %+v; want the page size (%d) and the pace kept", stored, pageSize)
	}
}

// Live data that needs more pages than the budget has (432 a day for 300):
// the requests still last to midnight, and a restart at noon goes on from
// what the ledger says was used.
func TestStreamBudgetLastsAcrossARestart(t *testing.T) {
	const pageSize, limit = 100, 300
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	noon, midnight := start.Add(12*time.Hour), start.Add(24*time.Hour)
	r := newPaceRig(t, start, 0.5, pageSize, limit)
	var before, after tally
	r.run(t, noon, &before)
	used, _ := r.store.Budget(r.st.ID())
	if used.Used != before.requests || used.Used < limit/2-2 || used.Used > limit/2+2 {
		t.Errorf("by noon %d requests, the ledger says %d; want about half the budget", before.requests, used.Used)
	}
	if used.Behind <= 0 || used.PaceEvery <= 0 || used.PageSize != pageSize {
		t.Errorf("ledger at noon %+v; want the plan: records behind, a pace, the page size", used)
	}
	r.st = r.newStream(t, before.cursor) // the restart
	r.run(t, midnight, &after)
	total := before.requests + after.requests
	if total > limit || total < limit-1 {
		t.Errorf("%d requests on the day (%d after the restart); want the whole budget of %d", total, after.requests, limit)
	}
	if every := midnight.Sub(noon) / time.Duration(limit-used.Used+1); midnight.Sub(after.last) > 2*every {
		t.Errorf("the last request came at %s; want the budget to last to midnight (one every %s)", after.last, every)
	}
	for _, q := range r.sim.Requests() {
		if q.Status != http.StatusOK {
			t.Errorf("the simulator answered %d at %s", q.Status, q.Time)
		}
	}
	b, _ := r.st.Budget()
	if b.Plan.Behind <= 0 || !b.Plan.BudgetBound || !b.Plan.CatchUpAt.IsZero() {
		t.Errorf("plan %+v; want records behind, paced by the budget, no catch-up in sight", b.Plan)
	}
	if stored, _ := r.store.Budget(r.st.ID()); stored.Day != "2026-11-20" || stored.Used != total {
		t.Errorf("ledger %+v; want the day's %d requests", stored, total)
	}
}

// (c) over HTTP: the plan the stream makes at the first page of a backlog
// foretells the requests that catching up takes, within one, and when.
func TestStreamBacklogPlanOnTheSimulator(t *testing.T) {
	const pageSize, limit = 100, 300
	for _, tc := range []struct {
		name    string
		backlog time.Duration
		rate    float64
	}{
		{"six hours: back to back", 6 * time.Hour, 0.05},        // 11 pages
		{"28 days: paced over days", 28 * 24 * time.Hour, 0.05}, // 1,210 pages, about 200 a day
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			r := newBacklogRig(t, start, tc.backlog, tc.rate, pageSize, limit)
			var plan0 source.Plan
			sent := 0
			for {
				now := r.clock.Now()
				if _, err := r.st.Fetch(t.Context()); err != nil {
					t.Fatalf("%s: %v", now, err)
				}
				sent++
				if sent == 1 {
					b, _ := r.st.Budget()
					plan0 = b.Plan
				}
				if !r.st.pacer.lastMode.behind() {
					break
				}
				if now.After(start.Add(30 * 24 * time.Hour)) {
					t.Fatal("not caught up in 30 days")
				}
				r.clock.Advance(time.Second)
				r.clock.Advance(r.st.Pace())
			}
			caughtUp := r.st.pacer.last.sent
			t.Logf("plan at the first page: %d behind, %d requests, caught up at %s; it took %d more requests, caught up at %s",
				plan0.Behind, plan0.CatchUpRequests, plan0.CatchUpAt.Format(time.DateTime), sent-1, caughtUp.Format(time.DateTime))
			if d := plan0.CatchUpRequests - (sent - 1); d < -1 || d > 1 {
				t.Errorf("the plan foretold %d requests; it took %d", plan0.CatchUpRequests, sent-1)
			}
			spacing := 24 * time.Hour / limit
			if d := plan0.CatchUpAt.Sub(caughtUp); d < -spacing || d > spacing {
				t.Errorf("the plan foretold catching up at %s; it did at %s", plan0.CatchUpAt, caughtUp)
			}
		})
	}
}
