package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/statetest"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

var streamA = record.StreamID{Source: "acme-wss", Stream: "accesslog"}

// withParams returns dsn with its query parameters set.
func withParams(t testing.TB, dsn string, kv ...string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Times come back to the nanosecond (timestamptz keeps microseconds), in
// any zone, before 1970 too; a zero time is kept as zero.
func TestTimesRoundTrip(t *testing.T) {
	s := openT(t, pgtest.Start(t), Options{})
	ist := time.FixedZone("IST", 5*3600+30*60)
	for _, at := range []time.Time{
		{},
		time.Date(2025, 2, 28, 23, 59, 59, 123456789, time.UTC),
		time.Date(2025, 2, 28, 23, 59, 59, 999999999, ist),
		time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, -1),
	} {
		c := state.Checkpoint{EventTime: at, Updated: time.Date(2025, 3, 1, 0, 0, 0, 7, time.UTC), Records: math.MaxInt64}
		if err := s.Commit(streamA, c); err != nil {
			t.Fatalf("Commit(%v): %v", at, err)
		}
		got, _, err := s.Checkpoint(streamA)
		if err != nil || !got.EventTime.Equal(at) || !got.Updated.Equal(c.Updated) || got.Records != c.Records {
			t.Errorf("EventTime %v: got %+v, %v", at, got, err)
		}
		if err := s.SetBudget(streamA, state.Budget{BlockedUntil: at}); err != nil {
			t.Fatal(err)
		}
		if b, err := s.Budget(streamA); err != nil || !b.BlockedUntil.Equal(at) {
			t.Errorf("BlockedUntil %v: got %v, %v", at, b.BlockedUntil, err)
		}
	}
	// A zero Updated is stamped by the database's clock.
	before := time.Now()
	if err := s.Commit(streamA, state.Checkpoint{}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := s.Checkpoint(streamA)
	if got.Updated.Before(before.Add(-time.Minute)) || got.Updated.After(time.Now().Add(time.Minute)) {
		t.Errorf("stamped Updated %v, want about %v", got.Updated, before)
	}
	if err := s.Commit(streamA, state.Checkpoint{Records: math.MaxInt64 + 1}); err == nil {
		t.Error("Commit of Records above MaxInt64 succeeded")
	}
}

// The database's collation is ICU en-US (pgtest's): List still sorts byte-wise.
func TestListSortsByteWise(t *testing.T) {
	s := openT(t, pgtest.Start(t), Options{})
	ids := []record.StreamID{ // in byte order
		{Source: "B", Stream: "x"}, {Source: "a", Stream: "Z"}, {Source: "a", Stream: "z"},
		{Source: "a-b", Stream: "x"}, {Source: "a/b", Stream: "x"}, {Source: "ab", Stream: "x"}, {Source: "é", Stream: "x"},
	}
	for i := len(ids) - 1; i >= 0; i-- {
		if err := s.Commit(ids[i], state.Checkpoint{Records: 1}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var got []record.StreamID
	for _, e := range entries {
		got = append(got, e.ID)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("List order (-want +got):\n%s", diff)
	}
}

// Lease expiry is judged by the database's clock. Here the database's
// now() (a function earlier on the search_path than pg_catalog's) runs two
// hours behind this process: a one-hour lease it granted has not expired by
// its clock, though it has by ours.
func TestLeaseUsesTheDatabaseClock(t *testing.T) {
	dsn := pgtest.Start(t)
	c := sqlConn(t, dsn)
	exec(t, c, "CREATE SCHEMA skew")
	exec(t, c, "CREATE FUNCTION skew.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT pg_catalog.now() - interval '2 hours' $$")
	s := openT(t, withParams(t, dsn, "search_path", "public,skew,pg_catalog"), Options{})

	if _, err := s.Acquire(streamA, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	entries, err := s.List()
	if err != nil || len(entries) != 1 {
		t.Fatalf("List = %+v, %v", entries, err)
	}
	if until, want := entries[0].LeaseUntil, time.Now().Add(-time.Hour); until.Before(want.Add(-time.Minute)) || until.After(want.Add(time.Minute)) {
		t.Errorf("LeaseUntil %v, want about %v (the database's now() + 1h)", until, want)
	}
	if _, err := s.Acquire(streamA, "b", time.Hour); !errors.Is(err, state.ErrLeased) {
		t.Errorf("Acquire by another owner = %v; want ErrLeased: the lease is live by the database's clock", err)
	}
	if _, err := s.Acquire(streamA, "b", time.Hour); err == nil || !strings.Contains(err.Error(), `held by "a"`) {
		t.Errorf("ErrLeased should name the holder: %v", err)
	}
	// The fence too: the lease is live by the database's clock, so the
	// holder's generation commits, and Lease says it is live.
	l, err := s.Lease(streamA)
	if err != nil || !l.Live || l.Owner != "a" {
		t.Errorf("Lease = %+v, %v; want a's lease, live by the database's clock", l, err)
	}
	if err := s.Commit(streamA, state.Checkpoint{Records: 1, Generation: l.Generation}); err != nil {
		t.Errorf("Commit with the live generation: %v", err)
	}
}

// A stale commit that meets a takeover in flight waits for it (the fence
// reads the lease row FOR SHARE) and is then judged by the lease's new
// version: fenced, changing nothing. Without the row lock it would be
// judged by its snapshot, in which the old lease was still live.
func TestFenceWaitsForATakeoverInFlight(t *testing.T) {
	dsn := pgtest.Start(t)
	s := openT(t, dsn, Options{})
	l, err := s.Acquire(streamA, "a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(streamA, state.Checkpoint{Cursor: []byte("1"), Records: 1, Generation: l.Generation}); err != nil {
		t.Fatal(err)
	}
	c := sqlConn(t, dsn)
	tx, err := c.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(context.Background(), `UPDATE leases SET owner = 'b', generation = generation + 1,
		expires_at = now() + interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Commit(streamA, state.Checkpoint{Cursor: []byte("2"), Records: 2, Generation: l.Generation,
			Seen: []state.SeenID{{Time: time.Unix(3600, 0), ID: "stale"}}})
	}()
	watch := sqlConn(t, dsn)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := watch.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'WITH fence AS%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 1 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Commit returned %v while the takeover held the lease row", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the commit never waited for the lease row")
		}
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, state.ErrFenced) {
		t.Fatalf("Commit = %v; want ErrFenced", err)
	}
	if cp, _, err := s.Checkpoint(streamA); err != nil || string(cp.Cursor) != "1" {
		t.Errorf("checkpoint %+v, %v; want the first", cp, err)
	}
	if seen, err := s.Seen(streamA, []state.SeenID{{Time: time.Unix(3600, 0), ID: "stale"}}); err != nil || seen[0] {
		t.Errorf("the fenced commit's mark: %v, %v", seen, err)
	}
}

// generation counts tenures: a renewal keeps it, a new owner, a lapse or a
// release then acquire bumps it, and a release or reset never lowers it.
func TestLeaseGeneration(t *testing.T) {
	dsn := pgtest.Start(t)
	s := openT(t, dsn, Options{})
	c := sqlConn(t, dsn)
	gen := func() (owner *string, g int64) {
		t.Helper()
		if err := c.QueryRow(context.Background(), "SELECT owner, generation FROM leases").Scan(&owner, &g); err != nil {
			t.Fatal(err)
		}
		return owner, g
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	acquire := func(owner string, ttl time.Duration) {
		t.Helper()
		l, err := s.Acquire(streamA, owner, ttl)
		must(err)
		if _, g := gen(); l.Generation != uint64(g) {
			t.Errorf("Acquire returned generation %d, the row holds %d", l.Generation, g)
		}
	}
	want := func(wantOwner string, wantGen int64) {
		t.Helper()
		owner, g := gen()
		if (owner == nil) != (wantOwner == "") || (owner != nil && *owner != wantOwner) || g != wantGen {
			t.Errorf("lease owner %v generation %d, want %q %d", owner, g, wantOwner, wantGen)
		}
	}
	acquire("a", time.Hour)
	want("a", 1)
	acquire("a", time.Hour) // renewal
	want("a", 1)
	must(s.Release(streamA, "a"))
	want("", 1)
	acquire("b", time.Millisecond)
	want("b", 2)
	time.Sleep(5 * time.Millisecond)
	acquire("b", time.Hour) // after its lease lapsed
	want("b", 3)
	must(s.Reset(streamA))
	want("", 3)
	acquire("c", time.Hour)
	want("c", 4)
	if entries, err := s.List(); err != nil || entries[0].LeaseOwner != "c" {
		t.Errorf("List = %+v, %v", entries, err)
	}
	must(s.Release(streamA, "c"))
	if entries, err := s.List(); err != nil || len(entries) != 0 {
		t.Errorf("List after the only lease was released = %+v, %v; want nothing", entries, err)
	}
}

// Commit is one transaction on the server: when a statement fails halfway
// (here a trigger refuses one mark), neither the checkpoint nor the other
// marks nor the pruning is kept.
func TestCommitIsAtomicOnTheServer(t *testing.T) {
	dsn := pgtest.Start(t)
	s := openT(t, dsn, Options{})
	hour := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	first := state.Checkpoint{Cursor: []byte("1"), Records: 1, Seen: []state.SeenID{{Time: hour, ID: "old"}}}
	if err := s.Commit(streamA, first); err != nil {
		t.Fatal(err)
	}
	c := sqlConn(t, dsn)
	exec(t, c, `CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.mark_id = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`)
	exec(t, c, "CREATE TRIGGER refuse_boom BEFORE INSERT ON seen_marks FOR EACH ROW EXECUTE FUNCTION refuse_boom()")

	marks := statetest.SeenBatch(hour.Add(2*time.Hour), 500, "new")
	marks = append(marks, state.SeenID{Time: hour.Add(2 * time.Hour), ID: "boom"})
	bad := state.Checkpoint{Cursor: []byte("2"), Records: 2, Seen: marks, PruneSeenBefore: hour.Add(time.Hour)}
	if err := s.Commit(streamA, bad); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Commit = %v; want the trigger's error", err)
	}
	got, _, err := s.Checkpoint(streamA)
	if err != nil || string(got.Cursor) != "1" || got.Records != 1 {
		t.Errorf("checkpoint after a failed commit: %+v, %v", got, err)
	}
	seen, err := s.Seen(streamA, append([]state.SeenID{{Time: hour, ID: "old"}}, marks[:500]...))
	if err != nil {
		t.Fatal(err)
	}
	if !seen[0] {
		t.Error("the failed commit pruned the old mark")
	}
	for i, ok := range seen[1:] {
		if ok {
			t.Fatalf("the failed commit stored mark %d", i)
		}
	}
}

// A database (or role, or server) that turned synchronous_commit off does
// not make gatelog's commits lazy.
func TestSynchronousCommitStaysOn(t *testing.T) {
	dsn := pgtest.Start(t)
	c := sqlConn(t, dsn)
	var db string
	if err := c.QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	exec(t, c, "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" SET synchronous_commit = off")
	s := openT(t, withParams(t, dsn, "synchronous_commit", "off"), Options{MaxConns: 2})
	for range 2 { // each connection of the pool, held so the next is another
		conn, err := s.pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		var v string
		if err := conn.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&v); err != nil || v != "on" {
			t.Errorf("synchronous_commit = %q, %v; want on", v, err)
		}
	}
}

// countingTracer counts the statements a store sends.
type countingTracer struct{ n atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Seen answers a batch of keys, and Commit stores a checkpoint with its
// marks and pruning, in one statement each.
func TestOneStatementEach(t *testing.T) {
	tr := &countingTracer{}
	s := openT(t, pgtest.Start(t), Options{tracer: tr})
	hour := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := s.Commit(streamA, state.Checkpoint{Records: 1}); err != nil { // creates the stream's row
		t.Fatal(err)
	}
	count := func(what string, f func() error) {
		t.Helper()
		before := tr.n.Load()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		if n := tr.n.Load() - before; n != 1 {
			t.Errorf("%s sent %d statements, want 1", what, n)
		}
	}
	marks := statetest.SeenBatch(hour, 1000, "")
	count("Commit of 1,000 marks", func() error {
		return s.Commit(streamA, state.Checkpoint{Records: 2, Seen: marks, PruneSeenBefore: hour})
	})
	count("Seen of 2,000 keys", func() error {
		got, err := s.Seen(streamA, append(marks, statetest.SeenBatch(hour, 1000, "x")...))
		if err == nil && (!got[999] || got[1000]) {
			err = errors.New("wrong answers")
		}
		return err
	})
	count("List", func() error { _, err := s.List(); return err })
	var gen uint64
	count("Acquire", func() error { l, err := s.Acquire(streamA, "a", time.Hour); gen = l.Generation; return err })
	count("Lease", func() error { _, err := s.Lease(streamA); return err })
	count("fenced Commit", func() error {
		return s.Commit(streamA, state.Checkpoint{Records: 3, Seen: marks, Generation: gen})
	})
	count("fenced Commit of a stale generation", func() error {
		if err := s.Commit(streamA, state.Checkpoint{Records: 4, Generation: gen + 1}); !errors.Is(err, state.ErrFenced) {
			return fmt.Errorf("want ErrFenced, got %v", err)
		}
		return nil
	})
	count("Reset", func() error { return s.Reset(streamA) })
}

// An id too long for a B-tree entry is stored by its digest: it is still
// seen, and distinct from a long id that differs in its last byte.
func TestLongMarkIDs(t *testing.T) {
	s := openT(t, pgtest.Start(t), Options{})
	hour := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("x", 10_000)
	c := state.Checkpoint{Records: 1, Seen: []state.SeenID{{Time: hour, ID: long + "1"}, {Time: hour, ID: strings.Repeat("y", maxMarkID)}}}
	if err := s.Commit(streamA, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Seen(streamA, []state.SeenID{{Time: hour, ID: long + "1"}, {Time: hour, ID: long + "2"}, {Time: hour, ID: strings.Repeat("y", maxMarkID)}})
	if err != nil || !cmp.Equal(got, []bool{true, false, true}) {
		t.Errorf("Seen = %v, %v", got, err)
	}
}

// Close may be called again; a closed store fails calls, and does not panic.
func TestCloseIsIdempotent(t *testing.T) {
	s := openT(t, pgtest.Start(t), Options{})
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Checkpoint(streamA); err == nil {
		t.Error("Checkpoint on a closed store succeeded")
	}
	if err := s.Commit(streamA, state.Checkpoint{}); err == nil {
		t.Error("Commit on a closed store succeeded")
	}
}

// A stream row deleted by hand (ON DELETE CASCADE takes its state) is made
// again on the next write, though its id was cached.
func TestStreamRowDeletedByHand(t *testing.T) {
	dsn := pgtest.Start(t)
	s := openT(t, dsn, Options{})
	if err := s.Commit(streamA, state.Checkpoint{Records: 1}); err != nil {
		t.Fatal(err)
	}
	exec(t, sqlConn(t, dsn), "DELETE FROM streams")
	if err := s.Commit(streamA, state.Checkpoint{Records: 2}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.Checkpoint(streamA); !ok || err != nil || got.Records != 2 {
		t.Errorf("Checkpoint = %+v, %v, %v", got, ok, err)
	}
	if err := s.SetBudget(streamA, state.Budget{Day: "2025-03-01"}); err != nil {
		t.Fatal(err)
	}
	exec(t, sqlConn(t, dsn), "DELETE FROM streams")
	if _, err := s.Acquire(streamA, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
}

// Seen probes the primary key once per key, with or without statistics:
// it never reads the stream's other marks.
func TestSeenProbesTheIndex(t *testing.T) {
	dsn := pgtest.Start(t)
	s := openT(t, dsn, Options{})
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for h := range 5 {
		if err := s.Commit(streamA, state.Checkpoint{Seen: statetest.SeenBatch(start.Add(time.Duration(h)*time.Hour), 10_000, "")}); err != nil {
			t.Fatal(err)
		}
	}
	var hours []int32
	var ids [][]byte
	for _, m := range statetest.SeenBatch(start.Add(2*time.Hour), 1000, "") {
		h, _ := markHour(m.Time)
		hours, ids = append(hours, h), append(ids, markKey(m.ID))
	}
	c := sqlConn(t, dsn)
	for _, stats := range []string{"without statistics", "analyzed"} {
		if stats == "analyzed" {
			exec(t, c, "ANALYZE seen_marks")
		}
		rows, err := c.Query(context.Background(), "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "+seenQuery, streamA.Source, streamA.Stream, hours, ids)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, "Nested Loop") || !strings.Contains(plan, "using seen_marks_pkey on seen_marks") ||
			strings.Contains(plan, "Hash") || strings.Contains(plan, "Seq Scan on seen_marks") {
			t.Errorf("%s: want a nested loop of primary-key probes:\n%s", stats, plan)
		}
	}
}
