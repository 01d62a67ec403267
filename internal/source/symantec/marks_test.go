package symantec

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/source/symantec/archive"
)

// memberLine is payload line k of member m: what a walk of it reads.
func memberLine(m string, k int) archive.Line {
	return archive.Line{Member: m, Bytes: fmt.Appendf(nil, "2026-12-06 10:00:%02d %s line-%d", k%60, m, k)}
}

// readMember numbers lines [from, to) of m in w and returns those that
// were not done before.
func readMember(w *walkMarks, m string, from, to int) []int {
	var kept []int
	e := w.member(m)
	for k := from; k < to; k++ {
		if !w.done(e, memberLine(m, k)) {
			kept = append(kept, k)
			e.delivered(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
		}
	}
	return kept
}

func seq(from, to int) []int {
	var out []int
	for k := from; k < to; k++ {
		out = append(out, k)
	}
	return out
}

func sameInts(t *testing.T, what string, got, want []int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: kept %v, want %v", what, got, want)
	}
}

// A member split over archives, a crash inside the second archive and a
// session restart: every line is kept exactly once, whichever archive or
// session reads it again.
func TestMemberMarksKeepEachLineOnce(t *testing.T) {
	const m = "cloud_abcde_20261206100000.log.gz"
	// Archive 1 of a session holds lines 0-5 of the member.
	w := newWalkMarks(nil, false, nil)
	sameInts(t, "archive 1", readMember(w, m, 0, 6), seq(0, 6))
	end1 := w.snapshot(true, 0, cutoffHour(time.Time{}))

	// Archive 2 holds lines 6-13; a batch inside it commits lines 6-8,
	// then the process dies.
	w = newWalkMarks(end1, false, nil)
	sameInts(t, "archive 2 up to the crash", readMember(w, m, 6, 9), seq(6, 9))
	mid := w.snapshot(false, 0, cutoffHour(time.Time{}))
	if mid[0].N != 9 || mid[0].Served == nil || mid[0].Served[0] != 6 {
		t.Fatalf("mid-archive mark %+v: want n 9, served 6 (where the archive starts)", mid[0])
	}

	// The archive is fetched again with the same token: it starts at line 6.
	w = newWalkMarks(mid, false, nil)
	sameInts(t, "archive 2 read again", readMember(w, m, 6, 14), seq(9, 14))
	end2 := w.snapshot(true, 0, cutoffHour(time.Time{}))
	if end2[0].N != 14 || end2[0].Served != nil {
		t.Fatalf("end of archive 2 %+v: want n 14, served = n", end2[0])
	}

	// A 410 restarts the session: it serves the member from its first line
	// and goes on past what was delivered.
	w = newWalkMarks(restartSession(end2), false, nil)
	sameInts(t, "new session, first archive", readMember(w, m, 0, 10), nil)
	restarted := w.snapshot(true, 0, cutoffHour(time.Time{}))
	w = newWalkMarks(restarted, false, nil)
	sameInts(t, "new session, second archive", readMember(w, m, 10, 20), seq(14, 20))
}

// A backfill reads whole members: it drops what its own marks and the live
// stream's marks say was done, and counts the lines it drops as done.
func TestMemberMarksOfAnotherStream(t *testing.T) {
	const m = "cloud_abcde_20261206100000.log.gz"
	live := newWalkMarks(nil, false, nil)
	readMember(live, m, 0, 7)
	liveMarks := live.snapshot(true, 0, cutoffHour(time.Time{}))

	bf := newWalkMarks(nil, true, [][]memberMark{liveMarks})
	sameInts(t, "backfill", readMember(bf, m, 0, 4), nil) // crash after these: nothing was delivered
	mid := bf.snapshot(false, 0, cutoffHour(time.Time{}))
	if mid[0].N != 4 || mid[0].Served != nil {
		t.Fatalf("backfill mark %+v: want n 4 and no served count (whole members)", mid[0])
	}
	bf = newWalkMarks(mid, true, [][]memberMark{liveMarks})
	sameInts(t, "backfill again", readMember(bf, m, 0, 12), seq(7, 12))
}

// A member whose lines differ when read again is reported once, at the line
// that ends what the mark counts; the walk goes on by the count.
func TestMemberMarksReportAChangedMember(t *testing.T) {
	const m = "cloud_abcde_20261206100000.log.gz"
	w := newWalkMarks(nil, false, nil)
	readMember(w, m, 0, 5)
	marks := w.snapshot(true, 0, cutoffHour(time.Time{}))

	var reports []string
	w = newWalkMarks(restartSession(marks), false, nil)
	w.changed = func(member string, lines int64) error {
		reports = append(reports, fmt.Sprintf("%s %d", member, lines))
		return nil
	}
	e := w.member(m)
	for k := range 8 {
		l := memberLine(m, k)
		if k == 2 {
			l.Bytes = append(l.Bytes, " (changed)"...)
		}
		if dropped := w.done(e, l); dropped != (k < 5) {
			t.Fatalf("line %d dropped %v", k, dropped)
		}
	}
	if len(reports) != 1 || reports[0] != m+" 5" {
		t.Fatalf("reports %q, want one for %s at 5 lines", reports, m)
	}

	// The same lines read again are not reported.
	reports = nil
	w = newWalkMarks(restartSession(marks), false, nil)
	w.changed = func(string, int64) error { reports = append(reports, "x"); return nil }
	readMember(w, m, 0, 8)
	if len(reports) != 0 {
		t.Fatalf("an unchanged member was reported %d times", len(reports))
	}
}

