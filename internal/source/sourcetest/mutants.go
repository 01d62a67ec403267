package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/testutil"
)

// A mutant is a harness whose streams break one promise, and the subtest
// that must catch it. CatchMutants runs the whole suite against each one
// in a child process (a failing *testing.T cannot be watched from inside)
// and expects exactly that subtest, and those in AlsoFails, to fail.
type mutant struct {
	Name    string
	Subtest string // the top-level subtest that must fail
	// AlsoFails are other subtests that the broken promise fails too,
	// because they rely on it.
	AlsoFails []string
	apply     func(Harness) Harness
}

// mutants are generic: each wraps the streams (or the store) of any
// harness. Some break nothing on a stream that has nothing to break (a
// Close that does nothing leaks nothing when there is no background work):
// the vendor tests choose which mutants each harness must catch.
var mutants = []mutant{
	{Name: "dropRecord", Subtest: "ExactlyOnce", AlsoFails: []string{"Resume"},
		apply: streams(func(s source.Stream) source.Stream { return &dropRecord{Stream: s} })},
	{Name: "ignoreCursor", Subtest: "Resume",
		apply: streams(func(s source.Stream) source.Stream { return ignoreCursor{s} })},
	{Name: "ignoreCancel", Subtest: "Cancel",
		apply: streams(func(s source.Stream) source.Stream { return ignoreCancel{s} })},
	{Name: "leakGoroutine", Subtest: "Close",
		apply: streams(func(s source.Stream) source.Stream { return leakGoroutine{s} })},
	{Name: "closeNothing", Subtest: "Close",
		apply: streams(func(s source.Stream) source.Stream { return closeNothing{s} })},
	{Name: "permanentRetryable", Subtest: "Permanent",
		apply: streams(func(s source.Stream) source.Stream { return permanentRetryable{s} })},
	{Name: "shortAsDaily", Subtest: "Throttle",
		apply: streams(func(s source.Stream) source.Stream { return shortAsDaily{s} })},
	{Name: "throttleIgnored", Subtest: "Throttle", AlsoFails: []string{"ThrottleSurvivesRestart"},
		apply: streams(func(s source.Stream) source.Stream { return throttleIgnored{s} })},
	{Name: "noRetry", Subtest: "Retry",
		apply: streams(func(s source.Stream) source.Stream { return noRetry{s} })},
	{Name: "forgetThrottle", Subtest: "ThrottleSurvivesRestart", apply: forgetThrottle},
	{Name: "dropBad", Subtest: "Garbage",
		apply: streams(func(s source.Stream) source.Stream { return dropBad{s} })},
	{Name: "holdBad", Subtest: "Garbage",
		apply: streams(func(s source.Stream) source.Stream { return &holdBad{Stream: s} })},
}

// MutantNames lists the mutants by name.
func MutantNames() []string {
	names := make([]string, len(mutants))
	for i, m := range mutants {
		names[i] = m.Name
	}
	return names
}

func mutantNamed(name string) (mutant, bool) {
	for _, m := range mutants {
		if m.Name == name {
			return m, true
		}
	}
	return mutant{}, false
}

// MutantEnv selects, in a child process, "harness:mutant" ("harness:none"
// runs the harness unchanged).
const MutantEnv = "GATELOG_SOURCETEST_MUTANT"

// MutantChild runs the suite against the harness and mutant MutantEnv
// names; it skips when MutantEnv is unset. Call it from a test function
// of its own, whose name is given to CatchMutants. The child shortens the
// liveness bounds, so that a hang is caught in seconds.
func MutantChild(t *testing.T, harnesses map[string]Harness) {
	sel := os.Getenv(MutantEnv)
	if sel == "" {
		t.Skip("child process of CatchMutants")
	}
	hname, mname, _ := strings.Cut(sel, ":")
	h, ok := harnesses[hname]
	if !ok {
		t.Fatalf("no harness %q", hname)
	}
	if mname != "none" {
		m, ok := mutantNamed(mname)
		if !ok {
			t.Fatalf("no mutant %q", mname)
		}
		h = m.apply(h)
	}
	cancelBound, restartBound = 3*time.Second, 3*time.Second
	Run(t, h)
}

