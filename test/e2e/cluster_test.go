package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/simulator"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
)

// clusterSources is the sources and sink block of a cluster's
// configuration: Forcepoint types and, when swg, Symantec access logs
// and audit, both at url, into the file sink at logs.
func clusterSources(url string, fpTypes []string, fpExtra string, swg bool, logs string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sources:\n")
	if len(fpTypes) > 0 {
		fmt.Fprintf(&b, `  - name: acme
    type: forcepoint
    base_url: %s
    auth: {token: ${TEST_FP_TOKEN}}
    log_types: [%s]
    start: 24h
    poll_interval: 1m
    request_timeout: 20s
%s`, url, strings.Join(fpTypes, ", "), fpExtra)
	}
	if swg {
		fmt.Fprintf(&b, `  - name: wss
    type: symantec
    base_url: %s
    access_logs: {username: %s, password: %s}
    audit: {username: %s, password: %s}
    log_types: [accesslog, audit]
    start: 6h
    request_timeout: 20s
`, url, simulator.DemoSWGUsername, simulator.DemoSWGPassword, simulator.DemoSWGUsername, simulator.DemoSWGPassword)
	}
	fmt.Fprintf(&b, "sinks:\n  - {name: archive, type: file, path: %s}\n", logs)
	return b.String()
}

// Three gatelog daemons share one database and one file-sink folder while
// both simulators serve live data, and a random one is killed with SIGKILL
// and started again every 0.15 to 1.85 seconds, a hundred times and more.
// Then the simulators' clocks stop (no live record arrives after that
// cut-off), the three are stopped cleanly and started once more, catch up
// and are stopped: every record served up to the cut-off is in the files
// exactly once, in order, no line torn, and every checkpoint commit was
// made by the run that held the stream's lease at that instant.
func TestClusterChaosExactlyOnce(t *testing.T) {
	began := time.Now()
	const kills = 100
	var clock simClock // both simulators'
	fpTypes := []string{"access", "admin", "swgweb", "cloudaudit"}
	fp := simConfig(811, 0, 250)
	fp.Types = map[string]int{}
	for _, typ := range fpTypes {
		fp.Types[typ] = 42000
	}
	// Records keep arriving: those of the last ten minutes are live
	// already, and 5 a second per type more while the test runs.
	fp.End = time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	fp.Span = 20 * time.Hour
	fp.Live, fp.Now = true, clock.Now
	// 250 records a page, 250ms a page: at least 40 seconds of collection
	// per type without kills, so that the kills land all through it.
	fp.Latency = 250 * time.Millisecond
	end := time.Now().UTC().Truncate(time.Hour)
	sw := simulator.DefaultSymantec()
	sw.Seed, sw.Start, sw.End, sw.LinesPerHour = 811, end.Add(-4*time.Hour), end, 8000
	sw.MaxLinesPerArchive, sw.LinesPerMember = 1000, 500
	sw.Live, sw.Now = true, clock.Now
	sw.Latency = 400 * time.Millisecond
	// The simulator's interval is measured on its clock, which stops at
	// the cut-off; pacing is tested in TestClusterBudgetsAcrossInstances.
	sw.MinInterval = -1
	sim := startSim(t, simulator.Options{Forcepoint: fp, Symantec: sw})

	c := newCluster(t)
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	c.config(dir, "3s", clusterSources(sim.URL, fpTypes, "    daily_request_budget: 100000\n", true, logs))
	nodes := []*node{c.node("a"), c.node("b"), c.node("c")}
	for _, n := range nodes {
		n.start()
	}
	firstRun := time.Now()

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	var killed []kill
	holding := 0
	chaos := time.Now()
	for len(killed) < kills {
		time.Sleep(150*time.Millisecond + time.Duration(rng.Int64N(int64(1700*time.Millisecond))))
		n := nodes[rng.IntN(len(nodes))]
		held := len(c.heldBy(n.owner))
		owner := n.owner
		at := time.Now()
		if !n.kill() {
			t.Fatalf("node %s (%s) did not die of SIGKILL: %v\n%s", n.name, owner, n.err, tail(n.log, 40))
		}
		killed = append(killed, kill{at: at, owner: owner})
		if held > 0 {
			holding++
		}
		n.start()
		if len(killed)%25 == 0 {
			t.Logf("%d kills in %s, %d records committed", len(killed), time.Since(chaos).Round(time.Second), total(c.delivered()))
		}
	}
	chaosTook := time.Since(chaos)
	duringChaos := total(c.delivered())

	cutoff := clock.freeze()
	// A stream that caught up before the cut-off sleeps its poll interval
	// (Forcepoint 1 minute, Symantec 5): a clean restart (SIGTERM, which
	// releases the leases) makes each poll at once.
	for _, n := range nodes {
		n.stop()
	}
	for _, n := range nodes {
		n.start()
	}
	want := map[record.StreamID]uint64{}
	for _, typ := range fpTypes {
		want[record.StreamID{Source: "acme", Stream: typ}] = uint64(len(sim.Forcepoint.Expected(typ, cutoff)))
	}
	lines := sim.Symantec.Lines(sw.Start, cutoff.Add(time.Hour))
	want[record.StreamID{Source: "wss", Stream: "accesslog"}] = uint64(len(lines))
	auditSince := firstRun.Add(-6 * time.Hour)
	want[record.StreamID{Source: "wss", Stream: "audit"}] = uint64(auditCount(sim.Symantec, auditSince))
	caughtUp := c.catchUp(want, 3*time.Minute)
	for _, n := range nodes {
		n.stop()
	}

	for _, typ := range fpTypes {
		checkExact(t, logs, "acme", typ, sim.Forcepoint.Expected(typ, cutoff))
	}
	checkLinesOf(t, logs, "wss", lines)
	checkServedOrder(t, logs, "wss", lines)
	checkAuditOnce(t, logs, "wss", sim.Symantec, auditSince)
	commits := c.checkCommits()

	served := total(want)
	if served < 200000 {
		t.Errorf("%d records served, want at least 200,000", served)
	}
	if holding < kills/2 {
		t.Errorf("only %d of %d kills hit a run that held a stream", holding, len(killed))
	}
	took, missed := takeovers(killed, c.tenures())
	t.Logf("%d SIGKILLs in %s (%d of them of a run holding streams); %d records served up to the cut-off, %d committed during the kills, the rest in %s after them",
		len(killed), chaosTook.Round(time.Second), holding, served, duringChaos, caughtUp.Round(time.Second))
	t.Logf("takeover of a killed run's stream (kill to the next owner's lease): %s; %d streams of a killed run not taken over by another before the end", spread(took), missed)
	t.Logf("%d checkpoint commits, each by the lease holder; the test took %s", len(commits), time.Since(began).Round(time.Second))
}

