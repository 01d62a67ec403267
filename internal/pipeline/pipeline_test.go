package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
)

// scripted is a stream of `batches` batches of 10 records each; its cursor
// is the index of the next batch. fail, when set, is asked before each fetch.
type scripted struct {
	id      record.StreamID
	batches int
	next    int
	fail    func(next int) error
	bad     bool // every batch carries one quarantined item
	resume  error
	closed  atomic.Int32 // Close calls
}

func (s *scripted) ID() record.StreamID         { return s.id }
func (s *scripted) PollInterval() time.Duration { return time.Hour }
func (s *scripted) Close() error                { s.closed.Add(1); return nil }
func (s *scripted) Resume(_ context.Context, cur []byte) error {
	if s.resume != nil {
		return s.resume
	}
	s.next = 0
	if len(cur) > 0 {
		return json.Unmarshal(cur, &s.next)
	}
	return nil
}

func (s *scripted) Fetch(context.Context) (*source.Batch, error) {
	if s.fail != nil {
		if err := s.fail(s.next); err != nil {
			return nil, err
		}
	}
	b := &source.Batch{CaughtUp: s.next >= s.batches-1}
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i := range 10 {
		n := s.next*10 + i
		b.Records = append(b.Records, record.Record{
			Time: base.Add(time.Duration(n) * time.Minute), Vendor: "test", Source: s.id.Source, Stream: s.id.Stream,
			ID: "r" + strconv.Itoa(n), Fields: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)),
		})
	}
	if s.bad {
		b.Bad = []source.Quarantined{{Reason: "bad", Context: fmt.Sprintf("batch %d", s.next), Raw: []byte{0xff, 'x'}}}
	}
	s.next++
	b.Cursor, _ = json.Marshal(s.next)
	return b, nil
}

type fakeSource struct{ streams []source.Stream }

func (f *fakeSource) Name() string             { return "src" }
func (f *fakeSource) Vendor() string           { return "test" }
func (f *fakeSource) Streams() []source.Stream { return f.streams }
func newSource(streams ...*scripted) *fakeSource {
	f := &fakeSource{}
	for _, s := range streams {
		f.streams = append(f.streams, s)
	}
	return f
}

// flaky wraps a sink: every failEvery-th Write writes half the batch, then
// fails, as a full disk or a dropped connection would.
type flaky struct {
	sink.Sink
	mu        sync.Mutex
	writes    int
	failEvery int
}

func (f *flaky) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	f.mu.Lock()
	f.writes++
	fail := f.failEvery > 0 && f.writes%f.failEvery == 0
	f.mu.Unlock()
	if fail {
		if _, err := f.Sink.Write(ctx, id, recs[:len(recs)/2]); err != nil {
			return nil, err
		}
		return nil, errors.New("disk full")
	}
	return f.Sink.Write(ctx, id, recs)
}

type env struct {
	dir   string
	store state.Store
	file  *file.Sink
	opts  Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "state.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := file.New("files", filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close(); store.Close() })
	return &env{dir: dir, store: store, file: fs, opts: Options{
		Store: store, Sinks: []sink.Sink{fs}, Quarantine: quarantine.New(filepath.Join(dir, "quarantine")),
		Once: true, Backoff: retry.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond},
	}}
}

// ids reads every record id the file sink holds for a stream, in order.
func (e *env) ids(t *testing.T, stream string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(e.dir, "logs", "src", stream, "*.jsonl"))
	var ids []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var v struct{ ID string }
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			ids = append(ids, v.ID)
		}
		f.Close()
	}
	return ids
}

func wantIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "r" + strconv.Itoa(i)
	}
	return out
}

func TestDeliversEverythingOnce(t *testing.T) {
	e := newEnv(t)
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 20}
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if len(res) != 1 || res[0].Status != Done || res[0].Records != 200 {
		t.Fatalf("results %+v", res)
	}
	if got := e.ids(t, "a"); !slices.Equal(got, wantIDs(200)) {
		t.Fatalf("file holds %d ids, want r0..r199 in order", len(got))
	}
	cp, ok, _ := e.store.Checkpoint(st.id)
	if !ok || string(cp.Cursor) != "20" || cp.Records != 200 {
		t.Fatalf("checkpoint %+v", cp)
	}
}

