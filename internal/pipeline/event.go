package pipeline

import (
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// EventKind says what happened to a stream.
type EventKind int

const (
	EventDelivered EventKind = iota // a batch was delivered and committed
	EventCaughtUp                   // nothing newer for now
	EventWaiting                    // throttled until Event.Until
	EventRetrying                   // a transient failure; retrying
	EventFailed                     // stopped by a permanent error
)

// Event is a report from a running stream, for progress and metrics.
type Event struct {
	ID        record.StreamID
	Kind      EventKind
	Records   int       // delivered in this batch
	Bad       int       // quarantined in this batch
	Requests  int       // requests this batch cost
	Bytes     int64     // response bytes this batch cost
	EventTime time.Time // newest delivered event time so far
	Until     time.Time // EventWaiting: when requests resume
	Err       error
}

func sortResults(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int {
		if c := strings.Compare(a.ID.Source, b.ID.Source); c != 0 {
			return c
		}
		return strings.Compare(a.ID.Stream, b.ID.Stream)
	})
}
