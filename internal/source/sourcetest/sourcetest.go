// Package sourcetest is a conformance suite for source.Stream
// implementations: each vendor package's tests call Run with a Harness for
// each of its streams, so that every stream keeps the contract of package
// source (delivery, resume, cancellation, Close, error classes, throttles,
// retries, quarantine) against its vendor's simulator over real HTTP.
//
// The suite drives a stream as the pipeline does (internal/pipeline,
// runner.go): Resume with the committed cursor, Fetch until CaughtUp, and
// after each batch a state.Checkpoint with the batch's Cursor and, when it
// asks for them, its records' seen marks. A retry observer
// (retry.WithObserver) in the context sees every retry a stream makes.
//
// It is generic: it knows no vendor and imports no simulator. A Harness
// builds Fixtures (a fresh server with its data), and the Fixture builds
// streams as a new process would, injects faults and says what the server
// holds. mutants.go holds streams broken one promise at a time, and
// CatchMutants proves that each subtest fails against its mutant.
package sourcetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// Kind is a way the server fails a request (Fixture.Inject).
type Kind int

const (
	// Status503 is a 503 Service Unavailable without Retry-After.
	Status503 Kind = iota + 1
	// Reset resets the connection part-way through the body.
	Reset
	// Truncate sends half the body that its length promises, then closes.
	Truncate
	// Locked423 is the vendor's 423 "API access is blocked".
	Locked423
	// Abort is a sync archive whose trailer says X-sync-status: abort.
	Abort
	// Throttle429 is a short 429 with Retry-After: Fault.RetryAfter.
	Throttle429
	// Daily429 is a 429 for a spent daily request limit.
	Daily429
	// Hold keeps the answer back for Fault.For, or until the client goes
	// away.
	Hold
)

var kindNames = map[Kind]string{
	Status503: "503", Reset: "reset", Truncate: "truncate", Locked423: "423", Abort: "abort",
	Throttle429: "429", Daily429: "429-daily", Hold: "hold",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Fault asks the server to fail requests.
type Fault struct {
	Kind Kind
	// N is how many requests fail (0 means 1). A vendor kind counts only
	// requests the server could fail that way (an abort needs an archive).
	N int
	// RetryAfter is a Throttle429's Retry-After (0 means 1s).
	RetryAfter time.Duration
	// For is how long a Hold keeps the answer back.
	For time.Duration
}

// Fixture is one server with its data, fresh from Harness.New. Its cleanup
// is registered with the test that made it.
type Fixture interface {
	// Stream returns a new stream of the fixture's path on store, built as
	// a new gatelog process would build it (a new Source, client and
	// state): calling it again is a restart. The suite calls Resume, and
	// Close when the test ends.
	Stream(t *testing.T, store state.Store) source.Stream
	// Misconfigured returns a stream that the server refuses with code:
	// 401 (bad credentials), 403 (a wrong role or forbidden user) or 400
	// (a bad request: an unsupported cv, a bad parameter), and the hint
	// text its error must hold. ok is false when the path cannot be
	// misconfigured that way.
	Misconfigured(t *testing.T, store state.Store, code int) (st source.Stream, hint string, ok bool)
	// Want returns the ids of every record the server holds for the
	// stream, in delivery order.
	Want(t *testing.T) []string
	// Requests is how many requests the server has seen so far.
	Requests() int
	// Inject makes the next f.N requests fail as f.Kind. ok is false when
	// the vendor or path cannot produce that kind. For Daily429, reset is
	// the instant the server will name as its reset.
	Inject(f Fault) (reset time.Time, ok bool)
	// Garbage switches the server to answer with n items that are not
	// records (a page whose data holds n non-records, an archive of n lines
	// of garbage, an audit body of n non-records), then with nothing new.
	// It returns false when the path has no way to serve garbage.
	Garbage(n int) bool
	// SpoolDir is where the stream keeps temporary files ("" if none).
	SpoolDir() string
	// CloseIdle closes the idle connections of the streams' HTTP client,
	// so that their goroutines end before a leak check.
	CloseIdle()
}

// Harness describes one stream path under test.
type Harness struct {
	// New returns a fresh fixture: a new server holding the same data
	// every time (Want may differ only by the clock).
	New func(t *testing.T) Fixture
	// Store opens a fresh, empty state store; nil means memstate.
	Store func(t *testing.T) state.Store
	// Garbage is the number of bad items the Garbage subtest asks for;
	// 0 skips it. MaxBad is the most bad items one batch may hold.
	Garbage, MaxBad int
	// HeapBound, when set, is how much the live heap may grow while the
	// garbage is drained: below what holding every bad item would take.
	HeapBound uint64
}

// Liveness bounds: they detect a hang, they do not measure speed.
var (
	// cancelBound is how soon Fetch must return once its context is
	// cancelled while the server holds its answer.
	cancelBound = 20 * time.Second
	// holdFor is how long the server holds that answer.
	holdFor = 2 * time.Minute
	// fetchTimeout bounds every other Fetch.
	fetchTimeout = time.Minute
	// restartBound is how long a restarted stream may take to report a
	// throttle it inherited.
	restartBound = 3 * time.Second
)

// Run runs the suite against the stream path h describes. Subtests run in
// parallel; the ones that look at the whole process (goroutines, heap) run
// alone.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("sourcetest: Harness.New is nil")
	}
	if h.Garbage > 0 && h.MaxBad <= 0 {
		t.Fatal("sourcetest: Harness.Garbage needs MaxBad")
	}
	for _, tc := range []struct {
		name string
		f    func(*testing.T, Harness)
	}{
		{"ExactlyOnce", testExactlyOnce},
		{"Resume", testResume},
		{"Cancel", testCancel},
		{"Close", testClose},
		{"Permanent", testPermanent},
		{"Throttle", testThrottle},
		{"Retry", testRetry},
		{"ThrottleSurvivesRestart", testThrottleSurvivesRestart},
		{"Garbage", testGarbage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, h)
		})
	}
}

func (h Harness) store(t *testing.T) state.Store {
	if h.Store != nil {
		return h.Store(t)
	}
	s := memstate.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// whole is held shared by every subtest and exclusively by the ones that
// look at the whole process: no other test starts a goroutine or
// allocates while they measure. Only leaf tests take it, for their whole
// life (the unlock is their first cleanup, so it runs last).
var whole sync.RWMutex

func shared(t *testing.T) {
	whole.RLock()
	t.Cleanup(whole.RUnlock)
}

func alone(t *testing.T) {
	whole.Lock()
	t.Cleanup(whole.Unlock)
}
