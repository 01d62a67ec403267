package pipeline

import (
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
)

// EventKind says what happened to a stream.
type EventKind int

const (
	EventStarted   EventKind = iota // the stream holds its lease and is positioned
	EventDelivered                  // batches were delivered and committed (Batches of them)
	EventCaughtUp                   // nothing newer for now
	EventWaiting                    // throttled until Event.Until
	EventRetrying                   // a fetch or delivery failed; retrying with backoff
	EventRetry                      // a request failed inside a fetch and the stream retries it
	EventFailed                     // stopped by a permanent error, or one sink route stopped
	EventElsewhere                  // the stream is another instance's (Owner; "" when nobody's now)

	// Sink events name Event.Sink. Every EventSinkQueued is followed by one
	// EventSinkWritten, so queued minus written is the sink's queue depth.
	EventSinkQueued   // a batch waits for, or is in, a write to the sink
	EventSinkRetrying // a write failed (Err) and is retried on this sink alone
	EventSinkWritten  // the write ended: Records accepted, or Err
)

// Event is a report from a running stream, for progress, metrics and the
// status page. It carries no credential: errors are already redacted.
type Event struct {
	ID        record.StreamID
	Kind      EventKind
	Records   int       // delivered in these batches, or written to Sink
	Batches   int       // EventDelivered: the batches one commit covered
	Bad       int       // quarantined in this batch
	Requests  int       // requests this batch cost
	Bytes     int64     // response bytes this batch cost
	EventTime time.Time // newest delivered event time so far
	Until     time.Time // EventWaiting: when requests resume
	// Budget is the stream's request budget after the event; nil when the
	// stream has none (source.Budgeted) or on sink events.
	Budget *source.Budget
	Sink   string // sink events: the sink's name
	// Reason labels the failure of EventRetry, EventRetrying and
	// EventWaiting (errclass reasons: "503", "429_throttle", "reset", ...).
	Reason string
	Err    error
	// Owner and Generation name the stream's lease holder: this instance on
	// EventStarted, another (or nobody) on EventElsewhere.
	Owner      string
	Generation uint64
}

func sortResults(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int {
		if c := strings.Compare(a.ID.Source, b.ID.Source); c != 0 {
			return c
		}
		return strings.Compare(a.ID.Stream, b.ID.Stream)
	})
}
