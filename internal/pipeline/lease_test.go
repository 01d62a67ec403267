package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// Lease tests use the in-memory store (no fsync to slow renewals down; the
// stores' fencing is the same, see statetest) and real, short leases: the
// renew deadline is measured on the process's monotonic clock.

var leaseStream = record.StreamID{Source: "src", Stream: "a"}

// gatedStore is the runner's view of a store. Once paused, every call
// waits until resume, as if the whole process were stopped (SIGSTOP, a
// long GC): the runner's commit and the keeper's renewals alike. It
// records each Commit's generation, and can fail renewals.
type gatedStore struct {
	state.Store
	mu          sync.Mutex
	gate        chan struct{} // non-nil while paused: closed by resume
	pauseCommit int           // the Commit call (1-based) that pauses the process first; 0: none
	paused      chan struct{} // closed once that Commit is held
	commits     []commitCall
	acquires    int
	firstSent   time.Time // when the first Acquire came in
	failRenew   error     // every Acquire after the first fails with it
}

type commitCall struct {
	gen uint64
	at  time.Time
	err error
}

func newGated(inner state.Store) *gatedStore {
	return &gatedStore{Store: inner, paused: make(chan struct{})}
}

func (g *gatedStore) wait() {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-time.After(30 * time.Second): // a test that failed to resume must not hang
		}
	}
}

// pause stops every later call until resume.
func (g *gatedStore) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate == nil {
		g.gate = make(chan struct{})
	}
}

func (g *gatedStore) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

func (g *gatedStore) Acquire(id record.StreamID, owner string, ttl time.Duration) (state.Lease, error) {
	g.wait()
	g.mu.Lock()
	g.acquires++
	n, fail := g.acquires, g.failRenew
	if n == 1 {
		g.firstSent = time.Now()
	}
	g.mu.Unlock()
	if n > 1 && fail != nil {
		return state.Lease{}, fail
	}
	return g.Store.Acquire(id, owner, ttl)
}

func (g *gatedStore) Lease(id record.StreamID) (state.Lease, error) {
	g.wait()
	return g.Store.Lease(id)
}

func (g *gatedStore) Commit(id record.StreamID, c state.Checkpoint) error {
	g.mu.Lock()
	n := len(g.commits) + 1
	pauseHere := n == g.pauseCommit
	if pauseHere && g.gate == nil {
		g.gate = make(chan struct{})
		close(g.paused)
	}
	g.commits = append(g.commits, commitCall{gen: c.Generation})
	g.mu.Unlock()
	g.wait() // a pause between the runner's own check and the store
	err := g.Store.Commit(id, c)
	g.mu.Lock()
	g.commits[n-1].at, g.commits[n-1].err = time.Now(), err
	g.mu.Unlock()
	return err
}

func (g *gatedStore) calls() []commitCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]commitCall(nil), g.commits...)
}

// watchedSink records when each Write began and, like the file sink will,
// checks sink.Fence before writing (when fence is set). before, when set,
// runs at the start of each Write with its number (1-based).
type watchedSink struct {
	*sinktest.Memory
	fence  bool
	before func(n int)

	mu       sync.Mutex
	starts   []time.Time
	fenceErr []error // each Fence's answer
}

func newWatched(fence bool) *watchedSink {
	return &watchedSink{Memory: sinktest.NewMemory("mem"), fence: fence}
}

func (w *watchedSink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	w.mu.Lock()
	w.starts = append(w.starts, time.Now())
	n := len(w.starts)
	w.mu.Unlock()
	if w.before != nil {
		w.before(n)
	}
	if w.fence {
		err := sink.Fence(ctx)
		w.mu.Lock()
		w.fenceErr = append(w.fenceErr, err)
		w.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return w.Memory.Write(ctx, id, recs)
}

func (w *watchedSink) Recover(ctx context.Context, id record.StreamID, pos []byte) error {
	if w.fence {
		if err := sink.Fence(ctx); err != nil {
			return err
		}
	}
	return w.Memory.Recover(ctx, id, pos)
}

func (w *watchedSink) startsAfter(t time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.starts {
		if s.After(t) {
			n++
		}
	}
	return n
}

// endless is a stream that never catches up, one batch every 2ms.
func endless() *scripted {
	return &scripted{id: leaseStream, batches: 1 << 30, fail: func(int) error { time.Sleep(2 * time.Millisecond); return nil }}
}

// runAsync runs the pipeline as a daemon (no Once) and returns its result
// channel.
func runAsync(t *testing.T, st *scripted, o Options) <-chan Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	done := make(chan Result, 1)
	go func() {
		defer cancel()
		done <- Run(ctx, []source.Source{newSource(st)}, o)[0]
	}()
	return done
}

