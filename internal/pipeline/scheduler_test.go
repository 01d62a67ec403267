package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
	"github.com/gatelog/gatelog/internal/testutil"
)

// Several daemon runs in one process on one store stand for instances:
// each has its own source objects, as separate processes would.

const schedStreams = 12

// exclusive fails the test when two instances fetch one stream at once.
type exclusive struct {
	t      *testing.T
	mu     sync.Mutex
	active map[record.StreamID]string
}

func (x *exclusive) enter(id record.StreamID, owner string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if other, busy := x.active[id]; busy {
		x.t.Errorf("%s fetches %s while %s does", owner, id, other)
	}
	x.active[id] = owner
}

func (x *exclusive) leave(id record.StreamID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.active, id)
}

// guarded is a scripted stream whose fetches go through an exclusive.
type guarded struct {
	*scripted
	x     *exclusive
	owner string
}

func (g *guarded) Fetch(ctx context.Context) (*source.Batch, error) {
	g.x.enter(g.id, g.owner)
	defer g.x.leave(g.id)
	return g.scripted.Fetch(ctx)
}

type instance struct {
	owner   string
	cancel  context.CancelFunc
	done    chan []Result
	once    sync.Once
	results []Result
}

// startInstance runs schedStreams streams of `batches` batches each (a
// pause before every fetch) as owner, delivering to sk.
func startInstance(t *testing.T, store state.Store, sk sink.Sink, x *exclusive, owner string, batches int, ttl time.Duration) *instance {
	t.Helper()
	return startInstanceWith(t, store, sk, x, owner, batches, ttl, time.Millisecond, nil)
}

// startInstanceWith is startInstance with the pause before each fetch and a
// logger.
func startInstanceWith(t *testing.T, store state.Store, sk sink.Sink, x *exclusive, owner string, batches int, ttl, pause time.Duration, log *slog.Logger) *instance {
	t.Helper()
	src := &fakeSource{}
	for i := range schedStreams {
		st := &scripted{id: record.StreamID{Source: "src", Stream: fmt.Sprintf("s%02d", i)}, batches: batches,
			fail: func(int) error { time.Sleep(pause); return nil }}
		src.streams = append(src.streams, &guarded{scripted: st, x: x, owner: owner})
	}
	ctx, cancel := context.WithCancel(t.Context())
	in := &instance{owner: owner, cancel: cancel, done: make(chan []Result, 1)}
	go func() {
		in.done <- Run(ctx, []source.Source{src}, Options{Store: store, Sinks: []sink.Sink{sk}, Owner: owner, LeaseTTL: ttl,
			ClaimEvery: 20 * time.Millisecond, Logger: log})
	}()
	t.Cleanup(func() { in.stop(t) })
	return in
}

// stop ends the instance and returns its results.
func (in *instance) stop(t *testing.T) []Result {
	in.once.Do(func() {
		in.cancel()
		select {
		case in.results = <-in.done:
		case <-time.After(30 * time.Second):
			t.Errorf("instance %s did not stop", in.owner)
		}
	})
	return in.results
}

// owned counts the streams each owner holds a live lease on.
func owned(t *testing.T, store state.Store) map[string]int {
	t.Helper()
	leases, err := store.Leases()
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, l := range leases {
		if l.Live {
			n[l.Owner]++
		}
	}
	return n
}

// eventually polls cond for up to a minute (the machines are shared and
// slow at times; what is asserted is the end state, not the time).
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < time.Minute {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("not within a minute: %s", what)
	return 0
}

func shares(t *testing.T, store state.Store, want map[string]int) func() bool {
	return func() bool {
		got := owned(t, store)
		if len(got) != len(want) {
			return false
		}
		for o, n := range want {
			if got[o] != n {
				return false
			}
		}
		return true
	}
}

// Three instances divide twelve streams four each, and no stream is ever
// fetched by two at once.
func TestInstancesShareTheStreams(t *testing.T) {
	store, sk := memstate.New(), sinktest.NewMemory("mem")
	x := &exclusive{t: t, active: map[record.StreamID]string{}}
	for _, o := range []string{"a", "b", "c"} {
		startInstance(t, store, sk, x, o, 1<<30, 2*time.Second)
	}
	eventually(t, "4 streams each", shares(t, store, map[string]int{"a": 4, "b": 4, "c": 4}))
}

// An instance that joins gets its share from the ones running: they hand
// streams over at a batch boundary.
func TestAJoiningInstanceGetsItsShare(t *testing.T) {
	store, sk := memstate.New(), sinktest.NewMemory("mem")
	x := &exclusive{t: t, active: map[record.StreamID]string{}}
	startInstance(t, store, sk, x, "a", 1<<30, 2*time.Second)
	eventually(t, "a runs all 12", shares(t, store, map[string]int{"a": 12}))
	startInstance(t, store, sk, x, "b", 1<<30, 2*time.Second)
	eventually(t, "6 each after b joined", shares(t, store, map[string]int{"a": 6, "b": 6}))
	startInstance(t, store, sk, x, "c", 1<<30, 2*time.Second)
	eventually(t, "4 each after c joined", shares(t, store, map[string]int{"a": 4, "b": 4, "c": 4}))
}

