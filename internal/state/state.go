// Package state defines the checkpoint store: where each stream's cursor,
// sink positions, request budget and lease live between runs.
package state

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// ErrLeased is returned by Acquire when another owner holds a live lease.
var ErrLeased = errors.New("stream is leased by another gatelog process")

// ErrFenced is returned by Commit, which then changes nothing, when the
// generation it carries (Checkpoint.Generation) is not the stream's current
// lease, or that lease has expired or been released: the committer no longer
// owns the stream, and another owner may already be writing it. Lease.Check
// returns it too. It is final for that generation: retrying cannot succeed.
var ErrFenced = errors.New("fenced: the stream's lease is no longer held by this generation (taken over, expired or released)")

// ErrUnavailable wraps a failure to reach a store shared over the network
// (no connection, a timeout, the server restarting). The change may or may
// not have landed; retrying it is safe, and callers treat it as transient.
var ErrUnavailable = errors.New("the state store could not be reached")

// ErrLocked is returned when opening a store that another process holds.
var ErrLocked = errors.New("state store is locked by another gatelog process")

// ErrDamaged is returned when opening a store whose file exists but cannot
// be trusted (empty, cut short, overwritten, a bad page). Nothing is read
// from or written to such a file: it may still be restored from a backup.
var ErrDamaged = errors.New("state store is damaged")

// Checkpoint is what a stream has durably delivered. It is replaced as a
// whole, atomically, after every sink accepted a batch.
type Checkpoint struct {
	// Cursor is the source's resume position (opaque to the store).
	Cursor []byte `json:"cursor,omitempty"`
	// Sinks holds each sink's position committed together with Cursor, so
	// that a sink can discard what it wrote after this checkpoint.
	Sinks map[string][]byte `json:"sinks,omitempty"`
	// EventTime is the newest delivered event time.
	EventTime time.Time `json:"event_time"`
	// Records counts every record delivered since the stream began.
	Records uint64 `json:"records"`
	// Updated is when this checkpoint was committed.
	Updated time.Time `json:"updated"`

	// Seen records, in the same transaction as the checkpoint, the ids this batch delivered,
	// so that a source re-reading a range can drop them (see Store.Seen).
	Seen []SeenID `json:"-"`
	// PruneSeenBefore forgets marks of records older than this (zero: keep all).
	PruneSeenBefore time.Time `json:"-"`
	// Generation is the lease generation the committer holds (see Lease):
	// Commit fails with ErrFenced unless it is the stream's current one and
	// that lease is live. Zero means no fencing, for callers that hold no
	// lease (gatelog state migrate, tests). Like Seen, it is not stored:
	// Checkpoint returns it zero.
	Generation uint64 `json:"-"`
}

// Lease is a stream's exclusive lease as the store sees it.
type Lease struct {
	// Owner holds the lease; "" when nobody does (never leased, released,
	// reset).
	Owner string
	// Generation is the fencing token. It grows each time ownership passes
	// to an owner (a first Acquire, a new owner, an owner whose lease had
	// expired or been released or reset), and is kept by a renewal of the
	// live lease by its owner. It never goes back, not through Release nor
	// Reset. 0 only for a stream that was never leased.
	Generation uint64
	// Expires is when the lease lapses, by the store's clock (the database's
	// for PostgreSQL, which may differ from this process's); zero when
	// nobody holds it.
	Expires time.Time
	// Live reports whether the lease had an owner and had not expired, by
	// the store's clock, when it was read (Acquire's lease is live).
	Live bool
}

