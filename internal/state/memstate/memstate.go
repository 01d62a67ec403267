// Package memstate is a state.Store that lives in memory: for ad-hoc
// commands that keep no checkpoint, and for tests.
package memstate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// lease is a stream's lease; owner is "" (and until zero) while nobody
// holds it. The entry stays, so that generation never goes back.
type lease struct {
	owner      string
	until      time.Time
	generation uint64
}

// live reports whether the lease is held and unexpired at now.
func (l lease) live(now time.Time) bool { return l.owner != "" && now.Before(l.until) }

func (l lease) public(now time.Time) state.Lease {
	return state.Lease{Owner: l.owner, Generation: l.generation, Expires: l.until, Live: l.live(now)}
}

// Store keeps everything in maps guarded by one mutex.
type Store struct {
	mu          sync.Mutex
	checkpoints map[record.StreamID]state.Checkpoint
	budgets     map[record.StreamID]state.Budget
	leases      map[record.StreamID]lease
	// seen holds each stream's marks: Unix hour (UTC) -> set of ids. Empty
	// hours and streams are removed, so len counts what is stored.
	seen map[record.StreamID]map[int64]map[string]struct{}
	Now  func() time.Time
	// Heartbeats lets several runs in one process share the store as
	// instances (tests of the scheduler); it keeps time by Now.
	state.Heartbeats
}

var _ state.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	s := &Store{
		checkpoints: map[record.StreamID]state.Checkpoint{},
		budgets:     map[record.StreamID]state.Budget{},
		leases:      map[record.StreamID]lease{},
		seen:        map[record.StreamID]map[int64]map[string]struct{}{},
		Now:         time.Now,
	}
	s.Heartbeats.Now = func() time.Time { return s.Now() }
	return s
}

func (s *Store) Checkpoint(id record.StreamID) (state.Checkpoint, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.checkpoints[id]
	c.Sinks = maps.Clone(c.Sinks)
	return c, ok, nil
}

// Commit stores the checkpoint, adds its seen marks and prunes old ones as
// one step: a mark it cannot store (before 1970), or a fenced generation,
// fails it before anything changes, as the bolt store's transaction would
// roll back.
func (s *Store) Commit(id record.StreamID, c state.Checkpoint) error {
	for _, m := range c.Seen {
		if _, ok := seenHour(m.Time); !ok {
			return fmt.Errorf("commit checkpoint %s: seen mark %.64q: time %s is before 1970 and cannot be stored", id, m.ID, m.Time.UTC().Format(time.RFC3339))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.leases[id].public(s.Now()).Check(c.Generation); err != nil {
		return fmt.Errorf("commit checkpoint %s: %w", id, err)
	}
	marks, prune := c.Seen, c.PruneSeenBefore
	c.Seen, c.PruneSeenBefore, c.Generation = nil, time.Time{}, 0 // not part of the stored checkpoint
	c.Sinks = maps.Clone(c.Sinks)
	s.checkpoints[id] = c
	hours := s.seen[id]
	if hours == nil && len(marks) > 0 {
		hours = map[int64]map[string]struct{}{}
		s.seen[id] = hours
	}
	for _, m := range marks {
		h, _ := seenHour(m.Time)
		ids := hours[h]
		if ids == nil {
			ids = map[string]struct{}{}
			hours[h] = ids
		}
		ids[m.ID] = struct{}{}
	}
	if cutoff, ok := seenHour(prune); ok && !prune.IsZero() {
		for h := range hours {
			if h < cutoff {
				delete(hours, h)
			}
		}
	}
	if hours != nil && len(hours) == 0 {
		delete(s.seen, id)
	}
	return nil
}

// Seen reports whether each key's UTC hour holds its id. A key before 1970
// is never seen.
func (s *Store) Seen(id record.StreamID, keys []state.SeenID) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]bool, len(keys))
	hours := s.seen[id]
	for i, k := range keys {
		if h, ok := seenHour(k.Time); ok {
			_, out[i] = hours[h][k.ID]
		}
	}
	return out, nil
}

