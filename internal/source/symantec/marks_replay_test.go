package symantec_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec"
	"github.com/gatelog/gatelog/internal/state"
)

// These tests replay archives the way crashes and restarts make the sync
// and backfill streams do, and check that what was delivered before is
// dropped exactly: by member marks (marks.go), and after an upgrade by the
// seen marks an older version stored per record.

// run fetches and commits batches as the pipeline does (records written,
// then cursor and any seen marks committed together), at most n of them
// (n < 0: until one is caught up), and returns what they delivered.
type run struct {
	t     *testing.T
	st    source.Stream
	store state.Store
	ids   []string
	recs  []record.Record // copies, Fields included
	bad   []source.Quarantined
}

func startRun(t *testing.T, st source.Stream, store state.Store) *run {
	t.Helper()
	cp, _, err := store.Checkpoint(st.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Resume(t.Context(), cp.Cursor); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &run{t: t, st: st, store: store}
}

// fetch returns the next batch without committing it.
func (r *run) fetch() *source.Batch {
	r.t.Helper()
	b, err := r.st.Fetch(r.t.Context())
	if err != nil {
		r.t.Fatalf("Fetch: %v", err)
	}
	return b
}

func (r *run) commit(b *source.Batch) {
	r.t.Helper()
	cp := state.Checkpoint{Cursor: b.Cursor, Updated: time.Now().UTC()}
	if b.MarkSeen {
		for _, rec := range b.Records {
			cp.Seen = append(cp.Seen, state.SeenID{Time: rec.Time, ID: rec.ID})
		}
		cp.PruneSeenBefore = b.PruneSeenBefore
	}
	if err := r.store.Commit(r.st.ID(), cp); err != nil {
		r.t.Fatalf("Commit: %v", err)
	}
	for _, rec := range b.Records {
		r.ids = append(r.ids, rec.ID)
		rec.Fields = bytes.Clone(rec.Fields)
		r.recs = append(r.recs, rec)
	}
	r.bad = append(r.bad, b.Bad...)
}

// deliver commits up to n batches (n < 0: until caught up) and reports
// whether it caught up.
func (r *run) deliver(n int) bool {
	r.t.Helper()
	for i := 0; n < 0 || i < n; i++ {
		if i > 10000 {
			r.t.Fatal("not caught up after 10000 batches")
		}
		b := r.fetch()
		r.commit(b)
		if b.CaughtUp {
			return true
		}
	}
	return false
}

// crash ends the run as a kill would: a batch fetched and not committed,
// then the stream is gone.
func (r *run) crash() {
	r.t.Helper()
	if _, err := r.st.Fetch(r.t.Context()); err != nil {
		r.t.Fatalf("Fetch: %v", err)
	}
	_ = r.st.Close()
}

func wantIDs(srv *swgsim.Server, from, to time.Time) []string {
	var ids []string
	for _, l := range srv.Lines(from, to) {
		id := l.UUID
		if id == "" {
			id = record.HashID(l.Raw)
		}
		ids = append(ids, id)
	}
	return ids
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	n := map[string]int{}
	for _, id := range got {
		n[id]++
	}
	var dup, missing int
	for id, c := range n {
		if c > 1 {
			dup += c - 1
		}
		_ = id
	}
	for _, id := range want {
		if n[id] == 0 {
			missing++
		}
	}
	t.Fatalf("%s: %d records, want %d: %d doubled, %d missing, or out of order", what, len(got), len(want), dup, missing)
}

// replayFixture serves 2 hours of 120 lines in archives of 70 and members
// of 50, so that members straddle archives, read in batches of 15: a crash
// can land anywhere inside a member, on either side of an archive's end.
func replayFixture(t *testing.T, p path) *swgFixture {
	return swgFixtureOf(t, p, 70, 50)
}

func (f *swgFixture) syncStream(t *testing.T, store state.Store) source.Stream {
	t.Helper()
	return f.syncStreamBatches(t, store, 15, 0)
}

// syncStreamBatches is syncStream with batches of at most size records and
// about bytes of their JSON (0: the default).
func (f *swgFixture) syncStreamBatches(t *testing.T, store state.Store, size, bytes int) source.Stream {
	t.Helper()
	cfg := f.config()
	cfg.BatchSize, cfg.BatchBytes = size, bytes
	src, err := symantec.New(cfg, f.client, store, store)
	if err != nil {
		t.Fatal(err)
	}
	return src.Streams()[0]
}

func (f *swgFixture) backfillStream(t *testing.T, store state.Store) source.Stream {
	t.Helper()
	cfg := f.config()
	cfg.BatchSize = 15
	c, err := symantec.NewClient(cfg, f.client)
	if err != nil {
		t.Fatal(err)
	}
	return symantec.NewBackfill(c, store, f.dir, f.hours).Streams()[0]
}

// A crash after any batch, inside a member or at an archive's end, then a
// restart that reads the archive again: every line once, in order.
func TestResumeAfterEveryBatch(t *testing.T) {
	f := replayFixture(t, pathSync)
	want := wantIDs(f.srv, f.cfg.Start, f.cfg.End)
	for k := 0; k*15 <= len(want)+15; k++ {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			store := boltStore(t)
			r := startRun(t, f.syncStream(t, store), store)
			if r.deliver(k) {
				return // caught up before the crash
			}
			r.crash()
			r2 := startRun(t, f.syncStream(t, store), store)
			r2.deliver(-1)
			sameIDs(t, fmt.Sprintf("crash after %d batches", k), append(r.ids, r2.ids...), want)
		})
	}
}