// A handover waits for the batch in flight: while it does, the stream no
// longer counts to the instance's share, so later rounds do not hand over
// more streams than the newcomer's share.
func TestSlowHandoversHandOverOnlyTheSurplus(t *testing.T) {
	store, sk := memstate.New(), sinktest.NewMemory("mem")
	x := &exclusive{t: t, active: map[record.StreamID]string{}}
	var logs testutil.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	startInstanceWith(t, store, sk, x, "a", 1<<30, 5*time.Second, 200*time.Millisecond, log) // rounds every 20ms
	eventually(t, "a runs all 12", shares(t, store, map[string]int{"a": 12}))
	startInstance(t, store, sk, x, "b", 1<<30, 5*time.Second)
	eventually(t, "6 each", shares(t, store, map[string]int{"a": 6, "b": 6}))
	time.Sleep(300 * time.Millisecond) // more rounds: nothing more moves
	if n := strings.Count(logs.String(), "handing a stream over"); n != 6 {
		t.Errorf("a handed %d streams over; want its surplus, 6", n)
	}
	if got := owned(t, store); got["a"] != 6 || got["b"] != 6 {
		t.Errorf("after more rounds: %v; want 6 each", got)
	}
}

// dying is a store as an instance that dies sees it: after die, it
// releases nothing and never signs off, so its leases and heartbeat stay
// until they lapse, as a SIGKILLed process leaves them.
type dying struct {
	state.Store
	mu   sync.Mutex
	dead bool
}

func (d *dying) die() { d.mu.Lock(); d.dead = true; d.mu.Unlock() }
func (d *dying) isDead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dead
}

func (d *dying) Release(id record.StreamID, owner string) error {
	if d.isDead() {
		return nil
	}
	return d.Store.Release(id, owner)
}

func (d *dying) Leave(owner string) error {
	if d.isDead() {
		return nil
	}
	return d.Store.Leave(owner)
}

// A dead instance's streams are taken over once its leases lapse.
func TestADeadInstancesStreamsAreTakenOver(t *testing.T) {
	store, sk := memstate.New(), sinktest.NewMemory("mem")
	x := &exclusive{t: t, active: map[record.StreamID]string{}}
	const ttl = 600 * time.Millisecond
	d := &dying{Store: store}
	a := startInstance(t, d, sk, x, "a", 1<<30, ttl)
	startInstance(t, store, sk, x, "b", 1<<30, ttl)
	eventually(t, "6 each", shares(t, store, map[string]int{"a": 6, "b": 6}))
	before := mustLeases(t, store)
	d.die()
	a.stop(t)
	took := eventually(t, "b runs all 12", shares(t, store, map[string]int{"b": 12}))
	t.Logf("b took the dead instance's streams over %s after it died (lease ttl %s)", took, ttl)
	for id, l := range mustLeases(t, store) {
		if was := before[id]; was.Owner == "a" && l.Generation <= was.Generation {
			t.Errorf("%s: generation %d after b took it from a (at %d); want a new tenure", id, l.Generation, was.Generation)
		}
	}
}

func mustLeases(t *testing.T, store state.Store) map[record.StreamID]state.Lease {
	t.Helper()
	l, err := store.Leases()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Streams handed over again and again, as instances join and leave,
// deliver every record once, in order, to a sink they share.
func TestHandoversDeliverEachRecordOnce(t *testing.T) {
	store, sk := memstate.New(), sinktest.NewMemory("mem")
	x := &exclusive{t: t, active: map[record.StreamID]string{}}
	const batches = 150
	const ttl = 2 * time.Second
	a := startInstance(t, store, sk, x, "a", batches, ttl)
	time.Sleep(30 * time.Millisecond)
	b := startInstance(t, store, sk, x, "b", batches, ttl)
	time.Sleep(30 * time.Millisecond)
	a.stop(t) // a clean stop: its streams pass on at once
	c := startInstance(t, store, sk, x, "c", batches, ttl)
	time.Sleep(30 * time.Millisecond)
	startInstance(t, store, sk, x, "a2", batches, ttl)
	eventually(t, "every stream caught up", func() bool {
		for i := range schedStreams {
			cp, ok, _ := store.Checkpoint(record.StreamID{Source: "src", Stream: fmt.Sprintf("s%02d", i)})
			if !ok || cp.Records < batches*10 {
				return false
			}
		}
		return true
	})
	b.stop(t)
	c.stop(t)
	for i := range schedStreams {
		id := record.StreamID{Source: "src", Stream: fmt.Sprintf("s%02d", i)}
		recs := sk.Records(id)
		if len(recs) < batches*10 {
			t.Errorf("%s: %d records; want at least %d", id, len(recs), batches*10)
		}
		for n, r := range recs {
			if r.ID != "r"+strconv.Itoa(n) {
				t.Fatalf("%s: record %d is %s; want r%d (each once, in order)", id, n, r.ID, n)
			}
		}
	}
}

// Leases and heartbeats are taken for the TTL less one claim round, so a
// dead instance's streams are claimed by another within one TTL of its
// death: its leases lapse within TTL-ClaimEvery of its last renewal, and
// the next round comes within ClaimEvery.
func TestLeasesAreHeldForTheTTLLessOneRound(t *testing.T) {
	store, sk := memstate.New(), sinktest.NewMemory("mem")
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { return now } // the store's clock stands still
	x := &exclusive{t: t, active: map[record.StreamID]string{}}
	startInstance(t, store, sk, x, "a", 1<<30, 10*time.Second) // rounds every 20ms
	eventually(t, "a runs all 12", shares(t, store, map[string]int{"a": 12}))
	for id, l := range mustLeases(t, store) {
		if want := now.Add(10*time.Second - 20*time.Millisecond); !l.Expires.Equal(want) {
			t.Errorf("%s: lease expires %s; want the TTL less one round, %s", id, l.Expires, want)
		}
	}
	in, err := store.Heartbeat("probe", time.Hour)
	if err != nil || len(in) != 2 || !in[0].Expires.Equal(now.Add(10*time.Second-20*time.Millisecond)) {
		t.Errorf("instances %+v, %v; want a's heartbeat held for the TTL less one round", in, err)
	}
}
