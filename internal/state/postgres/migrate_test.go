package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// sqlConn is a plain connection to dsn, closed when the test ends.
func sqlConn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func exec(t testing.TB, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

type applied struct {
	Version int
	Name    string
	At      time.Time
}

// appliedMigrations reads schema_migrations.
func appliedMigrations(t testing.TB, c *pgx.Conn) []applied {
	t.Helper()
	rows, err := c.Query(context.Background(), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[applied])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func versions(a []applied) []int {
	var v []int
	for _, m := range a {
		v = append(v, m.Version)
	}
	return v
}

func tableExists(t testing.TB, c *pgx.Conn, name string) bool {
	t.Helper()
	var ok bool
	if err := c.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestMigrationFiles(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range all {
		names = append(names, m.name)
	}
	if diff := cmp.Diff([]string{"streams", "leases", "instances"}, names); diff != "" {
		t.Errorf("migrations (-want +got):\n%s", diff)
	}
}

func TestMigrateEmptyDatabase(t *testing.T) {
	dsn := pgtest.Start(t)
	openT(t, dsn, Options{})
	c := sqlConn(t, dsn)
	if got := versions(appliedMigrations(t, c)); !cmp.Equal(got, []int{1, 2, 3}) {
		t.Errorf("applied %v, want [1 2]", got)
	}
	for _, table := range []string{"streams", "checkpoints", "seen_marks", "budgets", "leases"} {
		if !tableExists(t, c, table) {
			t.Errorf("no table %s", table)
		}
	}
	var cols []string
	rows, _ := c.Query(context.Background(), "SELECT column_name FROM information_schema.columns WHERE table_name = 'leases' ORDER BY ordinal_position")
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"stream_id", "owner", "expires_at", "generation", "acquired_at"}, cols); diff != "" {
		t.Errorf("leases columns (-want +got):\n%s", diff)
	}
}

// A database that an older gatelog left at version 1 is brought to the
// latest version with its data kept.
func TestMigrateFromPreviousVersion(t *testing.T) {
	dsn := pgtest.Start(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), cfg, 1); err != nil {
		t.Fatal(err)
	}
	c := sqlConn(t, dsn)
	if got := versions(appliedMigrations(t, c)); !cmp.Equal(got, []int{1}) || tableExists(t, c, "leases") {
		t.Fatalf("after migrating to 1: applied %v, leases table %v", got, tableExists(t, c, "leases"))
	}
	// What version 1 held: a checkpoint, marks and a budget.
	hour := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	exec(t, c, "INSERT INTO streams (source, stream) VALUES ('acme-wss', 'accesslog')")
	exec(t, c, `INSERT INTO checkpoints (stream_id, cursor, sinks, event_time, event_time_ns, records, updated)
		VALUES (1, 'tok-7', '{"file": "b2ZmPTc="}', '2025-03-01 10:30:00.123456Z', 789, 7, '2025-03-01 10:31:00Z')`)
	exec(t, c, "INSERT INTO seen_marks VALUES (1, $1, 'id-1'), (1, $1, 'id-2')", int32(hour.Unix()/3600))
	exec(t, c, "INSERT INTO budgets (stream_id, day, used, request_limit, remaining) VALUES (1, '2025-03-01', 3, 100, 97)")

	s := openT(t, dsn, Options{})
	if got := versions(appliedMigrations(t, c)); !cmp.Equal(got, []int{1, 2, 3}) {
		t.Errorf("applied %v, want [1 2]", got)
	}
	id := record.StreamID{Source: "acme-wss", Stream: "accesslog"}
	cp, ok, err := s.Checkpoint(id)
	want := state.Checkpoint{Cursor: []byte("tok-7"), Sinks: map[string][]byte{"file": []byte("off=7")}, Records: 7,
		EventTime: time.Date(2025, 3, 1, 10, 30, 0, 123456789, time.UTC), Updated: time.Date(2025, 3, 1, 10, 31, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, cp); !ok || err != nil || diff != "" {
		t.Errorf("checkpoint kept: ok %v, err %v (-want +got):\n%s", ok, err, diff)
	}
	seen, err := s.Seen(id, []state.SeenID{{Time: hour, ID: "id-1"}, {Time: hour.Add(time.Minute), ID: "id-2"}, {Time: hour, ID: "id-3"}})
	if err != nil || !cmp.Equal(seen, []bool{true, true, false}) {
		t.Errorf("marks kept: %v, %v", seen, err)
	}
	if b, err := s.Budget(id); err != nil || b != (state.Budget{Day: "2025-03-01", Used: 3, Limit: 100, Remaining: 97}) {
		t.Errorf("budget kept: %+v, %v", b, err)
	}
	if _, err := s.Acquire(id, "host-1", time.Hour); err != nil { // version 2's table
		t.Error(err)
	}
}

// Opening an up-to-date database applies nothing and keeps the data.
func TestMigrateTwice(t *testing.T) {
	dsn := pgtest.Start(t)
	s := openT(t, dsn, Options{})
	id := record.StreamID{Source: "a", Stream: "b"}
	if err := s.Commit(id, state.Checkpoint{Records: 5, Seen: []state.SeenID{{Time: time.Unix(3600, 0), ID: "x"}}}); err != nil {
		t.Fatal(err)
	}
	c := sqlConn(t, dsn)
	before := appliedMigrations(t, c)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dsn, Options{})
	if diff := cmp.Diff(before, appliedMigrations(t, c)); diff != "" {
		t.Errorf("second Open changed schema_migrations (-before +after):\n%s", diff)
	}
	if cp, ok, err := s.Checkpoint(id); !ok || err != nil || cp.Records != 5 {
		t.Errorf("after reopening: %+v, %v, %v", cp, ok, err)
	}
	if seen, err := s.Seen(id, []state.SeenID{{Time: time.Unix(3600, 0), ID: "x"}}); err != nil || !seen[0] {
		t.Errorf("mark after reopening: %v, %v", seen, err)
	}
}