// auditCount is how many audit events checkAuditOnce wants since since.
func auditCount(srv *swgsim.Server, since time.Time) int {
	start := since.UTC().Truncate(24 * time.Hour)
	n := 0
	for _, r := range srv.AuditRecords() {
		if !r.Time.Before(start) {
			n++
		}
	}
	return n
}

// Two daemons share the Forcepoint streams (live data) and a file-sink
// folder. A is frozen with SIGSTOP for three lease TTLs while it collects;
// B takes its streams over under new lease generations (as `gatelog state
// show` shows); A is resumed with SIGCONT. A must write and commit nothing
// for the streams it lost: its log says each lease was lost, it delivers
// no batch of them until it holds them again under a new generation, and
// every commit in the database was made by the lease holder of the
// moment. A goes on working: it claims a fair share again. In the end
// every record is in the files exactly once.
func TestClusterSplitBrain(t *testing.T) {
	const ttl = 3 * time.Second
	var clock simClock
	types := []string{"access", "admin", "swgweb", "cloudaudit"}
	fp := simConfig(812, 0, 100)
	fp.Types = map[string]int{}
	for _, typ := range types {
		fp.Types[typ] = 20000
	}
	fp.End = time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	fp.Live, fp.LiveRate, fp.Now = true, 10, clock.Now
	fp.Latency = 200 * time.Millisecond // collection goes on throughout
	sim := startSim(t, simulator.Options{Forcepoint: fp})

	c := newCluster(t)
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	c.config(dir, ttl.String(), clusterSources(sim.URL, types, "    daily_request_budget: 100000\n", false, logs))
	debug := []string{"--log-level", "debug", "--log-format", "json"}
	a, b := c.node("a", debug...), c.node("b", debug...)

	a.start()
	holds := func(n *node, k int) func() bool {
		return func() bool { n.requireRunning(); return len(c.heldBy(n.owner)) == k }
	}
	leasesNow := func() string { return fmt.Sprintf("leases %v (a is %s, b is %s)", c.leases(), a.owner, b.owner) }
	waitFor(t, 30*time.Second, leasesNow, holds(a, len(types)))
	b.start()
	waitFor(t, 30*time.Second, leasesNow, func() bool { return holds(a, 2)() && holds(b, 2)() })
	time.Sleep(time.Second) // both collecting

	lost := c.heldBy(a.owner)
	stopped := time.Now()
	a.signal(syscall.SIGSTOP)
	// B takes A's streams over once A's leases lapse, under new
	// generations, as `gatelog state show --json` shows.
	var shown []stateShown
	tookOver := waitFor(t, 30*time.Second, func() string { return fmt.Sprintf("B did not take over %v: state show %+v", lost, shown) }, func() bool {
		shown = stateShow(t, c)
		taken := 0
		for _, row := range shown {
			if gen, ok := lost[row.id()]; ok && row.LeaseOwner == b.owner && row.LeaseGeneration > gen {
				taken++
			}
		}
		return taken == len(lost)
	})
	time.Sleep(time.Until(stopped.Add(3 * ttl)))
	resumedAt := time.Now()
	offset := fileSize(t, a.log)
	a.signal(syscall.SIGCONT)
	frozeFor := resumedAt.Sub(stopped)

	// A says it lost each lease, with the generation it held.
	var after []logLine
	waitFor(t, 30*time.Second, func() string { return "A did not log the loss of each lease:\n" + tail(a.log, 30) }, func() bool {
		after = readLog(t, a.log, offset)
		n := 0
		for id, gen := range lost {
			for _, l := range after {
				if l.Msg == "forcepoint "+id.String()+": lease lost; stream stopped" && l.Generation == gen {
					n++
					break
				}
			}
		}
		return n == len(lost)
	})
	// A goes on working: it claims its share again (new generations) and
	// commits batches.
	var back []commit
	waitFor(t, time.Minute, func() string { return "A made no commit after it resumed:\n" + tail(a.log, 30) }, func() bool {
		back = back[:0]
		for _, cm := range c.commits() {
			if cm.app == a.app && cm.at.After(resumedAt) {
				back = append(back, cm)
			}
		}
		return len(back) > 0
	})

	cutoff := clock.freeze()
	a.stop()
	b.stop()
	after = readLog(t, a.log, offset)
	tenures := c.tenures()
	commits := c.checkCommits()

	// Nothing of a lost stream after SIGCONT: at most the one batch whose
	// commit was in flight when A froze (committed while the lease held,
	// logged after), then the loss, then nothing until A holds the stream
	// again under a new generation.
	inFlight := 0
	for id, gen := range lost {
		lostAt := time.Time{}
		early := 0
		for _, l := range after {
			if l.stream() != id {
				continue
			}
			switch {
			case strings.HasSuffix(l.Msg, ": lease lost; stream stopped") && lostAt.IsZero():
				lostAt = l.Time
			case l.Msg != "batch delivered":
			case lostAt.IsZero():
				early++
			case !heldAgain(tenures, id, a.owner, gen, l.Time):
				t.Errorf("%s: A delivered a batch at %s, after it lost the lease of generation %d and before it held the stream again",
					id, l.Time.Format(time.RFC3339Nano), gen)
			}
		}
		if early > 1 {
			t.Errorf("%s: A delivered %d batches after SIGCONT before it noticed the lease of generation %d was lost; at most the one committed before it froze may be logged", id, early, gen)
		}
		inFlight += early
	}
	// A commit sent just before A froze may land after SIGSTOP, while the
	// lease holds (checkCommits saw that each commit was the holder's);
	// none under the old generation after SIGCONT.
	for _, cm := range commits {
		if gen, ok := lost[cm.id]; ok && cm.app == a.app && cm.at.After(resumedAt) && cm.leaseGen <= int64(gen) {
			t.Errorf("%s: A committed at %s under generation %d, after it resumed; it froze holding generation %d", cm.id, cm.at.Format(time.RFC3339Nano), cm.leaseGen, gen)
		}
	}

	// Both start again (a stream that caught up before the cut-off sleeps
	// its poll interval) and catch up: every record exactly once.
	a.start()
	b.start()
	want := map[record.StreamID]uint64{}
	for _, typ := range types {
		want[record.StreamID{Source: "acme", Stream: typ}] = uint64(len(sim.Forcepoint.Expected(typ, cutoff)))
	}
	c.catchUp(want, 3*time.Minute)
	a.stop()
	b.stop()
	for _, typ := range types {
		checkExact(t, logs, "acme", typ, sim.Forcepoint.Expected(typ, cutoff))
	}
	c.checkCommits()

	regained := map[record.StreamID]int64{}
	for _, cm := range back {
		regained[cm.id] = max(regained[cm.id], cm.leaseGen)
	}
	t.Logf("A held %v (stream: generation) when frozen for %s; B held them all under new generations %s after the freeze; after SIGCONT A logged %d batch(es) committed before it froze, the loss of each lease, then committed %d batches of %v under new generations",
		lost, frozeFor.Round(time.Millisecond), tookOver.Round(time.Millisecond), inFlight, len(back), regained)
}