// Check returns nil when l is the live lease of generation, and otherwise
// an error wrapping ErrFenced that says why. Generation 0 means no fencing:
// nil.
func (l Lease) Check(generation uint64) error {
	switch {
	case generation == 0:
		return nil
	case l.Generation != generation:
		if l.Owner == "" {
			return fmt.Errorf("%w: generation %d is not current (the stream is at generation %d, not leased)", ErrFenced, generation, l.Generation)
		}
		return fmt.Errorf("%w: generation %d is not current (the stream is at generation %d, held by %q)", ErrFenced, generation, l.Generation, l.Owner)
	case l.Owner == "":
		return fmt.Errorf("%w: the lease of generation %d was released", ErrFenced, generation)
	case !l.Live:
		return fmt.Errorf("%w: the lease of generation %d expired at %s", ErrFenced, generation, l.Expires.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// SeenID marks one delivered record: its event time (which bounds how long the mark is kept) and its id.
type SeenID struct {
	Time time.Time
	ID   string
}

// Budget is a stream's request ledger against the vendor's daily limit. It
// survives restarts so a restarted gatelog neither overspends nor sends a
// request before a reset the server announced.
type Budget struct {
	Day          string    `json:"day"`           // UTC day Used counts, "2006-01-02"
	Used         int       `json:"used"`          // requests sent on Day
	Limit        int       `json:"limit"`         // server's X-RateLimit-Limit, 0 when unknown
	Remaining    int       `json:"remaining"`     // server's X-RateLimit-Remaining, -1 when unknown
	BlockedUntil time.Time `json:"blocked_until"` // send nothing before this instant
	Reason       string    `json:"reason,omitempty"`
	// Interval and Last pace a customer's requests when the vendor limits
	// their rate (Symantec): the least spacing learned from its 429s, and
	// when the latest request was let through. Kept in the store so that
	// every instance sharing it paces together.
	Interval time.Duration `json:"interval,omitempty"`
	Last     time.Time     `json:"last,omitzero"`
	// The plan of a paced stream (Forcepoint) as of its latest request,
	// for `gatelog state show`, and the page size it learned: Behind is the
	// estimate of records not yet read (-1 unknown), CatchUpAt when it
	// expects to have caught up (zero: caught up, or not at this budget),
	// PaceEvery the wait between its requests, PageSize the records the
	// vendor puts in a full page (0 unknown). All zero: no plan.
	Behind    int64         `json:"behind,omitempty"`
	CatchUpAt time.Time     `json:"catch_up_at,omitzero"`
	PaceEvery time.Duration `json:"pace_every,omitempty"`
	PageSize  int           `json:"page_size,omitempty"`
}

// Instance is a gatelog process that shares the store with others, as its
// heartbeats show.
type Instance struct {
	Owner   string    // as in leases
	Started time.Time // its first heartbeat, by the store's clock
	Expires time.Time // when it counts as gone unless it beats again
}

// Entry is one stream's row in `gatelog state show`.
type Entry struct {
	ID         record.StreamID
	Checkpoint *Checkpoint // nil when the stream has none
	Budget     *Budget     // nil when the stream has none
	LeaseOwner string
	LeaseUntil time.Time
	// LeaseGeneration is the stream's lease generation (0: never leased),
	// shown even when nobody holds it now.
	LeaseGeneration uint64
	// SeenMarks counts the stream's stored seen marks (see Store.Seen). The
	// bolt store counts them from page headers, without reading the keys.
	SeenMarks int
}

// Ledger keeps each stream's request budget: the part of a Store a source
// that counts its requests needs.
type Ledger interface {
	// Budget returns the stream's ledger, zero with Remaining -1 when none.
	Budget(id record.StreamID) (Budget, error)
	// SetBudget replaces the stream's ledger durably.
	SetBudget(id record.StreamID, b Budget) error
	// UpdateBudget reads the stream's ledger (as Budget does), lets fn
	// change it, and stores the result durably, as one atomic step: no
	// other UpdateBudget or SetBudget of the stream, from this process or
	// another sharing the store, lands in between, so several instances
	// counting the same requests never lose a count. When fn fails nothing
	// is stored and its error is returned as is. It returns what was
	// stored.
	UpdateBudget(id record.StreamID, fn func(*Budget) error) (Budget, error)
}

// SeenMarks answers which records a stream already delivered: the part of a
// Store a source that re-reads ranges needs.
type SeenMarks interface {
	// Seen reports, for each key, whether a committed checkpoint of the stream marked it seen
	// (matched by ID within the key's UTC hour: a mark is stored under the hour of its Time).
	// The answer has one element per key, in order; a key before 1970 is
	// never seen. A store with no marks (or a read-only file written before
	// marks existed) answers false for every key.
	Seen(id record.StreamID, keys []SeenID) ([]bool, error)
}

// MarkLister is implemented by stores that can list a stream's seen marks
// (`gatelog state migrate`).
type MarkLister interface {
	// Marks calls fn with each of the stream's marks, by hour; a mark's
	// Time is the start of the UTC hour it is filed under. An error from
	// fn stops the walk and is returned.
	Marks(id record.StreamID, fn func(SeenID) error) error
}

// Store keeps per-stream state durably. Every write method returns only
// after the change is on disk (fsync). Methods are safe for concurrent use.
//
// Lifecycle: open with the implementation's constructor, Close once; Close is
// idempotent. A store opened by one process is not opened by another at the
// same time (ErrLocked), and within it each stream is owned by one lease.
//
// Fencing: a lease alone cannot stop an owner that was paused (GC, SIGSTOP)
// past its expiry from writing once it wakes. So each tenure of a lease has
// a generation (see Lease), and a Commit that carries a generation succeeds
// only while that generation's lease is current and live, judged in the
// same atomic step as the write: a stale owner's checkpoint never lands.
type Store interface {
	Ledger
	SeenMarks
	// Checkpoint returns the stream's last commit; ok is false when it has none.
	Checkpoint(id record.StreamID) (c Checkpoint, ok bool, err error)
	// Commit replaces the stream's checkpoint atomically and durably. In the
	// same atomic transaction it adds a seen mark for each of c.Seen (under
	// the UTC hour of its Time) and, unless c.PruneSeenBefore is zero, drops
	// every mark whose hour is before the UTC hour of c.PruneSeenBefore: after
	// a crash the store holds either the old checkpoint and marks or the new
	// ones, never a mix. Marks are added before pruning, so a mark older than
	// the cutoff is dropped in the commit that adds it. A mark whose Time is
	// before 1970 cannot be stored: Commit then fails and changes nothing.
	// Unless c.Generation is 0, the same transaction checks that it is the
	// stream's current lease generation and that this lease is held and
	// unexpired by the store's clock; otherwise Commit fails with ErrFenced
	// and changes nothing (checkpoint, marks and pruning alike).
	// Seen, PruneSeenBefore and Generation are not part of the stored
	// checkpoint: Checkpoint returns them empty.
	Commit(id record.StreamID, c Checkpoint) error
	// Acquire takes or renews the stream's exclusive lease for ttl, from the
	// store's clock's now, and returns it with its generation and expiry.
	// Taking a lease nobody holds live (never leased, released, reset,
	// expired, even owner's own) starts a new tenure with the next
	// generation; renewing owner's live lease keeps its generation. It fails
	// with ErrLeased while another owner's lease is live.
	Acquire(id record.StreamID, owner string, ttl time.Duration) (Lease, error)
	// Lease returns the stream's lease as it is now, Live judged by the
	// store's clock; a stream never leased has the zero Lease. A read: it
	// works on a read-only store.
	Lease(id record.StreamID) (Lease, error)
	// Release drops the lease if owner holds it (live or expired); otherwise
	// it changes nothing, so a process that lost its lease cannot free the
	// new holder's. The generation stays: the next Acquire bumps it.
	Release(id record.StreamID, owner string) error
	// Leases returns the lease of every stream that has one with an owner
	// (live or expired), Live judged by the store's clock: one read for a
	// scheduler choosing what to claim.
	Leases() (map[record.StreamID]Lease, error)
	// Heartbeat records that owner is alive until ttl from the store
	// clock's now, and returns every live instance, owner included, sorted
	// by Owner. Instances whose heartbeat lapsed are not returned (and may
	// be forgotten).
	Heartbeat(owner string, ttl time.Duration) ([]Instance, error)
	// Leave forgets owner's heartbeat (a clean shutdown), so the others
	// count one instance fewer at once.
	Leave(owner string) error
	// List returns every stream the store knows, sorted by source then stream.
	List() ([]Entry, error)
	// Reset forgets the stream's checkpoint and seen marks (its next run
	// starts afresh and delivers everything it reads) and drops its lease,
	// keeping the lease generation (never lowered: a Commit of the dropped
	// lease's generation is fenced).
	// The budget is kept: the vendor still counts the requests made today.
	Reset(id record.StreamID) error
	Close() error
}