// CatchMutants runs, for each harness, the suite unchanged and then
// against each of its mutants, each in a child process running the test
// function child (which calls MutantChild). A mutant must fail its
// subtest and those in its AlsoFails, and no other subtest; subtests that
// fail against the unchanged harness are left out of the comparison, and
// a mutant whose subtest fails there cannot be told apart: that is an
// error too. The children mostly wait (Retry-After, lock-step subtests),
// so more of them run at once than -test.parallel allows.
func CatchMutants(t *testing.T, child string, cases map[string][]string) {
	type result struct {
		failed []string
		out    string
		err    error
	}
	var (
		mu      sync.Mutex
		results = map[string]result{}
		slots   = make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0)))
		wg      sync.WaitGroup
	)
	runChild := func(hname, mname string) {
		defer wg.Done()
		slots <- struct{}{}
		defer func() { <-slots }()
		failed, out, err := failedSubtests(child, hname, mname)
		mu.Lock()
		results[hname+":"+mname] = result{failed, out, err}
		mu.Unlock()
	}
	for hname, names := range cases {
		wg.Add(1 + len(names))
		go runChild(hname, "none")
		for _, mname := range names {
			go runChild(hname, mname)
		}
	}
	wg.Wait()
	for _, hname := range slices.Sorted(maps.Keys(cases)) {
		t.Run(hname, func(t *testing.T) {
			base := results[hname+":none"]
			if base.err != nil {
				t.Fatal(base.err)
			}
			if len(base.failed) > 0 {
				t.Logf("%s fails %v unchanged: those subtests are left out", hname, base.failed)
			}
			for _, mname := range cases[hname] {
				t.Run(mname, func(t *testing.T) {
					m, ok := mutantNamed(mname)
					if !ok {
						t.Fatalf("no mutant %q", mname)
					}
					if slices.Contains(base.failed, m.Subtest) {
						t.Fatalf("%s fails %s unchanged: mutant %s cannot be caught there", hname, m.Subtest, mname)
					}
					r := results[hname+":"+mname]
					if r.err != nil {
						t.Fatal(r.err)
					}
					want := without(append([]string{m.Subtest}, m.AlsoFails...), base.failed)
					if got := without(r.failed, base.failed); !slices.Equal(got, want) {
						t.Fatalf("mutant %s on %s: subtests failed %v, want %v\n%s", mname, hname, got, want, r.out)
					}
				})
			}
		})
	}
}

// failedSubtests runs the suite in a child and returns the top-level
// subtests that failed, sorted.
func failedSubtests(child, hname, mname string) ([]string, string, error) {
	out, err := testutil.RunChild(testutil.ExactPattern(child), []string{MutantEnv + "=" + hname + ":" + mname})
	var failed []string
	for _, name := range testutil.FailedTests(out) {
		parts := strings.Split(name, "/")
		if len(parts) >= 2 && parts[0] == child && !slices.Contains(failed, parts[1]) {
			failed = append(failed, parts[1])
		}
	}
	sort.Strings(failed)
	switch {
	case err != nil && len(failed) == 0:
		return nil, out, fmt.Errorf("child %s:%s failed outside any subtest (%v):\n%s", hname, mname, err, out)
	case err == nil && !strings.Contains(out, "PASS"):
		return nil, out, fmt.Errorf("child %s:%s ran nothing:\n%s", hname, mname, out)
	}
	return failed, out, nil
}

func without(names, drop []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(drop, n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// streams applies wrap to every stream the harness's fixtures build.
func streams(wrap func(source.Stream) source.Stream) func(Harness) Harness {
	return func(h Harness) Harness {
		inner := h.New
		h.New = func(t *testing.T) Fixture { return &mutantFixture{Fixture: inner(t), wrap: wrap} }
		return h
	}
}

type mutantFixture struct {
	Fixture
	wrap  func(source.Stream) source.Stream
	store func(state.Store) state.Store
}

func (f *mutantFixture) Stream(t *testing.T, store state.Store) source.Stream {
	if f.store != nil {
		store = f.store(store)
	}
	st := f.Fixture.Stream(t, store)
	if f.wrap != nil {
		st = f.wrap(st)
	}
	return st
}

func (f *mutantFixture) Misconfigured(t *testing.T, store state.Store, code int) (source.Stream, string, bool) {
	if f.store != nil {
		store = f.store(store)
	}
	st, hint, ok := f.Fixture.Misconfigured(t, store, code)
	if ok && f.wrap != nil {
		st = f.wrap(st)
	}
	return st, hint, ok
}

// dropRecord loses the second record of the first batch that has two.
type dropRecord struct {
	source.Stream
	done bool
}

func (s *dropRecord) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.Stream.Fetch(ctx)
	if err == nil && !s.done && len(b.Records) >= 2 {
		b.Records = slices.Delete(slices.Clone(b.Records), 1, 2)
		s.done = true
	}
	return b, err
}

// ignoreCursor starts afresh whatever was committed.
type ignoreCursor struct{ source.Stream }

func (s ignoreCursor) Resume(ctx context.Context, _ []byte) error { return s.Stream.Resume(ctx, nil) }

// ignoreCancel fetches as if its context could not end.
type ignoreCancel struct{ source.Stream }

func (s ignoreCancel) Fetch(ctx context.Context) (*source.Batch, error) {
	return s.Stream.Fetch(context.WithoutCancel(ctx))
}

// leakGoroutine starts background work that only the run's end stops,
// not Close.
type leakGoroutine struct{ source.Stream }

func (s leakGoroutine) Resume(ctx context.Context, cursor []byte) error {
	go func() { <-ctx.Done() }()
	return s.Stream.Resume(ctx, cursor)
}

// closeNothing's Close leaves the stream's background work running.
type closeNothing struct{ source.Stream }

func (closeNothing) Close() error { return nil }

// permanentRetryable loses the permanent class of its errors.
type permanentRetryable struct{ source.Stream }

func (s permanentRetryable) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.Stream.Fetch(ctx)
	if errclass.IsPermanent(err) {
		err = errclass.WithReason(errors.New(err.Error()), errclass.Reason(err))
	}
	return b, err
}

