package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// The waits between fetches, on synctest's fake clock: a stream that says
// when it wants its next fetch (source.Paced) gets exactly that; any other
// (Symantec) waits PollInterval after a caught-up batch and fetches again
// at once otherwise.

// stepStream answers each Fetch with the next step, noting when the fetch
// came; when the steps run out it calls stop and fails.
type stepStream struct {
	id    record.StreamID
	poll  time.Duration
	steps []step
	stop  context.CancelFunc

	mu      sync.Mutex
	fetches []time.Time
	pace    time.Duration
}

type step struct {
	caughtUp bool
	pace     time.Duration // what Pace answers after this batch
}

func (s *stepStream) ID() record.StreamID                  { return s.id }
func (s *stepStream) PollInterval() time.Duration          { return s.poll }
func (s *stepStream) Resume(context.Context, []byte) error { return nil }
func (s *stepStream) Close() error                         { return nil }

func (s *stepStream) Fetch(context.Context) (*source.Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.fetches)
	s.fetches = append(s.fetches, time.Now())
	if n >= len(s.steps) {
		s.stop()
		return nil, errors.New("no more steps")
	}
	s.pace = s.steps[n].pace
	cur, _ := json.Marshal(n)
	return &source.Batch{CaughtUp: s.steps[n].caughtUp, Cursor: cur, Requests: 1}, nil
}

// offsets are the fetch times after the first.
func (s *stepStream) offsets() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, t := range s.fetches {
		out = append(out, t.Sub(s.fetches[0]))
	}
	return out
}

// pacedStream is a stepStream that paces itself.
type pacedStream struct{ *stepStream }

func (p pacedStream) Pace() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pace
}

var _ source.Paced = pacedStream{}

type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) observe(e Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) count(k EventKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func paceOptions(t *testing.T, once bool, events *eventLog) Options {
	return withDefaults(Options{Store: memstate.New(), Sinks: []sink.Sink{sinktest.NewMemory("mem")},
		Quarantine: quarantine.New(t.TempDir()), Once: once, Observe: events.observe})
}

func TestRunnerWaitsWhatAPacedStreamAsks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		st := &stepStream{id: record.StreamID{Source: "fp", Stream: "access"}, poll: time.Hour, stop: cancel, steps: []step{
			{caughtUp: false, pace: 0},                // a full page, budget to spare: at once
			{caughtUp: false, pace: 10 * time.Minute}, // a full page, paced by the budget
			{caughtUp: true, pace: 3 * time.Minute},   // caught up: shorter than PollInterval
			{caughtUp: false, pace: 2 * time.Minute},  // a short page: not caught up, yet it waits
			{caughtUp: true, pace: 0},                 // a pace of 0 when caught up: at once too
		}}
		var events eventLog
		newRunner("forcepoint", pacedStream{st}, paceOptions(t, false, &events)).run(ctx)
		want := []time.Duration{0, 0, 10 * time.Minute, 13 * time.Minute, 15 * time.Minute, 15 * time.Minute}
		if got := st.offsets(); !slices.Equal(got, want) {
			t.Errorf("fetches at %v; want %v", got, want)
		}
		if n := events.count(EventCaughtUp); n != 2 {
			t.Errorf("%d caught-up events; want 2, one per caught-up batch", n)
		}
	})
}

// Symantec's streams are not paced: `done` (caught up) waits its
// poll_interval (>= 5 minutes), `more` loops at once.
func TestRunnerWaitsPollIntervalOnlyWhenCaughtUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		st := &stepStream{id: record.StreamID{Source: "swg", Stream: "sync"}, poll: 5 * time.Minute, stop: cancel, steps: []step{
			{caughtUp: false}, {caughtUp: false}, {caughtUp: true}, {caughtUp: false}, {caughtUp: true},
		}}
		var events eventLog
		newRunner("symantec", st, paceOptions(t, false, &events)).run(ctx)
		want := []time.Duration{0, 0, 0, 5 * time.Minute, 5 * time.Minute, 10 * time.Minute}
		if got := st.offsets(); !slices.Equal(got, want) {
			t.Errorf("fetches at %v; want %v", got, want)
		}
		if n := events.count(EventCaughtUp); n != 2 {
			t.Errorf("%d caught-up events; want 2", n)
		}
	})
}

// With Once a paced stream is not waited for: the run catches up and ends.
func TestOnceDoesNotWaitForPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &stepStream{id: record.StreamID{Source: "fp", Stream: "access"}, poll: time.Hour, stop: func() {}, steps: []step{
			{caughtUp: false, pace: time.Hour}, {caughtUp: false, pace: time.Hour}, {caughtUp: true, pace: time.Hour},
		}}
		var events eventLog
		res := newRunner("forcepoint", pacedStream{st}, paceOptions(t, true, &events)).run(t.Context())
		if res.Status != Done {
			t.Fatalf("result %+v", res)
		}
		if got, want := st.offsets(), []time.Duration{0, 0, 0}; !slices.Equal(got, want) {
			t.Errorf("fetches at %v; want %v", got, want)
		}
	})
}

// A handover request ends a pace wait at once.
func TestYieldInterruptsAPaceWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &stepStream{id: record.StreamID{Source: "fp", Stream: "access"}, poll: time.Hour, stop: func() {}, steps: []step{
			{caughtUp: true, pace: 6 * time.Hour},
		}}
		yield, handBack := context.WithCancel(t.Context())
		var events eventLog
		r := newRunner("forcepoint", pacedStream{st}, paceOptions(t, false, &events))
		r.yield = yield
		done := make(chan Result, 1)
		start := time.Now()
		go func() { done <- r.run(t.Context()) }()
		synctest.Wait() // the runner waits its pace
		select {
		case res := <-done:
			t.Fatalf("the run ended before the handover: %+v", res)
		default:
		}
		handBack()
		synctest.Wait()
		select {
		case res := <-done:
			if res.Status != Done {
				t.Errorf("result %+v", res)
			}
		default:
			t.Fatal("the run still waits after the handover request")
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the handover took %s of the pace wait; want none", waited)
		}
		if n := len(st.offsets()); n != 1 {
			t.Errorf("%d fetches; want 1", n)
		}
	})
}