// Batches end at BatchBytes of records' JSON as well as at BatchSize
// records; a crash between such batches loses and doubles nothing.
func TestBatchesEndAtBatchBytes(t *testing.T) {
	f := replayFixture(t, pathSync)
	want := wantIDs(f.srv, f.cfg.Start, f.cfg.End)
	const limit = 4000 // a few records: lines of about 600 bytes make more JSON
	store := boltStore(t)
	var delivered []string
	batches := 0
	for _, stop := range []int{7, -1} { // crash inside the first archive, then resume to the end
		r := startRun(t, f.syncStreamBatches(t, store, 1000, limit), store)
		for i := 0; stop < 0 || i < stop; i++ {
			b := r.fetch()
			size := 0
			for _, rec := range b.Records {
				if size >= limit {
					t.Fatalf("batch %d goes on past %d bytes of records (at %d)", batches, limit, size)
				}
				size += len(rec.Fields)
			}
			r.commit(b)
			batches++
			if b.CaughtUp {
				break
			}
		}
		if stop > 0 {
			r.crash()
		}
		delivered = append(delivered, r.ids...)
	}
	sameIDs(t, "batches of 4000 bytes with a crash", delivered, want)
	if batches < len(want)/10 {
		t.Fatalf("%d batches for %d records: batches are not ended by their bytes", batches, len(want))
	}
}

// A batch's records stay as they were handed out until the next Fetch,
// while the walk builds the next batch in recycled memory (chunkPool).
func TestBatchUnchangedUntilTheNextFetch(t *testing.T) {
	f := replayFixture(t, pathSync)
	store := boltStore(t)
	r := startRun(t, f.syncStreamBatches(t, store, 15, 0), store)
	for i := 0; ; i++ {
		b := r.fetch()
		was := make([][]byte, len(b.Records))
		for j, rec := range b.Records {
			was[j] = bytes.Clone(rec.Fields)
		}
		time.Sleep(5 * time.Millisecond) // the walk builds the next batch meanwhile
		for j, rec := range b.Records {
			if !bytes.Equal(rec.Fields, was[j]) {
				t.Fatalf("batch %d record %d changed before the next Fetch:\n%.100s\nwas\n%.100s", i, j, rec.Fields, was[j])
			}
		}
		r.commit(b)
		if b.CaughtUp {
			return
		}
	}
}