// A sink that fails half-way through a batch: the batch is redelivered (not
// refetched, not skipped) and the partial write is rolled back.
func TestFailedDeliveryIsRetriedWithoutDuplicates(t *testing.T) {
	e := newEnv(t)
	e.opts.Sinks = []sink.Sink{&flaky{Sink: e.file, failEvery: 3}}
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 20}
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done {
		t.Fatalf("result %+v", res[0])
	}
	if got := e.ids(t, "a"); !slices.Equal(got, wantIDs(200)) {
		t.Fatalf("file holds %d ids (%v...), want r0..r199 exactly once", len(got), got[:min(len(got), 25)])
	}
}

// The checkpoint never runs ahead of what the sinks accepted.
func TestCheckpointFollowsAcks(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e.opts.Sinks = []sink.Sink{&flaky{Sink: e.file, failEvery: 1}} // every write fails
	e.opts.Once = false
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 5}
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	Run(ctx, []source.Source{newSource(st)}, e.opts)
	cp, _, _ := e.store.Checkpoint(st.id)
	if cp.Records != 0 || len(cp.Cursor) != 0 {
		t.Fatalf("checkpoint moved without an ack: %+v", cp)
	}
	if got := e.ids(t, "a"); len(got) != 0 {
		t.Fatalf("partial writes survived: %v", got)
	}
}

func TestPermanentErrorStopsOnlyItsStream(t *testing.T) {
	e := newEnv(t)
	bad := &scripted{id: record.StreamID{Source: "src", Stream: "bad"}, batches: 5,
		fail: func(n int) error {
			if n == 2 {
				return errclass.Permanentf("401 Invalid credentials: check the token in auth.token")
			}
			return nil
		}}
	good := &scripted{id: record.StreamID{Source: "src", Stream: "good"}, batches: 5}
	res := Run(t.Context(), []source.Source{newSource(bad, good)}, e.opts)
	if res[0].ID.Stream != "bad" || res[0].Status != Failed || res[0].Records != 20 {
		t.Errorf("bad stream: %+v", res[0])
	}
	if res[1].ID.Stream != "good" || res[1].Status != Done || res[1].Records != 50 {
		t.Errorf("good stream: %+v", res[1])
	}
	if got := e.ids(t, "bad"); !slices.Equal(got, wantIDs(20)) {
		t.Errorf("bad stream delivered %v before failing", got)
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	e := newEnv(t)
	calls := 0
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 5,
		fail: func(int) error {
			calls++
			if calls%2 == 1 {
				return errors.New("503 Temporarily unavailable")
			}
			return nil
		}}
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done || !slices.Equal(e.ids(t, "a"), wantIDs(50)) {
		t.Fatalf("result %+v", res[0])
	}
}

func TestOnceDefersALongThrottle(t *testing.T) {
	e := newEnv(t)
	until := time.Now().Add(3 * time.Hour)
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 5,
		fail: func(n int) error {
			if n == 1 {
				return errclass.Throttled(errors.New("429"), until)
			}
			return nil
		}}
	e.opts.MaxWait = time.Minute
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Deferred || !res[0].Until.Equal(until) || res[0].Records != 10 {
		t.Fatalf("result %+v", res[0])
	}
}

func TestQuarantineKeepsBadInput(t *testing.T) {
	e := newEnv(t)
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 3, bad: true}
	Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	b, err := os.ReadFile(filepath.Join(e.dir, "quarantine", "src", "a.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var q struct {
			Reason, Context string
			RawBase64       []byte `json:"raw_base64"`
		}
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil || q.Reason != "bad" || string(q.RawBase64) != "\xffx" {
			t.Fatalf("quarantine line %s: %v", sc.Bytes(), err)
		}
		lines++
	}
	if lines != 3 {
		t.Fatalf("%d quarantined items, want 3", lines)
	}
}

func TestLeaseKeepsASecondRunnerOut(t *testing.T) {
	e := newEnv(t)
	id := record.StreamID{Source: "src", Stream: "a"}
	if _, err := e.store.Acquire(id, "someone-else", time.Hour); err != nil {
		t.Fatal(err)
	}
	res := Run(t.Context(), []source.Source{newSource(&scripted{id: id, batches: 2})}, e.opts)
	if res[0].Status != Failed || !errors.Is(res[0].Err, state.ErrLeased) {
		t.Fatalf("result %+v", res[0])
	}
}

// permanentSink fails every write permanently.
type permanentSink struct{ sink.Sink }

func (p permanentSink) Write(context.Context, record.StreamID, []record.Record) ([]byte, error) {
	return nil, errclass.Permanentf("401 invalid token: check token")
}