// heldAgain reports whether owner began a tenure of id newer than gen
// before at.
func heldAgain(ts []tenure, id record.StreamID, owner string, gen uint64, at time.Time) bool {
	for _, x := range ts {
		if x.id == id && x.owner == owner && x.gen > int64(gen) && x.at.Before(at) {
			return true
		}
	}
	return false
}

// stateShown is a row of `gatelog state show --json`.
type stateShown struct {
	Stream          string `json:"stream"`
	LeaseOwner      string `json:"lease_owner"`
	LeaseGeneration uint64 `json:"lease_generation"`
}

func (r stateShown) id() record.StreamID {
	src, st, _ := strings.Cut(r.Stream, "/")
	return record.StreamID{Source: src, Stream: st}
}

// stateShow runs `gatelog state show --json` on the cluster's database.
func stateShow(t *testing.T, c *cluster) []stateShown {
	t.Helper()
	cmd := gatelogCmd(t.TempDir(), "state", "show", "--json", "-c", c.cfg)
	cmd.Env = append(cmd.Env, "TEST_PG_DSN="+c.dsn)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("state show: %v\n%s", err, stderr.String())
	}
	var rows []stateShown
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("state show --json: %v\n%s", err, out)
	}
	return rows
}

// logLine is a line of a JSON log.
type logLine struct {
	Time       time.Time `json:"time"`
	Msg        string    `json:"msg"`
	Source     string    `json:"source"`
	Stream     string    `json:"stream"`
	Generation uint64    `json:"generation"`
}