func waitResult(t *testing.T, done <-chan Result) Result {
	t.Helper()
	select {
	case res := <-done:
		return res
	case <-time.After(30 * time.Second):
		t.Fatal("the runner did not stop")
		return Result{}
	}
}

func wantLeaseLost(t *testing.T, res Result, why string) {
	t.Helper()
	if res.Status != Failed || !res.LeaseLost || !errors.Is(res.Err, state.ErrFenced) {
		t.Fatalf("result %+v (err %v); want Failed with the lease lost (ErrFenced)", res, res.Err)
	}
	if why != "" && !strings.Contains(res.Err.Error(), why) {
		t.Errorf("result error %q; want it to say %q", res.Err, why)
	}
}

// leaseOptions run one stream with Once, so that Run ends with the runner
// (a daemon's scheduler would claim the stream again after a loss).
func leaseOptions(store state.Store, s sink.Sink, ttl time.Duration) Options {
	// CommitBytes 1: a commit per batch, so each fence is met where a batch
	// ends.
	return Options{Store: store, Sinks: []sink.Sink{s}, LeaseTTL: ttl, Owner: "me", Once: true, MaxWait: time.Minute, CommitBytes: 1}
}

// A runner keeps its lease through many renewals, and every commit carries
// its generation; its sinks find the fence open.
func TestRenewalsKeepTheGeneration(t *testing.T) {
	inner := memstate.New()
	g := newGated(inner)
	w := newWatched(true)
	o := leaseOptions(g, w, 300*time.Millisecond)
	o.Once = true
	st := &scripted{id: leaseStream, batches: 300, fail: func(int) error { time.Sleep(2 * time.Millisecond); return nil }}
	res := Run(t.Context(), []source.Source{newSource(st)}, o)[0]
	if res.Status != Done || res.Records != 3000 {
		t.Fatalf("result %+v", res)
	}
	l, err := inner.Lease(leaseStream)
	if err != nil || l.Generation != 1 || l.Owner != "" {
		t.Fatalf("lease after the run %+v, %v; want generation 1, released", l, err)
	}
	if g.acquires < 3 {
		t.Errorf("%d Acquire calls in a run of several lease periods; want renewals", g.acquires)
	}
	for i, c := range g.calls() {
		if c.gen != 1 || c.err != nil {
			t.Fatalf("commit %d: generation %d, %v; want generation 1", i, c.gen, c.err)
		}
	}
	for i, err := range w.fenceErr {
		if err != nil {
			t.Fatalf("write %d: Fence = %v; want nil while the lease is held", i, err)
		}
	}
	if len(w.fenceErr) == 0 {
		t.Fatal("the sink never checked its fence")
	}
	if got := len(w.Records(leaseStream)); got != 3000 {
		t.Errorf("the sink holds %d records, want 3000", got)
	}
}