// The last batch of an archive forgets the marks of members whose newest
// record is older than the cutoff; a member without a record is dated
// by the stream's newest record.
func TestMemberMarksArePruned(t *testing.T) {
	w := newWalkMarks([]memberMark{
		{Name: "old", N: 3, Hour: 100},
		{Name: "kept", N: 3, Hour: 102},
		{Name: "undated", N: 3},
	}, false, nil)
	if got := w.snapshot(false, 105, 102); len(got) != 3 {
		t.Fatalf("a batch inside an archive pruned: %+v", got)
	}
	got := w.snapshot(true, 105, 102)
	if len(got) != 2 || got[0].Name != "kept" || got[1].Name != "undated" || got[1].Hour != 105 {
		t.Fatalf("pruned to %+v, want kept and undated (dated 105)", got)
	}
}

// Marks round-trip through the cursor's JSON, and a served count that no
// cursor of gatelog's holds (above n, negative) is not trusted.
func TestMemberMarksInTheCursor(t *testing.T) {
	cur := syncCursor{Token: "t", V: cursorVersion, Members: []memberMark{
		{Name: "a", N: 5, Sum: 7, Hour: 9},
		{Name: "b", N: 5, Sum: 7, Served: &[2]int64{2, 3}},
		{Name: "cloud_\xe9t\xe9.log.gz", N: 1}, // a ZIP name need not be UTF-8
	}}
	raw, err := json.Marshal(cur)
	if err != nil {
		t.Fatal(err)
	}
	var back syncCursor
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back.Members[0]) != fmt.Sprint(cur.Members[0]) || *back.Members[1].Served != [2]int64{2, 3} || back.Members[2].Name != cur.Members[2].Name {
		t.Fatalf("round trip %s -> %+v", raw, back)
	}
	w := newWalkMarks([]memberMark{{Name: "x", N: 3, Served: &[2]int64{9, 1}}, {Name: "y", N: 3, Served: &[2]int64{-1, 1}}, {Name: "x", N: 1}}, false, nil)
	for _, name := range []string{"x", "y"} {
		if e := w.member(name); e.rs != 3 || e.n != 3 {
			t.Fatalf("%s: served %d of n %d, want 3 of 3", name, e.rs, e.n)
		}
	}
}

// After an upgrade, the seen marks the old version stored are pruned as it
// pruned them, by batches of their own between archives, until the newest
// of them is older than the marks kept; then Legacy is cleared.
func TestLegacyMarksArePruned(t *testing.T) {
	last := time.Date(2026, 12, 6, 10, 30, 0, 0, time.UTC)
	s := &syncStream{cur: syncCursor{V: cursorVersion, LastTime: last, Legacy: unixHour(last)}}
	b := s.pruneLegacy()
	if b == nil || !b.MarkSeen || len(b.Records) != 0 || !b.PruneSeenBefore.Equal(last.Truncate(time.Hour).Add(-2*time.Hour)) {
		t.Fatalf("first batch %+v: want an empty batch pruning before 08:00", b)
	}
	if s.pruneLegacy() != nil {
		t.Fatal("a second prune batch with the same cutoff")
	}
	s.cur.LastTime = last.Add(2 * time.Hour)
	if b := s.pruneLegacy(); b == nil || s.cur.Legacy == 0 {
		t.Fatalf("cutoff 10:00 does not pass the newest old mark (10:xx), yet %+v, legacy %d", b, s.cur.Legacy)
	}
	s.cur.LastTime = last.Add(3 * time.Hour)
	b = s.pruneLegacy()
	if b == nil || s.cur.Legacy != 0 || s.cur.Pruned != 0 {
		t.Fatalf("cutoff 11:00 passes every old mark: batch %+v, legacy %d, pruned %d", b, s.cur.Legacy, s.cur.Pruned)
	}
	var cur syncCursor
	if err := json.Unmarshal(b.Cursor, &cur); err != nil || cur.Legacy != 0 {
		t.Fatalf("the last prune batch commits %s", b.Cursor)
	}
	if s.pruneLegacy() != nil {
		t.Fatal("prune batches after Legacy was cleared")
	}
}
