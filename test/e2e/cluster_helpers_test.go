package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state/postgres"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// A cluster is gatelog daemons (nodes: the built binary, `gatelog run`
// without --once) sharing one PostgreSQL database and one configuration.
// Each node has a working folder of its own, so a data_dir of its own, as
// on separate machines; the sinks' folder is shared through the
// configuration. Every run of a node connects with an application_name of
// its own, and the database is instrumented (triggers owned by the test)
// to log each checkpoint commit with who made it and who held the lease at
// that instant, and each change of a lease's owner or generation, both on
// the database's clock (the same host clock the test reads).
type cluster struct {
	t     *testing.T
	dsn   string
	host  string
	cfg   string            // the configuration every node runs
	store *postgres.Store   // the state as gatelog reads it
	db    *pgx.Conn         // the instrumentation's log, read by the test goroutine only
	apps  map[string]string // application_name of a run -> its lease owner (host/pid)
	nodes []*node
}

// newCluster starts a database, brings gatelog's schema up (as gatelog
// would) and installs the instrumentation. Write the configuration with
// config before starting nodes.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	dsn := pgtest.Start(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	store, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dsn: dsn, host: host, store: store, db: db, apps: map[string]string{}}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.abandon()
		}
		store.Close()
		db.Close(context.Background())
	})
	if _, err := db.Exec(ctx, instrumentation); err != nil {
		t.Fatalf("instrument the database: %v", err)
	}
	return c
}

// instrumentation logs commits and lease changes. The commit trigger runs
// inside gatelog's fenced commit statement, which holds the lease row FOR
// SHARE, so the lease it reads is the one the commit was checked against.
const instrumentation = `
CREATE TABLE e2e_commits (at timestamptz NOT NULL, app text NOT NULL, stream_id integer NOT NULL,
	records bigint NOT NULL, lease_owner text, lease_generation bigint);
CREATE FUNCTION e2e_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO e2e_commits
	SELECT clock_timestamp(), current_setting('application_name'), NEW.stream_id, NEW.records, l.owner, l.generation
	FROM (SELECT) AS one LEFT JOIN leases l ON l.stream_id = NEW.stream_id;
	RETURN NULL;
END $$;
CREATE TRIGGER e2e_commit AFTER INSERT OR UPDATE ON checkpoints FOR EACH ROW EXECUTE FUNCTION e2e_commit();
CREATE TABLE e2e_tenures (at timestamptz NOT NULL, stream_id integer NOT NULL, owner text, generation bigint NOT NULL);
CREATE FUNCTION e2e_tenure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO e2e_tenures VALUES (clock_timestamp(), NEW.stream_id, NEW.owner, NEW.generation);
	RETURN NULL;
END $$;
CREATE TRIGGER e2e_tenure_new AFTER INSERT ON leases FOR EACH ROW EXECUTE FUNCTION e2e_tenure();
CREATE TRIGGER e2e_tenure_change AFTER UPDATE ON leases FOR EACH ROW
	WHEN (OLD.owner IS DISTINCT FROM NEW.owner OR OLD.generation IS DISTINCT FROM NEW.generation)
	EXECUTE FUNCTION e2e_tenure();
`

// config writes the nodes' configuration: state: ${TEST_PG_DSN} (each run
// gets the DSN with its application_name), lease_ttl, the status page on
// a port the kernel picks for each (listen 127.0.0.1:0: nodes never
// collide), then body (sources, sinks).
func (c *cluster) config(dir, ttl, body string) {
	c.t.Helper()
	c.cfg = filepath.Join(dir, "gatelog.yaml")
	writeFile(c.t, c.cfg, "state: ${TEST_PG_DSN}\nlease_ttl: "+ttl+"\nlisten: 127.0.0.1:0\n"+body)
}

// node is one gatelog daemon of the cluster, started again at will.
type node struct {
	c      *cluster
	name   string
	dir    string
	args   []string // after run -c CONFIG
	runs   int
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the run's end, once exited is closed
	app    string
	owner  string
	log    string // the current run's stdout and stderr
}

func (c *cluster) node(name string, args ...string) *node {
	c.t.Helper()
	dir := filepath.Join(c.t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.t.Fatal(err)
	}
	n := &node{c: c, name: name, dir: dir, args: args}
	c.nodes = append(c.nodes, n)
	return n
}