// The process pauses right before its commit reaches the store (the
// runner's own deadline check has passed), past its lease; another owner
// takes the stream over. On waking, the commit is fenced by the store: the
// runner stops, commits nothing, never retries the commit nor writes the
// batch again, and does not release the new owner's lease.
func TestCommitAfterTakeoverIsFencedOnce(t *testing.T) {
	inner := memstate.New()
	g := newGated(inner)
	g.pauseCommit = 4 // the baseline, two batches, then the paused one
	w := newWatched(false)
	const ttl = 600 * time.Millisecond
	done := runAsync(t, endless(), leaseOptions(g, w, ttl))

	select {
	case <-g.paused:
	case res := <-done:
		t.Fatalf("the runner stopped before its fourth commit: %+v", res)
	}
	before, _, _ := inner.Checkpoint(leaseStream)
	time.Sleep(ttl + 100*time.Millisecond) // past the lease's expiry
	other, err := inner.Acquire(leaseStream, "other", time.Hour)
	if err != nil {
		t.Fatalf("takeover after expiry: %v", err)
	}
	takeover := time.Now()
	g.resume()
	res := waitResult(t, done)
	wantLeaseLost(t, res, "")

	calls := g.calls()
	if len(calls) != 4 {
		t.Fatalf("%d commits, want 4 (the fenced one never retried): %+v", len(calls), calls)
	}
	if last := calls[3]; !errors.Is(last.err, state.ErrFenced) || last.gen != 1 || other.Generation != 2 {
		t.Errorf("the commit after the takeover: generation %d, %v (new owner's generation %d); want fenced", last.gen, last.err, other.Generation)
	}
	after, _, _ := inner.Checkpoint(leaseStream)
	if after.Records != before.Records || string(after.Cursor) != string(before.Cursor) {
		t.Errorf("checkpoint moved from %+v to %+v after the takeover", before, after)
	}
	if n := w.startsAfter(takeover); n != 0 {
		t.Errorf("%d sink writes began after the takeover", n)
	}
	if l, _ := inner.Lease(leaseStream); l.Owner != "other" || l.Generation != 2 || !l.Live {
		t.Errorf("lease after the runner stopped: %+v; want other's, generation 2", l)
	}
}

// The process pauses inside a sink write, before the sink writes, past its
// lease; another owner takes over. On waking, the sink's fence refuses the
// write: the sink receives nothing after the takeover, and nothing more is
// committed.
func TestTakeoverDuringASinkWrite(t *testing.T) {
	inner := memstate.New()
	g := newGated(inner)
	w := newWatched(true)
	const ttl = 600 * time.Millisecond
	var (
		takeover time.Time
		held     int
		other    state.Lease
		tookErr  error
	)
	w.before = func(n int) {
		if n != 5 {
			return
		}
		held = len(w.Records(leaseStream))
		g.pause() // the whole process: renewals too
		time.Sleep(ttl + 100*time.Millisecond)
		other, tookErr = inner.Acquire(leaseStream, "other", time.Hour)
		takeover = time.Now()
		g.resume()
	}
	res := waitResult(t, runAsync(t, endless(), leaseOptions(g, w, ttl)))
	wantLeaseLost(t, res, "")
	if tookErr != nil || other.Generation != 2 {
		t.Fatalf("takeover: %+v, %v", other, tookErr)
	}
	if got := len(w.Records(leaseStream)); got != held {
		t.Errorf("the sink held %d records at the takeover and %d after; want nothing more", held, got)
	}
	if last := w.fenceErr[len(w.fenceErr)-1]; !errors.Is(last, state.ErrFenced) {
		t.Errorf("the sink's fence after the takeover = %v; want ErrFenced", last)
	}
	for _, c := range g.calls() {
		if c.at.After(takeover) && c.err == nil {
			t.Errorf("a commit landed after the takeover: %+v", c)
		}
	}
	if n := w.startsAfter(takeover); n != 0 {
		t.Errorf("%d sink writes began after the takeover", n)
	}
}

// The lease passes to a new generation while this process's deadline is
// still far (here: released and taken under it, as a `state reset` or an
// operator would): the sink's fence asks the store, and the runner stops.
func TestFenceAsksTheStore(t *testing.T) {
	inner := memstate.New()
	w := newWatched(true)
	w.before = func(n int) {
		if n == 4 {
			_ = inner.Release(leaseStream, "me")
			if _, err := inner.Acquire(leaseStream, "other", time.Hour); err != nil {
				t.Error(err)
			}
		}
	}
	res := waitResult(t, runAsync(t, endless(), leaseOptions(inner, w, time.Hour)))
	wantLeaseLost(t, res, "generation 1 is not current")
	if got, want := len(w.Records(leaseStream)), 20; got != want { // 3 writes, the baseline's empty
		t.Errorf("the sink holds %d records, want %d", got, want)
	}
	if cp, _, _ := inner.Checkpoint(leaseStream); cp.Records != 20 {
		t.Errorf("checkpoint Records %d, want 20", cp.Records)
	}
	if n := len(w.starts); n != 4 {
		t.Errorf("%d writes began, want 4 (none after the fence refused one)", n)
	}
}

