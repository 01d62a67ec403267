package e2e

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// A single node that has collected part of its streams (its request budget
// ran out) moves its state to PostgreSQL with `gatelog state migrate`, and
// runs on from there: every record exactly once, in order, none missing.
func TestStateMigrateMidCollection(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(93, 900, 100)})
	dir := t.TempDir()
	types := []string{"access", "admin"}
	path := fpConfig(t, dir, sim.URL, types, "")
	writeFile(t, path, strings.Replace(readFile(t, path), "daily_request_budget: 100000", "daily_request_budget: 4", 1))
	results := runOnce(t, path, time.Minute)
	for _, r := range results {
		if r.Status != pipeline.Deferred || r.Records == 0 || r.Records >= 900 {
			t.Fatalf("first run: %+v, want each stream deferred part-way by its budget", r)
		}
	}

	dsn := pgtest.Start(t)
	out, err := gatelogCmd(dir, "state", "migrate", "--from", filepath.Join(dir, "state.db"), "--to", dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("state migrate: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "migrated 2 streams") || strings.Contains(string(out), pgPassword(t, dsn)) {
		t.Fatalf("state migrate said %q: want the count, and never the password", out)
	}
	again, err := gatelogCmd(dir, "state", "migrate", "--from", filepath.Join(dir, "state.db"), "--to", dsn).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(string(again), "already holds") {
		t.Fatalf("a second migrate: %v %s, want a refusal", err, again)
	}

	t.Setenv("TEST_PG_DSN", dsn)
	text := strings.Replace(readFile(t, path), "state: "+filepath.Join(dir, "state.db"), "state: ${TEST_PG_DSN}", 1)
	writeFile(t, path, strings.Replace(text, "daily_request_budget: 4", "daily_request_budget: 100000", 1))
	requireDone(t, runOnce(t, path, time.Minute), len(types))
	for _, typ := range types {
		checkExact(t, filepath.Join(dir, "logs"), "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
}

// pgPassword is the password in a DSN from pgtest.
func pgPassword(t *testing.T, dsn string) string {
	t.Helper()
	_, rest, _ := strings.Cut(dsn, "://")
	userinfo, _, _ := strings.Cut(rest, "@")
	_, pw, ok := strings.Cut(userinfo, ":")
	if !ok || pw == "" {
		t.Fatalf("pgtest's DSN has no password to look for")
	}
	return pw
}