// seenHour is the Unix hour (UTC) a mark with time t is filed under; ok is
// false before 1970, where the bolt store cannot file one.
func seenHour(t time.Time) (hour int64, ok bool) {
	sec := t.Unix()
	return sec / 3600, sec >= 0
}

func (s *Store) Budget(id record.StreamID) (state.Budget, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.budgets[id]
	if !ok {
		b.Remaining = -1
	}
	return b, nil
}

func (s *Store) SetBudget(id record.StreamID, b state.Budget) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budgets[id] = b
	return nil
}

// UpdateBudget changes the ledger under the store's lock.
func (s *Store) UpdateBudget(id record.StreamID, fn func(*state.Budget) error) (state.Budget, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.budgets[id]
	if !ok {
		b.Remaining = -1
	}
	if err := fn(&b); err != nil {
		return state.Budget{}, err
	}
	s.budgets[id] = b
	return b, nil
}

// Leases returns every lease with an owner.
func (s *Store) Leases() (map[record.StreamID]state.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	out := map[record.StreamID]state.Lease{}
	for id, l := range s.leases {
		if l.owner != "" {
			out[id] = l.public(now)
		}
	}
	return out, nil
}

// Acquire takes or renews the lease: a renewal of owner's live lease keeps
// its generation, any other take bumps it.
func (s *Store) Acquire(id record.StreamID, owner string, ttl time.Duration) (state.Lease, error) {
	if owner == "" || ttl <= 0 {
		return state.Lease{}, fmt.Errorf("acquire lease %s: need an owner and a positive ttl (got %q, %s)", id, owner, ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	l := s.leases[id]
	if l.live(now) && l.owner != owner {
		return state.Lease{}, fmt.Errorf("%s: %w (%s, until %s)", id, state.ErrLeased, l.owner, l.until.UTC().Format(time.RFC3339))
	}
	if !l.live(now) || l.generation == 0 {
		l.generation++ // a new tenure
	}
	l.owner, l.until = owner, now.Add(ttl)
	s.leases[id] = l
	return l.public(now), nil
}

// Lease returns the stream's lease, Live by the store's clock.
func (s *Store) Lease(id record.StreamID) (state.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leases[id].public(s.Now()), nil
}

// Release drops owner's lease, keeping its generation.
func (s *Store) Release(id record.StreamID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[id]; ok && l.owner != "" && l.owner == owner {
		s.leases[id] = lease{generation: l.generation}
	}
	return nil
}

func (s *Store) List() ([]state.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := map[record.StreamID]bool{}
	for id := range s.checkpoints {
		ids[id] = true
	}
	for id := range s.budgets {
		ids[id] = true
	}
	for id, l := range s.leases {
		if l.owner != "" {
			ids[id] = true
		}
	}
	for id := range s.seen {
		ids[id] = true
	}
	var out []state.Entry
	for id := range ids {
		e := state.Entry{ID: id}
		if c, ok := s.checkpoints[id]; ok {
			e.Checkpoint = &c
		}
		if b, ok := s.budgets[id]; ok {
			e.Budget = &b
		}
		if l := s.leases[id]; l.owner != "" {
			e.LeaseOwner, e.LeaseUntil = l.owner, l.until
		}
		e.LeaseGeneration = s.leases[id].generation
		for _, set := range s.seen[id] {
			e.SeenMarks += len(set)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b state.Entry) int {
		return strings.Compare(a.ID.Source+"\x00"+a.ID.Stream, b.ID.Source+"\x00"+b.ID.Stream)
	})
	return out, nil
}

func (s *Store) Reset(id record.StreamID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.checkpoints, id)
	delete(s.seen, id)
	if l, ok := s.leases[id]; ok {
		s.leases[id] = lease{generation: l.generation} // the generation never goes back
	}
	return nil
}

func (s *Store) Close() error { return nil }