// A sink that fails permanently stops only its route: the other sink gets
// every record, and the result names the stopped sink.
func TestPermanentSinkFailureStopsOnlyItsRoute(t *testing.T) {
	e := newEnv(t)
	mem := sinktest.NewMemory("bad")
	e.opts.Sinks = []sink.Sink{e.file, permanentSink{mem}}
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 10}
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done || len(res[0].Stopped) != 1 || res[0].Stopped[0] != "bad" {
		t.Fatalf("result %+v", res[0])
	}
	if got := e.ids(t, "a"); !slices.Equal(got, wantIDs(100)) {
		t.Fatalf("the healthy sink holds %d records, want 100", len(got))
	}
}

// countingSink records the most writes it saw at once.
type countingSink struct {
	sink.Sink
	mu        sync.Mutex
	now, peak int
}

func (c *countingSink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	c.mu.Lock()
	c.now++
	c.peak = max(c.peak, c.now)
	c.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // slow: the other streams must wait their turn
	defer func() { c.mu.Lock(); c.now--; c.mu.Unlock() }()
	return c.Sink.Write(ctx, id, recs)
}

// A slow sink holds its streams back: never more writes at once than its
// queue allows, and nothing dropped.
func TestSlowSinkAppliesBackpressure(t *testing.T) {
	e := newEnv(t)
	cs := &countingSink{Sink: sinktest.NewMemory("slow")}
	e.opts.Sinks = []sink.Sink{cs}
	e.opts.SinkQueue = 2
	var streams []*scripted
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		streams = append(streams, &scripted{id: record.StreamID{Source: "src", Stream: n}, batches: 6})
	}
	res := Run(t.Context(), []source.Source{newSource(streams...)}, e.opts)
	for _, r := range res {
		if r.Status != Done || r.Records != 60 {
			t.Fatalf("result %+v", r)
		}
	}
	mem := cs.Sink.(*sinktest.Memory)
	for _, s := range streams {
		if n := len(mem.Records(s.id)); n != 60 {
			t.Fatalf("%s: the sink holds %d records, want 60", s.id, n)
		}
	}
	if cs.peak > 2 {
		t.Fatalf("peak concurrent writes %d, more than the queue size 2", cs.peak)
	}
}

// flakyTwice fails its first two writes with a retryable error after
// storing part of the batch.
type flakyTwice struct {
	sink.Sink
	fails int
}

func (f *flakyTwice) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if len(recs) > 0 && f.fails < 2 {
		f.fails++
		f.Sink.Write(ctx, id, recs[:len(recs)/2])
		return nil, errors.New("503 busy")
	}
	return f.Sink.Write(ctx, id, recs)
}

// A sink's own retry policy absorbs its transient failures: the sink alone
// is rolled back and written again, the other sink takes the batch once,
// and the stream never has to redeliver.
func TestSinkRetryPolicyRetriesThatSinkAlone(t *testing.T) {
	e := newEnv(t)
	flaky := &flakyTwice{Sink: sinktest.NewMemory("flaky")}
	steady := &countingSink{Sink: sinktest.NewMemory("steady")}
	e.opts.Sinks = []sink.Sink{flaky, steady}
	e.opts.SinkRetry = map[string]SinkRetry{"flaky": {Attempts: 3, Backoff: retry.Backoff{Base: time.Millisecond, Max: time.Millisecond}}}
	retries := 0
	e.opts.Observe = func(ev Event) {
		if ev.Kind == EventRetrying {
			retries++
		}
	}
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 3}
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done || retries != 0 {
		t.Fatalf("result %+v, %d stream-level retries", res[0], retries)
	}
	for _, s := range []*sinktest.Memory{flaky.Sink.(*sinktest.Memory), steady.Sink.(*sinktest.Memory)} {
		got := s.Records(st.id)
		if len(got) != 30 {
			t.Fatalf("%s holds %d records, want 30 exactly once", s.Name(), len(got))
		}
	}
}

// budgeted is a scripted stream with a request budget.
type budgeted struct {
	*scripted
	used int
}

func (b *budgeted) Fetch(ctx context.Context) (*source.Batch, error) {
	b.used++
	return b.scripted.Fetch(ctx)
}

func (b *budgeted) Budget() (source.Budget, error) {
	return source.Budget{Used: b.used, Limit: 50, Remaining: 50 - b.used}, nil
}