// Processes that start together migrate once: while one holds the
// migration lock the others wait, then find nothing to do.
func TestMigrateConcurrently(t *testing.T) {
	dsn := pgtest.Start(t)
	blocker := sqlConn(t, dsn)
	exec(t, blocker, "SELECT pg_advisory_lock($1)", migrationLock)

	const opens = 3
	var wg sync.WaitGroup
	stores := make([]*Store, opens)
	errs := make([]error, opens)
	done := make(chan struct{})
	for i := range opens {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			stores[i], errs[i] = Open(ctx, dsn, Options{})
		})
	}
	go func() { wg.Wait(); close(done) }()
	// All of them wait for the lock...
	waiting := 0
	for deadline := time.Now().Add(30 * time.Second); waiting < opens && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := blocker.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if waiting != opens {
		t.Fatalf("%d Opens wait for the migration lock, want %d", waiting, opens)
	}
	select {
	case <-done:
		t.Fatal("Open returned while another session held the migration lock")
	default:
	}
	// ... and, once it is free, take it in turn.
	exec(t, blocker, "SELECT pg_advisory_unlock($1)", migrationLock)
	<-done
	for i := range opens {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer stores[i].Close()
	}
	if got := versions(appliedMigrations(t, blocker)); !cmp.Equal(got, []int{1, 2, 3}) {
		t.Errorf("applied %v, want [1 2]", got)
	}

	// Two Opens on a fresh database with nobody holding the lock: the same.
	dsn = pgtest.Start(t)
	errs = make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn, Options{})
			if err == nil {
				err = s.Commit(record.StreamID{Source: "s", Stream: string(rune('a' + i))}, state.Checkpoint{Records: 1})
				_ = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Open %d: %v", i, err)
		}
	}
	if got := versions(appliedMigrations(t, sqlConn(t, dsn))); !cmp.Equal(got, []int{1, 2, 3}) {
		t.Errorf("applied %v, want [1 2]", got)
	}
}

// A database migrated by a newer gatelog is not touched by an older one.
func TestMigrateRefusesANewerSchema(t *testing.T) {
	dsn := pgtest.Start(t)
	openT(t, dsn, Options{}).Close()
	c := sqlConn(t, dsn)
	exec(t, c, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from_the_future')")
	_, err := Open(context.Background(), dsn, Options{})
	if err == nil || !strings.Contains(err.Error(), "version 99, newer than this gatelog knows (3)") {
		t.Errorf("Open = %v; want the schema refused as too new", err)
	}
}

// Open gives up waiting for the migration lock when its context ends.
func TestMigrateWaitIsBounded(t *testing.T) {
	dsn := pgtest.Start(t)
	exec(t, sqlConn(t, dsn), "SELECT pg_advisory_lock($1)", migrationLock)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Open(ctx, dsn, Options{})
	if err == nil || !strings.Contains(err.Error(), "wait for the schema migration lock") {
		t.Errorf("Open = %v; want it to stop waiting for the lock", err)
	}
}