// shortAsDaily waits for the next UTC midnight after a short 429.
type shortAsDaily struct{ source.Stream }

func (s shortAsDaily) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.Stream.Fetch(ctx)
	if _, ok := errclass.ThrottledUntil(err); ok && errclass.Reason(err) == errclass.ReasonThrottle {
		midnight := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		err = errclass.Throttled(errclass.WithReason(errors.New(err.Error()), errclass.ReasonDaily), midnight)
	}
	return b, err
}

// throttleIgnored reports a 429 as an error to retry at once.
type throttleIgnored struct{ source.Stream }

func (s throttleIgnored) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.Stream.Fetch(ctx)
	if _, ok := errclass.ThrottledUntil(err); ok {
		err = errclass.WithReason(errors.New(err.Error()), errclass.Reason(err))
	}
	return b, err
}

// noRetry gives up on the first transient failure instead of retrying it.
type noRetry struct{ source.Stream }

func (s noRetry) Fetch(ctx context.Context) (*source.Batch, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var first *retry.Attempt
	var mu sync.Mutex
	ctx = retry.WithObserver(ctx, func(a retry.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = &a
			cancel()
		}
	})
	b, err := s.Stream.Fetch(ctx)
	mu.Lock()
	defer mu.Unlock()
	if first != nil {
		return nil, first.Err
	}
	return b, err
}

// forgetThrottle gives each new stream a view of the store without the
// budgets and throttles saved before it was built.
func forgetThrottle(h Harness) Harness {
	inner := h.New
	h.New = func(t *testing.T) Fixture {
		return &mutantFixture{Fixture: inner(t), store: func(s state.Store) state.Store {
			return &forgetful{Store: s, mine: map[record.StreamID]bool{}}
		}}
	}
	return h
}

type forgetful struct {
	state.Store
	mu   sync.Mutex
	mine map[record.StreamID]bool
}

func (s *forgetful) Budget(id record.StreamID) (state.Budget, error) {
	s.mu.Lock()
	mine := s.mine[id]
	s.mu.Unlock()
	if !mine {
		return state.Budget{Remaining: -1}, nil
	}
	return s.Store.Budget(id)
}

func (s *forgetful) SetBudget(id record.StreamID, b state.Budget) error {
	s.remember(id)
	return s.Store.SetBudget(id, b)
}

// UpdateBudget starts from a blank ledger for a stream this view has not
// written yet.
func (s *forgetful) UpdateBudget(id record.StreamID, fn func(*state.Budget) error) (state.Budget, error) {
	s.mu.Lock()
	mine := s.mine[id]
	s.mu.Unlock()
	out, err := s.Store.UpdateBudget(id, func(b *state.Budget) error {
		if !mine {
			*b = state.Budget{Remaining: -1}
		}
		return fn(b)
	})
	if err == nil {
		s.remember(id)
	}
	return out, err
}

func (s *forgetful) remember(id record.StreamID) {
	s.mu.Lock()
	s.mine[id] = true
	s.mu.Unlock()
}

// dropBad loses one bad item of every batch that has some.
type dropBad struct{ source.Stream }

func (s dropBad) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.Stream.Fetch(ctx)
	if err == nil && len(b.Bad) > 0 {
		b.Bad = b.Bad[1:]
	}
	return b, err
}

// holdBad keeps every bad item until the stream catches up.
type holdBad struct {
	source.Stream
	held []source.Quarantined
}

func (s *holdBad) Fetch(ctx context.Context) (*source.Batch, error) {
	b, err := s.Stream.Fetch(ctx)
	if err != nil {
		return b, err
	}
	s.held = append(s.held, b.Bad...)
	b.Bad = nil
	if b.CaughtUp {
		b.Bad, s.held = s.held, nil
	}
	return b, err
}