// Renewals that fail (the store unreachable) stop the stream at the renew
// deadline, 2/3 of the lease after the last renewal: no sink write and no
// commit begins after it, well before the lease could pass to another
// instance.
func TestFailedRenewalsStopWritingBeforeExpiry(t *testing.T) {
	inner := memstate.New()
	g := newGated(inner)
	g.failRenew = errors.New("dial tcp 10.0.0.7:5432: connection refused")
	w := newWatched(false)
	const ttl = 600 * time.Millisecond
	start := time.Now()
	res := waitResult(t, runAsync(t, endless(), leaseOptions(g, w, ttl)))
	wantLeaseLost(t, res, "not renewed within 400ms")
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the runner took %s to stop", took)
	}
	limit := g.firstSent.Add(ttl * 5 / 6) // the deadline (2/3) and some slack, before expiry
	if len(w.starts) < 5 {
		t.Fatalf("only %d writes before the deadline", len(w.starts))
	}
	if n := w.startsAfter(limit); n != 0 {
		t.Errorf("%d sink writes began after the renew deadline", n)
	}
	for _, c := range g.calls() {
		if c.at.After(limit) {
			t.Errorf("a commit at %s, after the renew deadline", c.at.Sub(g.firstSent))
		}
	}
	if g.acquires < 3 {
		t.Errorf("%d Acquire calls; want the renewal retried before the deadline", g.acquires)
	}
}

// A batch whose Fetch returns past the renew deadline (a slow source, a
// stalled process) has its bad items left for the next owner, as its
// records are: nothing is quarantined past the deadline.
func TestNothingQuarantinedPastTheRenewDeadline(t *testing.T) {
	g := newGated(memstate.New())
	g.failRenew = errors.New("dial tcp 10.0.0.7:5432: connection refused")
	const ttl = 600 * time.Millisecond
	st := &scripted{id: leaseStream, batches: 1 << 30, bad: true, fail: func(n int) error {
		if n == 5 {
			time.Sleep(ttl) // past the deadline, 2/3 of the lease after the last renewal
		}
		return nil
	}}
	o := leaseOptions(g, newWatched(false), ttl)
	qdir := t.TempDir()
	o.Quarantine = quarantine.New(qdir)
	wantLeaseLost(t, waitResult(t, runAsync(t, st, o)), "not renewed within 400ms")
	limit := g.firstSent.Add(ttl * 5 / 6) // the deadline (2/3) and some slack; the slow batch returns at 1
	quarantined := quarantineTimes(t, filepath.Join(qdir, leaseStream.Source, leaseStream.Stream+".jsonl"))
	if len(quarantined) == 0 || len(quarantined) > 5 {
		t.Errorf("%d items quarantined, want those of the 5 batches fetched before the deadline", len(quarantined))
	}
	for _, at := range quarantined {
		if at.After(limit) {
			t.Errorf("an item quarantined %s after the lease was taken, past the renew deadline", at.Sub(g.firstSent))
		}
	}
}

// quarantineTimes returns when each item in a quarantine file was written.
func quarantineTimes(t *testing.T, path string) []time.Time {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for line := range bytes.Lines(b) {
		var e struct{ Time time.Time }
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("quarantine line %q: %v", line, err)
		}
		out = append(out, e.Time)
	}
	return out
}

// A commit fenced without any pause (the lease taken over between two
// batches while the runner's deadline was still far) stops the stream too:
// one fenced commit, no retry.
func TestStaleCommitIsNeverRetried(t *testing.T) {
	inner := memstate.New()
	g := newGated(inner)
	w := newWatched(false)
	w.before = func(n int) {
		if n == 3 { // after the baseline and one batch, during the next batch's write
			_ = inner.Release(leaseStream, "me")
			_, _ = inner.Acquire(leaseStream, "other", time.Hour)
		}
	}
	res := waitResult(t, runAsync(t, endless(), leaseOptions(g, w, time.Hour)))
	wantLeaseLost(t, res, "commit checkpoint")
	calls := g.calls()
	fenced := 0
	for _, c := range calls {
		if errors.Is(c.err, state.ErrFenced) {
			fenced++
		}
	}
	if fenced != 1 || !errors.Is(calls[len(calls)-1].err, state.ErrFenced) {
		t.Errorf("commits %+v; want exactly one fenced, the last", calls)
	}
	if len(w.starts) != 3 {
		t.Errorf("%d writes; want 3 (the batch was not written again)", len(w.starts))
	}
}
