package bolt

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// lease is the stored form of a stream's exclusive lease. Owner is "" and
// Until zero while nobody holds it (released, reset, or left by a process
// that died): the value stays, so that Generation never goes back. A lease
// written before generations existed reads as generation 0.
type lease struct {
	Owner      string    `json:"owner"`
	Until      time.Time `json:"until"`
	Generation uint64    `json:"generation,omitempty"`
}

// live reports whether the lease is held and unexpired at now.
func (l lease) live(now time.Time) bool { return l.Owner != "" && now.Before(l.Until) }

func (l lease) public(now time.Time) state.Lease {
	return state.Lease{Owner: l.Owner, Generation: l.Generation, Expires: l.Until, Live: l.live(now)}
}

// readLease reads the stream's lease in tx; the zero lease when none.
func readLease(tx *bbolt.Tx, id record.StreamID) (lease, error) {
	var l lease
	_, err := getJSON(tx, bucketLeases, id, &l)
	return l, err
}

// dropLease forgets the lease's holder and keeps its generation.
func dropLease(tx *bbolt.Tx, id record.StreamID) error {
	l, err := readLease(tx, id)
	if err != nil || l.Owner == "" {
		return err
	}
	return putJSON(tx, bucketLeases, id, lease{Generation: l.Generation})
}

// Checkpoint returns the stream's last commit; ok is false when it has none.
func (s *Store) Checkpoint(id record.StreamID) (c state.Checkpoint, ok bool, err error) {
	err = s.view("read checkpoint", id, func(tx *bbolt.Tx) error {
		ok, err = getJSON(tx, bucketCheckpoints, id, &c)
		return err
	})
	return c, ok, err
}

// Commit replaces the stream's checkpoint, adds its seen marks and prunes
// old ones, all in one fsynced transaction: if any step fails, none of them
// is written. The fence (c.Generation against the lease) is checked in the
// same transaction, before anything is written. A zero Updated is stamped
// with the store's clock so `state show` always has one.
func (s *Store) Commit(id record.StreamID, c state.Checkpoint) error {
	if c.Updated.IsZero() {
		c.Updated = s.now().UTC()
	}
	return s.update("commit checkpoint", id, func(tx *bbolt.Tx) error {
		if c.Generation != 0 {
			l, err := readLease(tx, id)
			if err != nil {
				return err
			}
			if err := l.public(s.now()).Check(c.Generation); err != nil {
				return err
			}
		}
		if err := putJSON(tx, bucketCheckpoints, id, c); err != nil { // Seen, PruneSeenBefore and Generation are json:"-"
			return err
		}
		if err := putSeen(tx, id, c.Seen); err != nil {
			return err
		}
		return pruneSeen(tx, id, c.PruneSeenBefore)
	})
}

// Budget returns the stream's ledger, or a zero one with Remaining -1
// (unknown) when the stream has none.
func (s *Store) Budget(id record.StreamID) (b state.Budget, err error) {
	var ok bool
	err = s.view("read budget", id, func(tx *bbolt.Tx) error {
		ok, err = getJSON(tx, bucketBudgets, id, &b)
		return err
	})
	if err != nil || !ok {
		return state.Budget{Remaining: -1}, err
	}
	return b, nil
}

// SetBudget replaces the stream's ledger in one fsynced transaction.
func (s *Store) SetBudget(id record.StreamID, b state.Budget) error {
	return s.update("save budget", id, func(tx *bbolt.Tx) error {
		return putJSON(tx, bucketBudgets, id, b)
	})
}

// UpdateBudget reads, changes and writes the ledger in one fsynced write
// transaction: bbolt runs one at a time.
func (s *Store) UpdateBudget(id record.StreamID, fn func(*state.Budget) error) (state.Budget, error) {
	var b state.Budget
	err := s.update("update budget", id, func(tx *bbolt.Tx) error {
		b = state.Budget{Remaining: -1}
		if _, err := getJSON(tx, bucketBudgets, id, &b); err != nil {
			return err
		}
		if err := fn(&b); err != nil {
			return errFn{err}
		}
		return putJSON(tx, bucketBudgets, id, b)
	})
	var fe errFn
	if errors.As(err, &fe) {
		return state.Budget{}, fe.error
	}
	if err != nil {
		return state.Budget{}, err
	}
	return b, nil
}

// errFn carries a caller's error out of a transaction unwrapped.
type errFn struct{ error }