// The observer hears the stream start first, every stream event with the
// stream's budget, and each sink write as a queued/written pair: a failed
// attempt that the sink's policy retries is reported, never as records.
func TestEventsCarryBudgetAndSinkWrites(t *testing.T) {
	e := newEnv(t)
	flaky := &flakyTwice{Sink: sinktest.NewMemory("flaky")}
	e.opts.Sinks = []sink.Sink{flaky}
	e.opts.SinkRetry = map[string]SinkRetry{"flaky": {Attempts: 3, Backoff: retry.Backoff{Base: time.Millisecond, Max: time.Millisecond}}}
	e.opts.CommitBytes = 1 // a commit, so an EventDelivered, per batch
	var (
		mu     sync.Mutex
		events []Event
	)
	e.opts.Observe = func(ev Event) { mu.Lock(); events = append(events, ev); mu.Unlock() }
	st := &budgeted{scripted: &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 3}}
	if res := Run(t.Context(), []source.Source{&fakeSource{streams: []source.Stream{st}}}, e.opts); res[0].Status != Done {
		t.Fatalf("%+v", res[0])
	}
	if events[0].Kind != EventStarted || events[0].Budget == nil || events[0].Budget.Used != 0 {
		t.Fatalf("first event %+v, want EventStarted with the budget", events[0])
	}
	var queued, written, retried, records, delivered int
	for _, ev := range events {
		switch ev.Kind {
		case EventSinkQueued:
			queued++
		case EventSinkRetrying:
			retried++
		case EventSinkWritten:
			written++
			records += ev.Records
		case EventDelivered:
			delivered++
			if ev.Budget == nil || ev.Budget.Used != delivered || ev.Budget.Remaining != 50-delivered {
				t.Errorf("delivery %d carries budget %+v", delivered, ev.Budget)
			}
		}
		if (ev.Sink != "") != (ev.Kind >= EventSinkQueued) || (ev.Sink != "" && ev.Budget != nil) {
			t.Errorf("event %+v: sink events name the sink and carry no budget", ev)
		}
	}
	if queued != 3 || written != 3 || retried != 2 || records != 30 || delivered != 3 {
		t.Fatalf("queued %d written %d retried %d records %d delivered %d; want 3 3 2 30 3", queued, written, retried, records, delivered)
	}
}

// A quarantine that cannot be written keeps the batch pending: it is
// retried (logged and counted as reason "quarantine") and, once the
// quarantine can be written, every record and every bad item arrives.
func TestFailedQuarantineWriteLosesNothing(t *testing.T) {
	e := newEnv(t)
	blocker := filepath.Join(e.dir, "blocked")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	qdir := filepath.Join(blocker, "quarantine") // under a file: cannot be created
	e.opts.Quarantine = quarantine.New(qdir)
	var retries atomic.Int32
	e.opts.Observe = func(ev Event) {
		if ev.Kind == EventRetrying && ev.Reason == errclass.ReasonQuarantine && retries.Add(1) == 3 {
			os.Remove(blocker) // the disk has room again
		}
	}
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 3, bad: true}
	res := Run(t.Context(), []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done || retries.Load() < 3 {
		t.Fatalf("result %+v after %d quarantine retries", res[0], retries.Load())
	}
	if got := e.ids(t, "a"); !slices.Equal(got, wantIDs(30)) {
		t.Fatalf("delivered %d records, want all 30: %v", len(got), got)
	}
	b, err := os.ReadFile(filepath.Join(qdir, "src", "a.jsonl"))
	if err != nil || bytes.Count(b, []byte("\n")) != 3 {
		t.Fatalf("quarantine holds %q (%v), want the 3 bad items", b, err)
	}
}

// The runner closes its stream once on every way out.
func TestStreamIsClosedOnEveryExit(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for name, tc := range map[string]struct {
		ctx context.Context
		st  *scripted
	}{
		"caught up":         {t.Context(), &scripted{batches: 2}},
		"resume fails":      {t.Context(), &scripted{batches: 2, resume: errclass.Permanentf("bad cursor")}},
		"fetch fails":       {t.Context(), &scripted{batches: 2, fail: func(int) error { return errclass.Permanentf("401") }}},
		"context cancelled": {cancelled, &scripted{batches: 2, fail: func(int) error { return errors.New("503") }}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			tc.st.id = record.StreamID{Source: "src", Stream: "a"}
			Run(tc.ctx, []source.Source{newSource(tc.st)}, e.opts)
			if n := tc.st.closed.Load(); n != 1 {
				t.Fatalf("Close called %d times, want 1", n)
			}
		})
	}
}