// start runs the node anew: a new process, so a new lease owner.
func (n *node) start() {
	t := n.c.t
	t.Helper()
	if n.running() {
		t.Fatalf("node %s started while running", n.name)
	}
	n.runs++
	n.app = fmt.Sprintf("e2e-%s-%d", n.name, n.runs)
	n.log = filepath.Join(n.dir, fmt.Sprintf("run-%d.log", n.runs))
	f, err := os.Create(n.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // the child has its own descriptor
	cmd := gatelogCmd(n.dir, append([]string{"run", "-c", n.c.cfg}, n.args...)...)
	cmd.Env = append(cmd.Env, "TEST_PG_DSN="+n.c.dsn+"&application_name="+n.app)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	n.owner = fmt.Sprintf("%s/%d", n.c.host, cmd.Process.Pid)
	n.c.apps[n.app] = n.owner
	exited := n.exited
	go func() {
		n.err = cmd.Wait()
		close(exited)
	}()
}

func (n *node) running() bool {
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// requireRunning fails the test when the daemon ended on its own.
func (n *node) requireRunning() {
	n.c.t.Helper()
	if !n.running() {
		<-n.exited
		n.c.t.Fatalf("node %s (%s) ended on its own: %v\n%s", n.name, n.owner, n.err, tail(n.log, 40))
	}
}

// kill sends SIGKILL and reports whether the run died of it (and not of
// something else first).
func (n *node) kill() bool {
	n.requireRunning()
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
	var ee *exec.ExitError
	return errors.As(n.err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
}

func (n *node) signal(sig syscall.Signal) {
	n.c.t.Helper()
	n.requireRunning()
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.c.t.Fatal(err)
	}
}

// started waits until the run has logged its start, after which it
// handles SIGTERM (before, the signal's default action ends it).
func (n *node) started() {
	t := n.c.t
	t.Helper()
	var b []byte
	waitFor(t, 30*time.Second, func() string { return fmt.Sprintf("node %s did not start\n%s", n.name, tail(n.log, 20)) }, func() bool {
		n.requireRunning()
		b, _ = os.ReadFile(n.log)
		return bytes.Contains(b, []byte("gatelog started"))
	})
	if !bytes.Contains(b, []byte("serving the status page")) {
		t.Fatalf("node %s serves no status page (listen 127.0.0.1:0)\n%s", n.name, tail(n.log, 20))
	}
}

// stop sends SIGTERM and requires a clean exit (a daemon exits 0 on it).
func (n *node) stop() {
	t := n.c.t
	t.Helper()
	n.started()
	n.signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(2 * time.Minute):
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.exited
		t.Fatalf("node %s (%s) did not stop within 2 minutes of SIGTERM\n%s", n.name, n.owner, tail(n.log, 40))
	}
	if n.err != nil {
		t.Fatalf("node %s (%s) stopped with %v after SIGTERM, want exit 0\n%s", n.name, n.owner, n.err, tail(n.log, 40))
	}
}

// abandon kills a node left running by a failed test.
func (n *node) abandon() {
	if n.running() {
		_ = n.cmd.Process.Signal(syscall.SIGCONT)
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.exited
	}
}

// tail is the last n lines of a file, for failure messages.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return path + ":\n" + strings.Join(lines, "\n")
}

// leases are the streams' leases as the store sees them, live or not.
func (c *cluster) leases() map[record.StreamID]leaseView {
	c.t.Helper()
	ls, err := c.store.Leases()
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[record.StreamID]leaseView{}
	for id, l := range ls {
		out[id] = leaseView{owner: l.Owner, gen: l.Generation, live: l.Live}
	}
	return out
}

type leaseView struct {
	owner string
	gen   uint64
	live  bool
}

// heldBy lists the streams owner holds live, with their generations.
func (c *cluster) heldBy(owner string) map[record.StreamID]uint64 {
	out := map[record.StreamID]uint64{}
	for id, l := range c.leases() {
		if l.live && l.owner == owner {
			out[id] = l.gen
		}
	}
	return out
}

// delivered is each stream's committed record count.
func (c *cluster) delivered() map[record.StreamID]uint64 {
	c.t.Helper()
	entries, err := c.store.List()
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[record.StreamID]uint64{}
	for _, e := range entries {
		if e.Checkpoint != nil {
			out[e.ID] = e.Checkpoint.Records
		}
	}
	return out
}

func total(m map[record.StreamID]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}

