package bolt

import (
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// lease is the stored form of a stream's exclusive lease.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
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
// is written. A zero Updated is stamped with the store's clock so
// `state show` always has one.
func (s *Store) Commit(id record.StreamID, c state.Checkpoint) error {
	if c.Updated.IsZero() {
		c.Updated = s.now().UTC()
	}
	return s.update("commit checkpoint", id, func(tx *bbolt.Tx) error {
		if err := putJSON(tx, bucketCheckpoints, id, c); err != nil { // Seen and PruneSeenBefore are json:"-"
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

// Acquire takes or renews the lease. Reading and writing it in one write
// transaction makes the check-and-set atomic against concurrent callers.
func (s *Store) Acquire(id record.StreamID, owner string, ttl time.Duration) error {
	if owner == "" || ttl <= 0 {
		return fmt.Errorf("acquire lease %s: need an owner and a positive ttl (got %q, %s)", id, owner, ttl)
	}
	return s.update("acquire lease", id, func(tx *bbolt.Tx) error {
		now := s.now()
		var cur lease
		ok, err := getJSON(tx, bucketLeases, id, &cur)
		if err != nil {
			return err
		}
		if ok && cur.Owner != owner && now.Before(cur.Until) {
			return fmt.Errorf("%w: held by %q until %s", state.ErrLeased, cur.Owner, cur.Until.UTC().Format(time.RFC3339))
		}
		return putJSON(tx, bucketLeases, id, lease{Owner: owner, Until: now.Add(ttl).UTC()})
	})
}

// Release drops the lease if owner holds it; otherwise it changes nothing,
// so a process that lost its lease cannot free the new holder's.
func (s *Store) Release(id record.StreamID, owner string) error {
	return s.update("release lease", id, func(tx *bbolt.Tx) error {
		var cur lease
		ok, err := getJSON(tx, bucketLeases, id, &cur)
		if err != nil || !ok || cur.Owner != owner {
			return err
		}
		return del(tx, bucketLeases, id)
	})
}

// Reset forgets the stream's checkpoint, seen marks and lease but keeps its
// budget: the vendor still counts the requests made today.
func (s *Store) Reset(id record.StreamID) error {
	return s.update("reset", id, func(tx *bbolt.Tx) error {
		if err := del(tx, bucketCheckpoints, id); err != nil {
			return err
		}
		if err := deleteSeen(tx, id); err != nil {
			return err
		}
		return del(tx, bucketLeases, id)
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
		string(bucketLeases): func(e *state.Entry, raw []byte) error {
			var l lease
			err := decode(raw, &l)
			e.LeaseOwner, e.LeaseUntil = l.Owner, l.Until
			return err
		},
	}
	for name, f := range fill {
		if err := collectBucket(tx, []byte(name), entries, f); err != nil {
			return err
		}
	}
	return collectSeen(tx, entries)
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
