package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/source"
)

// runWithin runs the pipeline and fails the test if it has not ended
// within limit: a liveness bound, not a performance threshold.
func runWithin(t *testing.T, ctx context.Context, limit time.Duration, srcs []source.Source, o Options) []Result {
	t.Helper()
	done := make(chan []Result, 1)
	go func() { done <- Run(ctx, srcs, o) }()
	select {
	case res := <-done:
		return res
	case <-time.After(limit):
		t.Fatalf("the run has not ended %s after it started", limit)
		return nil
	}
}

var errRefused = errclass.WithReason(errors.New("dial tcp 127.0.0.1:9: connect: connection refused"), errclass.ReasonConnect)

// With Once, a stream that makes no progress for MaxWait is given up: it
// fails, naming how long and its last error, after it kept retrying until
// the deadline, whatever keeps it from progressing. What it delivered before
// stays delivered and checkpointed.
func TestOnceGivesUpAStreamWithoutProgress(t *testing.T) {
	const maxWait = 300 * time.Millisecond
	for name, tc := range map[string]struct {
		setup   func(e *env, st *scripted)
		lastErr string
	}{
		"unreachable host": {
			setup: func(_ *env, st *scripted) {
				st.fail = func(n int) error {
					if n >= 2 {
						return errRefused
					}
					return nil
				}
			},
			lastErr: "connection refused",
		},
		"sink keeps failing": {
			setup: func(e *env, st *scripted) {
				e.opts.Sinks = []sink.Sink{&failAfter{Sink: e.file, ok: 2}}
			},
			lastErr: "no space left on device",
		},
		"quarantine cannot be written": {
			setup: func(e *env, st *scripted) {
				blocker := filepath.Join(e.dir, "full")
				if err := os.WriteFile(blocker, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				e.opts.Quarantine = quarantine.New(filepath.Join(blocker, "quarantine"))
				st.bad = true
			},
			lastErr: "quarantine",
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.opts.MaxWait = maxWait
			st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 10}
			tc.setup(e, st)
			var retries atomic.Int32
			e.opts.Observe = func(ev Event) {
				if ev.Kind == EventRetrying {
					retries.Add(1)
				}
			}
			start := time.Now()
			res := runWithin(t, t.Context(), 30*time.Second, []source.Source{newSource(st)}, e.opts)
			took := time.Since(start)
			r := res[0]
			if r.Status != Failed || r.Err == nil {
				t.Fatalf("result %+v, want failed", r)
			}
			if msg := r.Err.Error(); !strings.Contains(msg, "made no progress for") || !strings.Contains(msg, tc.lastErr) {
				t.Fatalf("error %q: want it to say it made no progress and name the last error (%q)", msg, tc.lastErr)
			}
			if took < maxWait {
				t.Fatalf("given up after %s, before --max-wait %s", took, maxWait)
			}
			if retries.Load() < 2 {
				t.Fatalf("given up after %d retries: it must keep retrying until the deadline", retries.Load())
			}
			cp, _, _ := e.store.Checkpoint(st.id)
			got := e.ids(t, "a")
			if int(cp.Records) != len(got) || !slices.Equal(got, wantIDs(len(got))) {
				t.Fatalf("checkpoint says %d records, the file holds %d: %v", cp.Records, len(got), got)
			}
			if name != "quarantine cannot be written" && (r.Records != 20 || len(got) != 20) {
				t.Fatalf("delivered %d (%d in the file), want the 20 before the failure", r.Records, len(got))
			}
		})
	}
}

// failAfter accepts ok non-empty writes, then fails every one as a full disk.
type failAfter struct {
	sink.Sink
	writes atomic.Int32
	ok     int32
}

func (f *failAfter) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if len(recs) > 0 && f.writes.Add(1) > f.ok {
		return nil, errors.New("write src/a: no space left on device")
	}
	return f.Sink.Write(ctx, id, recs)
}

// Progress resets the clock: a stream that fails again and again but
// delivers a batch between failures, each stretch shorter than MaxWait,
// is never given up, even when the whole run takes longer than MaxWait.
func TestOnceProgressKeepsAStreamGoing(t *testing.T) {
	e := newEnv(t)
	e.opts.MaxWait = 250 * time.Millisecond
	fails := 0
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 8,
		fail: func(int) error {
			fails++
			if fails%2 == 1 {
				time.Sleep(40 * time.Millisecond)
				return errRefused
			}
			return nil
		}}
	start := time.Now()
	res := runWithin(t, t.Context(), 30*time.Second, []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done || !slices.Equal(e.ids(t, "a"), wantIDs(80)) {
		t.Fatalf("result %+v", res[0])
	}
	if took := time.Since(start); took < e.opts.MaxWait {
		t.Fatalf("the run took %s, less than MaxWait: the test proves nothing", took)
	}
}

