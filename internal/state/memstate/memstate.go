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

type lease struct {
	owner string
	until time.Time
}

// Store keeps everything in maps guarded by one mutex.
type Store struct {
	mu          sync.Mutex
	checkpoints map[record.StreamID]state.Checkpoint
	budgets     map[record.StreamID]state.Budget
	leases      map[record.StreamID]lease
	Now         func() time.Time
}

var _ state.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		checkpoints: map[record.StreamID]state.Checkpoint{},
		budgets:     map[record.StreamID]state.Budget{},
		leases:      map[record.StreamID]lease{},
		Now:         time.Now,
	}
}

func (s *Store) Checkpoint(id record.StreamID) (state.Checkpoint, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.checkpoints[id]
	c.Sinks = maps.Clone(c.Sinks)
	return c, ok, nil
}

func (s *Store) Commit(id record.StreamID, c state.Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Sinks = maps.Clone(c.Sinks)
	s.checkpoints[id] = c
	return nil
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

func (s *Store) Acquire(id record.StreamID, owner string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	if l, ok := s.leases[id]; ok && l.owner != owner && now.Before(l.until) {
		return fmt.Errorf("%s: %w (%s, until %s)", id, state.ErrLeased, l.owner, l.until.UTC().Format(time.RFC3339))
	}
	s.leases[id] = lease{owner: owner, until: now.Add(ttl)}
	return nil
}

func (s *Store) Release(id record.StreamID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[id]; ok && l.owner == owner {
		delete(s.leases, id)
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
	for id := range s.leases {
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
		if l, ok := s.leases[id]; ok {
			e.LeaseOwner, e.LeaseUntil = l.owner, l.until
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
	delete(s.leases, id)
	return nil
}

func (s *Store) Close() error { return nil }