func (l logLine) stream() record.StreamID { return record.StreamID{Source: l.Source, Stream: l.Stream} }

// readLog parses the JSON log lines of path from offset on.
func readLog(t *testing.T, path string, offset int64) []logLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []logLine
	for _, raw := range bytes.Split(b[offset:], []byte{'\n'}) {
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var l logLine
		if err := json.Unmarshal(raw, &l); err != nil {
			continue // a line being written
		}
		out = append(out, l)
	}
	return out
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Request budgets and pacing live in the database, so instances sharing it
// spend and pace as one client.
func TestClusterBudgetsAcrossInstances(t *testing.T) {
	t.Run("forcepoint daily budget", testClusterDailyBudget)
	t.Run("symantec pacing", testClusterSymantecPacing)
}

// Two daemons collect two Forcepoint types with far more data than
// daily_request_budget allows, while the streams move between them (one
// is killed or stopped and started again every second or so) until the
// budget is spent, and a few times more: the simulator (which enforces no
// limit itself) receives at most the budget per type and UTC day, from
// more than one run, and what was delivered is exactly once, in order.
func testClusterDailyBudget(t *testing.T) {
	const budget = 12
	types := []string{"access", "admin"}
	fp := simConfig(813, 0, 100)
	fp.Types = map[string]int{"access": 20000, "admin": 20000}
	// 12 requests take 6 seconds at least: the streams move meanwhile,
	// whether gatelog spends its budget at once or spreads it.
	fp.Latency = 500 * time.Millisecond
	sim := startSim(t, simulator.Options{Forcepoint: fp})
	c := newCluster(t)
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	c.config(dir, "3s", clusterSources(sim.URL, types, fmt.Sprintf("    daily_request_budget: %d\n", budget), false, logs))
	nodes := []*node{c.node("a"), c.node("b")}
	for _, n := range nodes {
		n.start()
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 3))
	moves, kills := 0, 0
	move := func() {
		time.Sleep(300*time.Millisecond + time.Duration(rng.Int64N(int64(800*time.Millisecond))))
		n := nodes[moves%len(nodes)] // each in turn
		if rng.IntN(2) == 0 {
			if !n.kill() {
				t.Fatalf("node %s did not die of SIGKILL: %v", n.name, n.err)
			}
			kills++
		} else {
			n.stop()
		}
		n.start()
		moves++
	}
	used := func() map[string]int {
		entries, err := c.store.List()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, e := range entries {
			if e.Budget != nil {
				out[e.ID.Stream] = e.Budget.Used
			}
		}
		return out
	}
	spent := func() bool {
		u := used()
		for _, typ := range types {
			if u[typ] < budget {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(3 * time.Minute)
	for !spent() {
		if time.Now().After(deadline) {
			t.Fatalf("the budget was not spent after %d moves: used %v of %d (kill seed %d)", moves, used(), budget, seed)
		}
		move()
	}
	spentAfter := moves
	for range 4 { // moves after the budget is spent must send nothing
		move()
	}
	time.Sleep(4 * time.Second) // the last takeover (TTL 3s)
	for _, n := range nodes {
		n.stop()
	}

	tenures := c.tenures()
	owners := map[string]map[string]bool{} // type -> runs that sent its requests
	perDay := map[string]map[string]int{}  // type -> UTC day -> requests
	for _, r := range sim.Forcepoint.Requests() {
		day := r.Time.UTC().Format(time.DateOnly)
		if perDay[r.Type] == nil {
			perDay[r.Type], owners[r.Type] = map[string]int{}, map[string]bool{}
		}
		perDay[r.Type][day]++
		if o := holderAt(tenures, record.StreamID{Source: "acme", Stream: r.Type}, r.Time); o != "" {
			owners[r.Type][o] = true
		}
	}
	for _, typ := range types {
		for day, n := range perDay[typ] {
			if n > budget {
				t.Errorf("%s: the simulator received %d requests on %s, the daily budget is %d", typ, n, day, budget)
			}
		}
		if len(owners[typ]) < 2 {
			t.Errorf("%s: every request came from one run (%v): the stream did not move while its budget was spent", typ, owners[typ])
		}
		got := checkPrefix(t, logs, "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
		t.Logf("%s: %v requests (per UTC day) from %d runs, budget %d; %d records delivered exactly once, in order",
			typ, perDay[typ], len(owners[typ]), budget, got)
	}
	c.checkCommits()
	t.Logf("budget spent after %d moves (%d of them SIGKILLs), then %d more; budgets used %v", spentAfter, kills, moves-spentAfter, used())
}

// holderAt is the owner of id's latest tenure begun by at ("" when none).
func holderAt(ts []tenure, id record.StreamID, at time.Time) string {
	owner := ""
	for _, x := range ts {
		if x.at.After(at) {
			break
		}
		if x.id == id {
			owner = x.owner
		}
	}
	return owner
}

// checkPrefix asserts that the stream's lines are the first records the
// simulator serves, each once, in order, and returns how many there are.
func checkPrefix(t *testing.T, logs, source, stream string, want []fpsim.Record) int {
	t.Helper()
	got := readStream(t, logs, source, stream)
	if len(got) == 0 || len(got) > len(want) {
		t.Fatalf("%s/%s: %d records delivered of %d", source, stream, len(got), len(want))
	}
	ids := map[string]bool{}
	for i, l := range got {
		if ids[l.ID] {
			t.Fatalf("%s/%s: id %s appears twice", source, stream, l.ID)
		}
		ids[l.ID] = true
		if !bytes.Equal(l.Fields, want[i].JSON) {
			t.Fatalf("%s/%s: line %d is %s, the simulator's record %d is %s", source, stream, i, l.Fields, i, want[i].JSON)
		}
	}
	return len(got)
}

// Two daemons share one Symantec source whose two streams (access logs,
// audit) end up one on each; the access-log stream moves from one to the
// other twice (SIGTERM, then SIGKILL) while it walks a backlog of archives
// against a simulator that answers 429 with Retry-After to a request
// sooner than MinInterval after the last one (per customer). The pace is
// learned once and kept by both: no 429 after the first Retry-After, and
// every request of the source after it, from either instance, at least
// MinInterval after the one before.
func testClusterSymantecPacing(t *testing.T) {
	const interval = time.Second
	end := time.Now().UTC().Truncate(time.Hour)
	sw := simulator.DefaultSymantec()
	sw.Seed, sw.Start, sw.End, sw.LinesPerHour = 814, end.Add(-3*time.Hour), end, 700
	sw.MaxLinesPerArchive, sw.LinesPerMember, sw.MinInterval = 100, 50, interval
	sim := startSim(t, simulator.Options{Symantec: sw})
	c := newCluster(t)
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	c.config(dir, "3s", clusterSources(sim.URL, nil, "", true, logs))
	a, b := c.node("a"), c.node("b")
	began := time.Now()
	a.start()
	b.start()
	accesslog, audit := record.StreamID{Source: "wss", Stream: "accesslog"}, record.StreamID{Source: "wss", Stream: "audit"}
	leasesNow := func() string { return fmt.Sprintf("leases %v (a is %s, b is %s)", c.leases(), a.owner, b.owner) }
	waitFor(t, 30*time.Second, leasesNow, func() bool {
		l := c.leases()
		return l[accesslog].live && l[audit].live && l[accesslog].owner != l[audit].owner
	})
	lines := sim.Symantec.Lines(sw.Start, sw.End)
	want := map[record.StreamID]uint64{accesslog: uint64(len(lines)), audit: uint64(auditCount(sim.Symantec, began.Add(-6*time.Hour)))}

	// Move the access logs twice: a clean stop, then a kill.
	for _, how := range []string{"SIGTERM", "SIGKILL"} {
		waitFor(t, time.Minute, func() string { return fmt.Sprintf("%d of %d lines delivered", c.delivered()[accesslog], len(lines)) }, func() bool {
			return c.delivered()[accesslog] >= uint64(len(lines))/3
		})
		owner := c.leases()[accesslog].owner
		n, other := a, b
		if b.owner == owner {
			n, other = b, a
		}
		if how == "SIGKILL" {
			if !n.kill() {
				t.Fatalf("node %s did not die of SIGKILL", n.name)
			}
		} else {
			n.stop()
		}
		waitFor(t, 30*time.Second, leasesNow, func() bool {
			l := c.leases()[accesslog]
			return l.live && l.owner == other.owner
		})
		n.start()
	}
	c.catchUp(want, 3*time.Minute)
	a.stop()
	b.stop()

	checkLinesOf(t, logs, "wss", lines)
	checkAuditOnce(t, logs, "wss", sim.Symantec, began.Add(-6*time.Hour))
	c.checkCommits()
	holders := map[string]bool{}
	for _, x := range c.tenures() {
		if x.id == accesslog && x.owner != "" {
			holders[x.owner] = true
		}
	}
	if len(holders) < 3 {
		t.Errorf("the access logs were held by %d runs, want 3 (moved twice)", len(holders))
	}

	reqs := sim.Symantec.Requests()
	var first time.Time
	var throttled []time.Time
	for _, r := range reqs {
		if r.Status == 429 {
			throttled = append(throttled, r.Time)
			if first.IsZero() {
				first = r.Time
			}
		}
	}
	if first.IsZero() {
		t.Fatal("the simulator answered no 429: the pacing was not exercised")
	}
	// Retry-After is the time left until MinInterval has passed, rounded
	// up to whole seconds: one second here.
	learned := first.Add(interval)
	late := 0
	var shortest time.Duration = -1
	for i, r := range reqs {
		if r.Time.Before(learned) {
			continue
		}
		if r.Status == 429 {
			late++
		}
		if i > 0 {
			gap := r.Time.Sub(reqs[i-1].Time)
			if gap < interval {
				t.Errorf("request %d (%s %d) came %s after the one before, after the interval was learned", i, r.Path, r.Status, gap)
			}
			if shortest < 0 || gap < shortest {
				shortest = gap
			}
		}
	}
	if late > 0 || len(throttled) > 2 {
		t.Errorf("%d requests answered 429 (at %v), %d of them after the first Retry-After: the pace was not kept across instances", len(throttled), throttled, late)
	}
	t.Logf("%d requests, %d answered 429 (all before %s), the shortest gap after that %s; access logs held by %d runs",
		len(reqs), len(throttled), learned.Format(time.RFC3339Nano), shortest.Round(time.Millisecond), len(holders))
}

// checkServedOrder asserts that the access-log files of source hold their
// lines in the order the simulator served them (hour by hour, each hour's
// lines in order; their times are not).
func checkServedOrder(t *testing.T, logs, source string, served []swgsim.Line) {
	t.Helper()
	pos := make(map[string]int, len(served))
	for i, l := range served {
		pos[lineID(l)] = i
	}
	prev := -1
	for i, l := range readStream(t, logs, source, "accesslog") {
		p, ok := pos[l.ID]
		if ok && p < prev {
			t.Fatalf("%s/accesslog: line %d (%s) was served before the line above it", source, i, l.ID)
		}
		prev = p
	}
}