// The daemon never gives up on a transient failure: it keeps retrying long
// past MaxWait and delivers everything once the failure passes.
func TestDaemonDoesNotGiveUp(t *testing.T) {
	e := newEnv(t)
	e.opts.Once = false
	e.opts.MaxWait = 20 * time.Millisecond
	var healed atomic.Bool
	var retriesAfterDeadline atomic.Int32
	start := time.Now()
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 5,
		fail: func(int) error {
			if healed.Load() {
				return nil
			}
			if time.Since(start) > 10*e.opts.MaxWait {
				retriesAfterDeadline.Add(1)
				if retriesAfterDeadline.Load() >= 5 {
					healed.Store(true)
				}
			}
			return errRefused
		}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e.opts.Observe = func(ev Event) {
		if ev.Kind == EventCaughtUp {
			cancel()
		}
	}
	res := runWithin(t, ctx, 30*time.Second, []source.Source{newSource(st)}, e.opts)
	if res[0].Status != Done || res[0].Err != nil {
		t.Fatalf("result %+v, want done: a daemon does not give up", res[0])
	}
	if !healed.Load() {
		t.Fatal("the stream stopped retrying before the failure passed")
	}
	if got := e.ids(t, "a"); !slices.Equal(got, wantIDs(50)) {
		t.Fatalf("delivered %d records, want all 50", len(got))
	}
}

// A throttle keeps its meaning with a small MaxWait: one that ends within
// MaxWait is waited for, one that ends beyond it defers the stream (not
// failed), even after transient errors.
func TestOnceThrottleBeyondMaxWaitDefers(t *testing.T) {
	e := newEnv(t)
	e.opts.MaxWait = 200 * time.Millisecond
	far := time.Now().Add(time.Hour)
	throttled := false
	short := &scripted{id: record.StreamID{Source: "src", Stream: "short"}, batches: 3,
		fail: func(n int) error {
			if n == 1 && !throttled {
				throttled = true
				return errclass.Throttled(errors.New("429 Too Many Requests"), time.Now().Add(50*time.Millisecond))
			}
			return nil
		}}
	calls := 0
	long := &scripted{id: record.StreamID{Source: "src", Stream: "long"}, batches: 3,
		fail: func(n int) error {
			if n < 1 {
				return nil
			}
			if calls++; calls <= 3 {
				return errRefused
			}
			return errclass.Throttled(errors.New("429 daily limit reached"), far)
		}}
	res := runWithin(t, t.Context(), 30*time.Second, []source.Source{newSource(long, short)}, e.opts)
	if r := res[0]; r.ID.Stream != "long" || r.Status != Deferred || !r.Until.Equal(far) || r.Records != 10 {
		t.Errorf("long throttle: %+v, want deferred until %s", r, far)
	}
	if r := res[1]; r.ID.Stream != "short" || r.Status != Done || r.Records != 30 {
		t.Errorf("short throttle: %+v, want done", r)
	}
}

// Short throttles again and again without progress end the stream after
// MaxWait too, deferred (run again later), not failed.
func TestOnceEndlessShortThrottlesDefer(t *testing.T) {
	e := newEnv(t)
	e.opts.MaxWait = 200 * time.Millisecond
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 3,
		fail: func(int) error {
			return errclass.Throttled(errors.New("429 Too Many Requests"), time.Now().Add(30*time.Millisecond))
		}}
	res := runWithin(t, t.Context(), 30*time.Second, []source.Source{newSource(st)}, e.opts)
	if r := res[0]; r.Status != Deferred || r.Err == nil || !strings.Contains(r.Err.Error(), "made no progress") {
		t.Fatalf("result %+v, want deferred after no progress", r)
	}
}

// A shutdown during a Once collection leaves a stream that had not caught
// up Interrupted, never Done, with its checkpoint matching the files; a
// stream that had caught up stays Done. A daemon's streams end Done.
func TestShutdownBeforeCatchingUpIsNotDone(t *testing.T) {
	for _, once := range []bool{true, false} {
		t.Run(map[bool]string{true: "once", false: "daemon"}[once], func(t *testing.T) {
			e := newEnv(t)
			e.opts.Once = once
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			quickDone := make(chan struct{})
			var closeOnce sync.Once
			e.opts.Observe = func(ev Event) {
				if ev.ID.Stream == "quick" && ev.Kind == EventDelivered {
					closeOnce.Do(func() { close(quickDone) })
				}
			}
			slow := &scripted{id: record.StreamID{Source: "src", Stream: "slow"}, batches: 10000,
				fail: func(n int) error {
					if n == 3 {
						<-quickDone
						cancel() // the signal arrives mid-collection, after quick caught up
					}
					time.Sleep(time.Millisecond)
					return nil
				}}
			quick := &scripted{id: record.StreamID{Source: "src", Stream: "quick"}, batches: 1}
			res := runWithin(t, ctx, 30*time.Second, []source.Source{newSource(quick, slow)}, e.opts)
			want := Interrupted
			if !once {
				want = Done
			}
			if r := res[1]; r.ID.Stream != "slow" || r.Status != want || r.Records >= 100000 {
				t.Errorf("slow stream: %+v, want %s", r, want)
			}
			if once {
				if r := res[0]; r.ID.Stream != "quick" || r.Status != Done || r.Records != 10 {
					t.Errorf("caught-up stream: %+v, want done", r)
				}
			}
			cp, _, _ := e.store.Checkpoint(slow.id)
			if got := e.ids(t, "slow"); int(cp.Records) != len(got) || !slices.Equal(got, wantIDs(len(got))) || uint64(len(got)) != res[1].Records {
				t.Fatalf("checkpoint %d records, file %d, result %d", cp.Records, len(got), res[1].Records)
			}
		})
	}
}