// waitFor polls cond every 100ms until it holds, failing with what() after
// limit.
func waitFor(t *testing.T, limit time.Duration, what func() string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("not within %s: %s", limit, what())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// catchUp waits until every stream has committed want records, and
// returns how long that took. The nodes must be running.
func (c *cluster) catchUp(want map[record.StreamID]uint64, limit time.Duration) time.Duration {
	c.t.Helper()
	var got map[record.StreamID]uint64
	return waitFor(c.t, limit, func() string {
		var b strings.Builder
		for _, id := range slices.SortedFunc(func(yield func(record.StreamID) bool) {
			for id := range want {
				if !yield(id) {
					return
				}
			}
		}, func(a, b record.StreamID) int { return strings.Compare(a.String(), b.String()) }) {
			fmt.Fprintf(&b, " %s %d/%d;", id, got[id], want[id])
		}
		for _, n := range c.nodes {
			if n.cmd != nil {
				b.WriteString("\n" + tail(n.log, 15))
			}
		}
		return "streams did not catch up (committed/served):" + b.String()
	}, func() bool {
		for _, n := range c.nodes {
			if n.cmd != nil {
				n.requireRunning()
			}
		}
		got = c.delivered()
		for id, w := range want {
			if got[id] < w {
				return false
			}
		}
		return true
	})
}

// commit is one checkpoint commit as the instrumentation logged it.
type commit struct {
	at         time.Time
	app        string
	id         record.StreamID
	records    int64
	leaseOwner string
	leaseGen   int64
}

func (c *cluster) commits() []commit {
	c.t.Helper()
	rows, err := c.db.Query(c.t.Context(), `SELECT e.at, e.app, s.source, s.stream, e.records, coalesce(e.lease_owner, ''), coalesce(e.lease_generation, 0)
		FROM e2e_commits e JOIN streams s ON s.id = e.stream_id ORDER BY e.at`)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []commit
	var r commit
	if _, err := pgx.ForEachRow(rows, []any{&r.at, &r.app, &r.id.Source, &r.id.Stream, &r.records, &r.leaseOwner, &r.leaseGen}, func() error {
		out = append(out, r)
		return nil
	}); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// tenure is a change of a stream's lease: a new owner or generation, or
// "" when released.
type tenure struct {
	at    time.Time
	id    record.StreamID
	owner string
	gen   int64
}

func (c *cluster) tenures() []tenure {
	c.t.Helper()
	rows, err := c.db.Query(c.t.Context(), `SELECT e.at, s.source, s.stream, coalesce(e.owner, ''), e.generation
		FROM e2e_tenures e JOIN streams s ON s.id = e.stream_id ORDER BY e.at`)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []tenure
	var r tenure
	if _, err := pgx.ForEachRow(rows, []any{&r.at, &r.id.Source, &r.id.Stream, &r.owner, &r.gen}, func() error {
		out = append(out, r)
		return nil
	}); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// checkCommits asserts that every checkpoint commit was made by the run
// that held the stream's lease at that instant, and that no stream's
// record count ever went back (a stale owner's commit would set it back).
// It returns the commits.
func (c *cluster) checkCommits() []commit {
	c.t.Helper()
	all := c.commits()
	last := map[record.StreamID]commit{}
	bad := 0
	for _, cm := range all {
		owner, ok := c.apps[cm.app]
		switch {
		case !ok:
			c.t.Errorf("%s: a commit at %s from %q, no node of this test", cm.id, cm.at.Format(time.RFC3339Nano), cm.app)
			bad++
		case owner != cm.leaseOwner:
			c.t.Errorf("%s: a commit at %s by %s (%s) while the lease was %q's (generation %d)",
				cm.id, cm.at.Format(time.RFC3339Nano), owner, cm.app, cm.leaseOwner, cm.leaseGen)
			bad++
		}
		if prev, ok := last[cm.id]; ok && (cm.records < prev.records || cm.leaseGen < prev.leaseGen) {
			c.t.Errorf("%s: a commit at %s by %s set the record count back to %d (generation %d) from %d (generation %d, %s)",
				cm.id, cm.at.Format(time.RFC3339Nano), cm.app, cm.records, cm.leaseGen, prev.records, prev.leaseGen, prev.app)
			bad++
		}
		last[cm.id] = cm
		if bad > 20 {
			c.t.Fatal("too many bad commits")
		}
	}
	if len(all) == 0 {
		c.t.Fatal("the instrumentation logged no commit")
	}
	return all
}

// kill is one SIGKILL of a run holding leases.
type kill struct {
	at    time.Time
	owner string
}

// takeovers measures, for each kill, how long each stream the killed run
// held went without a new owner: from the kill to the next tenure by
// another run. Streams not taken over (the test ended first) are counted
// in missed.
func takeovers(kills []kill, ts []tenure) (durations []time.Duration, missed int) {
	byStream := map[record.StreamID][]tenure{}
	for _, x := range ts {
		byStream[x.id] = append(byStream[x.id], x)
	}
	for _, k := range kills {
		for _, hist := range byStream {
			i := sort.Search(len(hist), func(i int) bool { return hist[i].at.After(k.at) })
			if i == 0 || hist[i-1].owner != k.owner {
				continue // not held by the killed run
			}
			found := false
			for _, next := range hist[i:] {
				if next.owner != "" && next.owner != k.owner {
					durations = append(durations, next.at.Sub(k.at))
					found = true
					break
				}
			}
			if !found {
				missed++
			}
		}
	}
	slices.Sort(durations)
	return durations, missed
}

// spread words sorted durations: min, median, 90th percentile, max.
func spread(d []time.Duration) string {
	if len(d) == 0 {
		return "none"
	}
	r := func(x time.Duration) string { return x.Round(10 * time.Millisecond).String() }
	return fmt.Sprintf("min %s, median %s, p90 %s, max %s (%d)", r(d[0]), r(d[len(d)/2]), r(d[len(d)*9/10]), r(d[len(d)-1]), len(d))
}

// simClock is a simulator's clock that can be stopped: from then on no
// live record arrives, so what was served up to the cut-off is final.
type simClock struct{ frozen atomic.Pointer[time.Time] }

func (c *simClock) Now() time.Time {
	if f := c.frozen.Load(); f != nil {
		return *f
	}
	return time.Now()
}

func (c *simClock) freeze() time.Time {
	t := time.Now()
	c.frozen.Store(&t)
	return t
}