// Tokens expire inside a member: the new session reads the member from its
// first line, and a crash during that replay is resumed in turn.
func TestGoneInsideAMember(t *testing.T) {
	for _, k := range []int{5, 6, 8, 11} { // past the first archive (5 batches), whose token is "none"
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			f := replayFixture(t, pathSync)
			want := wantIDs(f.srv, f.cfg.Start, f.cfg.End)
			store := boltStore(t)
			r := startRun(t, f.syncStream(t, store), store)
			r.deliver(k)
			f.srv.ExpireTokens()
			r.deliver(2) // the 410 restarts the session: these are replayed lines
			r.crash()
			r2 := startRun(t, f.syncStream(t, store), store)
			r2.deliver(-1)
			sameIDs(t, "across the restarted session", append(r.ids, r2.ids...), want)
			gone := 0
			for _, q := range f.srv.Requests() {
				if q.Status == http.StatusGone {
					gone++
				}
			}
			if gone == 0 {
				t.Fatal("no 410: the test did not restart the session")
			}
		})
	}
}

// The live stream delivers part of the hours, stopping inside a member;
// a backfill of those hours then delivers exactly the rest, also when it
// crashes itself inside a member.
func TestBackfillDropsWhatTheLiveStreamDelivered(t *testing.T) {
	for _, k := range []int{0, 2, 5, 9} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			f := replayFixture(t, pathBackfill)
			want := wantIDs(f.srv, f.cfg.Start, f.cfg.End)
			store := boltStore(t)
			live := startRun(t, f.syncStream(t, store), store)
			live.deliver(k)
			live.crash()
			bf := startRun(t, f.backfillStream(t, store), store)
			bf.deliver(3)
			bf.crash()
			bf2 := startRun(t, f.backfillStream(t, store), store)
			bf2.deliver(-1)
			sameIDs(t, fmt.Sprintf("live %d batches, then the backfill", k), slices.Concat(live.ids, bf.ids, bf2.ids), want)
		})
	}
}

// oldCursor is what the version before member marks committed: the same
// cursor without v, members, legacy and pruned.
func oldCursor(t *testing.T, raw []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"v", "members", "legacy", "pruned"} {
		delete(m, k)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A state file written by the version that kept a seen mark per record
// (its cursor and its marks): the upgraded stream delivers nothing twice
// and nothing is lost, whether the old version stopped inside an archive
// or between two, also across a later session restart; and a backfill
// drops what the old live stream delivered.
func TestUpgradeFromPerRecordSeenMarks(t *testing.T) {
	for _, k := range []int{2, 5, 9} { // 70-line archives in batches of 15: 5 ends one
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			f := replayFixture(t, pathBackfill)
			want := wantIDs(f.srv, f.cfg.Start, f.cfg.End)
			// What the old version did: deliver k batches, committing its
			// cursor and a seen mark per record.
			scratch := boltStore(t)
			r := startRun(t, f.syncStream(t, scratch), scratch)
			r.deliver(k)
			r.crash()
			cp, _, err := scratch.Checkpoint(r.st.ID())
			if err != nil {
				t.Fatal(err)
			}
			var last time.Time
			var marks []state.SeenID
			for _, rec := range r.recs {
				marks = append(marks, state.SeenID{Time: rec.Time, ID: rec.ID})
				if rec.Time.After(last) {
					last = rec.Time
				}
			}
			store := boltStore(t)
			err = store.Commit(r.st.ID(), state.Checkpoint{Cursor: oldCursor(t, cp.Cursor), Seen: marks,
				PruneSeenBefore: last.Truncate(time.Hour).Add(-2 * time.Hour), Updated: time.Now().UTC()})
			if err != nil {
				t.Fatal(err)
			}

			bf := startRun(t, f.backfillStream(t, store), store)
			bf.deliver(-1)
			sameIDs(t, "backfill after the old live stream", append(slices.Clone(r.ids), bf.ids...), want)

			// The upgraded stream delivers a batch and dies; its token has
			// expired meanwhile, so the restart begins a new session at the
			// hour of the newest record, which reads the members of that
			// hour from their first line again: member marks must count
			// from there, the old version's lines included.
			up := startRun(t, f.syncStream(t, store), store)
			for len(up.ids) == 0 {
				up.deliver(1)
			}
			f.srv.ExpireTokens()
			up.crash()
			up2 := startRun(t, f.syncStream(t, store), store)
			up2.deliver(-1)
			sameIDs(t, "old version, then the upgraded one", slices.Concat(r.ids, up.ids, up2.ids), want)
		})
	}
}

