package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
	"github.com/gatelog/gatelog/internal/state/postgres"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// state migrate copies checkpoints, seen marks, budgets and throttles from
// the bolt file into PostgreSQL, and refuses to overwrite a stream there.
func TestMigrateStateBoltToPostgres(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	src, err := bolt.Open(file, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := record.StreamID{Source: "acme", Stream: "access"}, record.StreamID{Source: "wss", Stream: "accesslog"}
	hour := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	var marks []state.SeenID
	for i := range 25000 { // more than one chunk
		marks = append(marks, state.SeenID{Time: hour.Add(time.Duration(i) * time.Second / 10), ID: "id-" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + time.Duration(i).String()})
	}
	cp := state.Checkpoint{Cursor: []byte(`{"token":"abc"}`), EventTime: hour, Records: 25000, Updated: hour, Seen: marks}
	budget := state.Budget{Day: "2026-12-06", Used: 42, Limit: 300, Remaining: 258, BlockedUntil: hour.Add(time.Hour), Reason: "429",
		Behind: 120000, CatchUpAt: hour.Add(5 * time.Hour), PaceEvery: 288 * time.Second, PageSize: 1000}
	must(t, src.Commit(b, cp))
	must(t, src.Commit(a, state.Checkpoint{Cursor: []byte("c1"), EventTime: hour, Records: 7, Updated: hour}))
	must(t, src.SetBudget(a, budget))
	must(t, src.Close())

	dsn := pgtest.Start(t)
	rep, err := MigrateState(t.Context(), file, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Streams != 2 || rep.Marks != len(marks) || rep.Budgets != 1 {
		t.Fatalf("report %+v, want 2 streams, %d marks, 1 budget", rep, len(marks))
	}
	dst, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	got, ok, err := dst.Checkpoint(b)
	if err != nil || !ok || string(got.Cursor) != string(cp.Cursor) || got.Records != cp.Records || !got.EventTime.Equal(cp.EventTime) {
		t.Fatalf("checkpoint of %s in PostgreSQL = %+v, %v, %v", b, got, ok, err)
	}
	seen, err := dst.Seen(b, marks)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("mark %d (%s) was not migrated", i, marks[i].ID)
		}
	}
	if gb, err := dst.Budget(a); err != nil || gb != budget {
		t.Fatalf("budget = %+v, %v; want %+v", gb, err, budget)
	}
	if _, err := MigrateState(t.Context(), file, dsn, nil); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("a second migration into the same database: %v, want a refusal", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// state show names the instance that holds each stream's lease and its
// generation, in the table and in JSON, so an operator sees who runs what.
func TestShowStateNamesTheOwningInstance(t *testing.T) {
	dsn := pgtest.Start(t)
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := record.StreamID{Source: "acme", Stream: "access"}, record.StreamID{Source: "acme", Stream: "web"}
	must(t, s.Commit(a, state.Checkpoint{Cursor: []byte("1"), Records: 1}))
	must(t, s.Commit(b, state.Checkpoint{Cursor: []byte("1"), Records: 1}))
	if _, err := s.Acquire(a, "gw-a/41", time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"gw-a/41", "gw-b/77"} { // b passed from one to the other: generation 2
		if _, err := s.Acquire(b, owner, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	must(t, s.Release(b, "gw-b/77"))
	s.Close()

	var table strings.Builder
	must(t, ShowState(dsn, false, &table))
	for _, want := range []string{"INSTANCE (LEASE)", "gw-a/41 (gen 1, until ", "- (gen 2)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("state show lacks %q:\n%s", want, table.String())
		}
	}
	var js strings.Builder
	must(t, ShowState(dsn, true, &js))
	for _, want := range []string{`"lease_owner": "gw-a/41"`, `"lease_generation": 1`, `"lease_generation": 2`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("state show --json lacks %q:\n%s", want, js.String())
		}
	}
}
