package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
)

// state show gives each paced stream's plan as of its latest request: a
// PLAN column in the table, the fields in the JSON.
func TestShowStateShowsThePlan(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	s, err := bolt.Open(file, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 14, 5, 0, 0, time.UTC)
	budgets := map[string]state.Budget{
		"access": {Day: "2026-12-06", Used: 40, Remaining: -1, Behind: 120000, CatchUpAt: at, PaceEvery: 288 * time.Second, PageSize: 1000},
		"admin":  {Day: "2026-12-06", Used: 60, Remaining: -1, PaceEvery: 4 * time.Minute},
		"swgweb": {Day: "2026-12-06", Used: 300, Remaining: -1, Behind: 9000000, PaceEvery: 287 * time.Second},
		"health": {Day: "2026-12-06", Used: 3, Remaining: -1, Behind: 5000},
		"sync":   {Day: "2026-12-06", Used: 1, Remaining: -1, Interval: time.Second}, // Symantec: no plan
	}
	for stream, b := range budgets {
		must(t, s.SetBudget(record.StreamID{Source: "acme", Stream: stream}, b))
	}
	must(t, s.Close())

	var table strings.Builder
	must(t, ShowState(file, false, &table))
	lines := strings.Split(table.String(), "\n")
	if !strings.Contains(lines[0], "BLOCKED UNTIL  PLAN  ") {
		t.Errorf("no PLAN column after BLOCKED UNTIL: %q", lines[0])
	}
	for stream, want := range map[string]string{
		"acme/access": "120000 behind, caught up ~2026-12-06 14:05:00Z, every 4m48s",
		"acme/admin":  "caught up, every 4m0s",
		"acme/swgweb": "9000000 behind, not catching up at this budget, every 4m47s",
		"acme/health": "5000 behind, not catching up at this budget, back to back",
		"acme/sync":   "-  ",
	} {
		found := false
		for _, l := range lines {
			found = found || strings.HasPrefix(l, stream+" ") && strings.Contains(l, want)
		}
		if !found {
			t.Errorf("no row of %s with %q:\n%s", stream, want, table.String())
		}
	}
	var js strings.Builder
	must(t, ShowState(file, true, &js))
	for _, want := range []string{`"behind": 120000`, `"catch_up_at": "2026-12-06T14:05:00Z"`, `"pace_every": 288000000000`, `"page_size": 1000`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("state show --json lacks %s:\n%s", want, js.String())
		}
	}
}