// changingServer serves one session of one archive whose member has lines
// lines; each new session (token=none) serves it again, from the second on
// with line 2 changed.
type changingServer struct {
	sessions atomic.Int32
	lines    int
}

const changingToken = "c4ng1ngc4ng1ngc4ng1ngc4ng1ngc4ng1ngc4ng1ngc4ng1ngc4ng1ngc4ng1ngc4ng"

func (s *changingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/zip")
	if r.URL.Query().Get("token") == "none" {
		n := s.sessions.Add(1)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		fmt.Fprintln(zw, "#Fields: date time cs-host x-bluecoat-transaction-uuid")
		for k := range s.lines {
			host := "example.com"
			if k == 2 && n > 1 {
				host = "changed.example.com"
			}
			fmt.Fprintf(zw, "2026-12-06 10:00:%02d %s uuid-%d\n", k, host, k)
		}
		_ = zw.Close()
		var z bytes.Buffer
		zz := zip.NewWriter(&z)
		fw, _ := zz.CreateHeader(&zip.FileHeader{Name: "cloud_chang_20261206100000.log.gz", Method: zip.Store})
		_, _ = fw.Write(gz.Bytes())
		_ = zz.Close()
		_, _ = w.Write(z.Bytes())
	}
	_, _ = fmt.Fprintf(w, "X-sync-token: %s\r\nX-sync-status: done\r\n", changingToken)
}

// A member whose lines changed between two reads is quarantined with a
// note, instead of nobody knowing; the lines past its mark still come.
func TestChangedMemberIsReported(t *testing.T) {
	ts := httptest.NewServer(&changingServer{lines: 10})
	t.Cleanup(ts.Close)
	cfg := symantec.Config{Name: "wss", BaseURL: ts.URL, SpoolDir: t.TempDir(),
		AccessLogs: config.Credential{Username: accessUser, Password: accessPass},
		Streams:    []string{symantec.StreamAccessLog}, BatchSize: 4, RequestTimeout: config.Duration(time.Minute),
		Backoff: retry.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}}
	store := boltStore(t)
	build := func() source.Stream {
		src, err := symantec.New(cfg, ts.Client(), store, store)
		if err != nil {
			t.Fatal(err)
		}
		return src.Streams()[0]
	}
	r := startRun(t, build(), store)
	r.deliver(1)
	r.crash()
	r2 := startRun(t, build(), store)
	r2.deliver(-1)
	if got := append(r.ids, r2.ids...); len(got) != 10 || got[4] != "uuid-4" || got[9] != "uuid-9" {
		t.Fatalf("delivered %v, want uuid-0 to uuid-9 once", got)
	}
	var notes []string
	for _, q := range r2.bad {
		if strings.Contains(q.Reason, "differs from what was delivered") {
			notes = append(notes, q.Context)
		}
	}
	if len(notes) != 1 || notes[0] != "member cloud_chang_20261206100000.log.gz" {
		t.Fatalf("quarantined %+v, want one note about the changed member", r2.bad)
	}
}