// Leases returns every lease with an owner, from one snapshot.
func (s *Store) Leases() (map[record.StreamID]state.Lease, error) {
	out := map[record.StreamID]state.Lease{}
	now := s.now()
	err := s.db.View(func(tx *bbolt.Tx) error {
		return eachLease(tx, func(id record.StreamID, l lease) {
			if l.Owner != "" {
				out[id] = l.public(now)
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read leases in %s: %w", s.path, err)
	}
	return out, nil
}

// Acquire takes or renews the lease. Reading and writing it in one write
// transaction makes the check-and-set atomic against concurrent callers. A
// renewal of owner's live lease keeps its generation; any other take bumps
// it.
func (s *Store) Acquire(id record.StreamID, owner string, ttl time.Duration) (state.Lease, error) {
	if owner == "" || ttl <= 0 {
		return state.Lease{}, fmt.Errorf("acquire lease %s: need an owner and a positive ttl (got %q, %s)", id, owner, ttl)
	}
	var got state.Lease
	err := s.update("acquire lease", id, func(tx *bbolt.Tx) error {
		now := s.now()
		cur, err := readLease(tx, id)
		if err != nil {
			return err
		}
		if cur.live(now) && cur.Owner != owner {
			return fmt.Errorf("%w: held by %q until %s", state.ErrLeased, cur.Owner, cur.Until.UTC().Format(time.RFC3339))
		}
		next := lease{Owner: owner, Until: now.Add(ttl).UTC(), Generation: cur.Generation}
		if !cur.live(now) || next.Generation == 0 {
			next.Generation++ // a new tenure
		}
		got = next.public(now)
		return putJSON(tx, bucketLeases, id, next)
	})
	if err != nil {
		return state.Lease{}, err
	}
	return got, nil
}

// Lease returns the stream's lease, Live by the store's clock.
func (s *Store) Lease(id record.StreamID) (state.Lease, error) {
	var l lease
	err := s.view("read lease", id, func(tx *bbolt.Tx) (err error) {
		l, err = readLease(tx, id)
		return err
	})
	if err != nil {
		return state.Lease{}, err
	}
	return l.public(s.now()), nil
}

// Release drops the lease if owner holds it; otherwise it changes nothing,
// so a process that lost its lease cannot free the new holder's. The
// generation is kept.
func (s *Store) Release(id record.StreamID, owner string) error {
	return s.update("release lease", id, func(tx *bbolt.Tx) error {
		cur, err := readLease(tx, id)
		if err != nil || cur.Owner == "" || cur.Owner != owner {
			return err
		}
		return dropLease(tx, id)
	})
}

// Reset forgets the stream's checkpoint, seen marks and lease holder but
// keeps its budget (the vendor still counts the requests made today) and
// its lease generation.
func (s *Store) Reset(id record.StreamID) error {
	return s.update("reset", id, func(tx *bbolt.Tx) error {
		if err := del(tx, bucketCheckpoints, id); err != nil {
			return err
		}
		if err := deleteSeen(tx, id); err != nil {
			return err
		}
		return dropLease(tx, id)
	})
}

// List returns every stream with a checkpoint, budget, lease or seen marks,
// sorted by source then stream, read from one consistent snapshot.
func (s *Store) List() ([]state.Entry, error) {
	entries := map[record.StreamID]*state.Entry{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return collect(tx, entries)
	})
	if err != nil {
		return nil, fmt.Errorf("list state store %s: %w", s.path, err)
	}
	out := make([]state.Entry, 0, len(entries))
	for _, e := range entries {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].ID, out[j].ID
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Stream < b.Stream
	})
	return out, nil
}

// collect fills entries from the per-concern buckets.
func collect(tx *bbolt.Tx, entries map[record.StreamID]*state.Entry) error {
	fill := map[string]func(*state.Entry, []byte) error{
		string(bucketCheckpoints): func(e *state.Entry, raw []byte) error {
			e.Checkpoint = new(state.Checkpoint)
			return decode(raw, e.Checkpoint)
		},
		string(bucketBudgets): func(e *state.Entry, raw []byte) error {
			e.Budget = new(state.Budget)
			return decode(raw, e.Budget)
		},
	}
	for name, f := range fill {
		if err := collectBucket(tx, []byte(name), entries, f); err != nil {
			return err
		}
	}
	if err := collectLeases(tx, entries); err != nil {
		return err
	}
	return collectSeen(tx, entries)
}

// collectLeases fills in the held leases: a lease nobody holds (kept for
// its generation) lists nothing.
func collectLeases(tx *bbolt.Tx, entries map[record.StreamID]*state.Entry) error {
	return eachLease(tx, func(id record.StreamID, l lease) {
		e := entries[id]
		if l.Owner == "" { // kept for its generation: listed only beside the rest
			if e != nil {
				e.LeaseGeneration = l.Generation
			}
			return
		}
		if e == nil {
			e = &state.Entry{ID: id}
			entries[id] = e
		}
		e.LeaseOwner, e.LeaseUntil, e.LeaseGeneration = l.Owner, l.Until, l.Generation
	})
}

// eachLease calls fn with every stored lease.
func eachLease(tx *bbolt.Tx, fn func(record.StreamID, lease)) error {
	b := tx.Bucket(bucketLeases)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		id, err := parseStreamKey(k)
		if err != nil {
			return fmt.Errorf("%s: %w", bucketLeases, err)
		}
		var l lease
		if err := decode(v, &l); err != nil {
			return fmt.Errorf("%s %s: %w", bucketLeases, id, err)
		}
		fn(id, l)
		return nil
	})
}

// collectBucket applies f to the entry of every key in one bucket.
func collectBucket(tx *bbolt.Tx, name []byte, entries map[record.StreamID]*state.Entry, f func(*state.Entry, []byte) error) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		id, err := parseStreamKey(k)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		e := entries[id]
		if e == nil {
			e = &state.Entry{ID: id}
			entries[id] = e
		}
		if err := f(e, v); err != nil {
			return fmt.Errorf("%s %s: %w", name, id, err)
		}
		return nil
	})
}
