// Package source defines how gatelog pulls logs from a vendor API.
// Implementations live in sub-packages, one per vendor API.
package source

import (
	"context"
	"time"

	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
)

// Source is one configured vendor account with one stream per log type.
type Source interface {
	Name() string
	Vendor() string
	Streams() []Stream
}

// Stream pulls one log type in order.
//
// Lifecycle: the pipeline calls Resume once with the cursor of the stream's
// last committed checkpoint (nil when it has none), then Fetch repeatedly
// from one goroutine, and Close once when the stream's run ends, on every
// exit path. Each batch carries the cursor that is committed once its
// records are delivered; the stream advances its in-memory cursor when it
// returns a batch. A batch that fails delivery is kept by the pipeline and
// delivered again (never fetched again), so the stream is not rewound.
// Resume may be called again after Close only by a new run.
//
// Errors from Fetch follow errclass: permanent stops the stream, throttled
// waits until the given instant, anything else is retried with backoff. A
// stream retries transient HTTP failures itself (retry.Do, which reports
// each retry to the observer in the context), within its request budget; an
// error it returns has already used up those retries. Errors carry an
// errclass reason.
//
// Fetch returns promptly once its context ends. Close stops any work the
// stream started in the background (an archive being read), waits for it,
// and removes its temporary files; it is safe to call twice.
type Stream interface {
	ID() record.StreamID
	// Resume positions the stream at cursor. ctx bounds the whole run:
	// background work the stream starts later stops when it ends.
	Resume(ctx context.Context, cursor []byte) error
	// Fetch returns the next batch. A batch with CaughtUp set means the
	// vendor has nothing newer now: wait PollInterval before the next Fetch
	// (or what a Paced stream asks).
	Fetch(ctx context.Context) (*Batch, error)
	PollInterval() time.Duration
	// Close releases what the stream holds.
	Close() error
}

// Batch is one page of records, ready for delivery.
type Batch struct {
	Records []record.Record
	// Bad holds vendor data that could not be made into records. It is
	// quarantined with its context, never dropped silently.
	Bad []Quarantined
	// Cursor is committed once Records are delivered.
	Cursor []byte
	// CaughtUp is set when the vendor has no newer data at the moment.
	CaughtUp bool
	// Requests and Bytes count what fetching this batch cost (for metrics
	// and progress).
	Requests int
	Bytes    int64
	// MarkSeen asks the pipeline to record each record's (time, id) as
	// seen, atomically with the checkpoint, for a stream that may have to
	// re-read a range and drop what it delivered (state.Store.Seen).
	MarkSeen bool
	// PruneSeenBefore forgets seen marks of records older than this.
	PruneSeenBefore time.Time
}

// Quarantined is a piece of vendor data that failed to parse: the
// quarantine's own item, which sources fill and the pipeline hands on.
type Quarantined = quarantine.Item

// Budget is a stream's request budget for the day, as the status page and
// metrics show it.
type Budget struct {
	Used  int // requests spent today
	Limit int // the day's limit (daily_request_budget)
	// Remaining is what may still be sent: Limit-Used, or less when the
	// server says so.
	Remaining int
	Reset     time.Time // when requests may be sent again in full
	// Plan is how a Paced stream means to spend what is left; zero when
	// the stream has none (not paced, or no page read yet).
	Plan Plan
}

// Plan is a paced stream's plan for its requests, as the status page,
// /metrics and `gatelog state show` show it.
type Plan struct {
	// Behind is the estimate of records the vendor holds that the stream
	// has not read: 0 when caught up, -1 when unknown.
	Behind int64
	// CatchUpAt is when the stream expects to have caught up at this pace,
	// after CatchUpRequests more requests. Both are zero when it is caught
	// up, and when the budget does not let it catch up within the plan's
	// horizon (Behind > 0: it falls further behind).
	CatchUpAt       time.Time
	CatchUpRequests int
	// Every is the wait between requests now (0: one right after the
	// other), Next when the next request goes (zero when not known, as
	// for a plan read back from the state store).
	Every time.Duration
	Next  time.Time
	// BudgetBound is set when the request budget, not the data, sets
	// Every: the budget is spread over what is left of its day.
	BudgetBound bool
}

// IsZero reports whether there is no plan.
func (p Plan) IsZero() bool { return p == Plan{} }

// Paced is a Stream that chooses when its next request goes.
//
// Contract: after each batch the pipeline has delivered (and committed,
// before any wait), it waits Pace() before the next Fetch: instead of PollInterval when the
// batch was caught up, and instead of fetching at once when it was not.
// 0 means at once. The wait ends early when the run stops or the stream
// is handed over. Pace is called from the goroutine that calls Fetch. A
// run with Once (catch up, then exit) does not wait: it fetches until
// caught up, as for any stream.
type Paced interface {
	Pace() time.Duration
}

// Budgeted is a Stream with a daily request budget. Budget reads the
// ledger as committed; it is safe to call from any goroutine.
type Budgeted interface {
	Budget() (Budget, error)
}
