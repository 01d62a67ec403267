package state

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Heartbeats is the instance table of a store that only one process opens
// (bolt holds its file locked; memstate lives in memory): it need not
// outlive the process, so it is kept in memory. The zero value is ready;
// Now, when set, is its clock.
type Heartbeats struct {
	Now func() time.Time

	mu        sync.Mutex
	instances map[string]Instance
}

func (h *Heartbeats) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Heartbeat implements Store.Heartbeat.
func (h *Heartbeats) Heartbeat(owner string, ttl time.Duration) ([]Instance, error) {
	if owner == "" || ttl <= 0 {
		return nil, fmt.Errorf("heartbeat: need an owner and a positive ttl (got %q, %s)", owner, ttl)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if h.instances == nil {
		h.instances = map[string]Instance{}
	}
	in, ok := h.instances[owner]
	if !ok || !now.Before(in.Expires) {
		in = Instance{Owner: owner, Started: now}
	}
	in.Expires = now.Add(ttl)
	h.instances[owner] = in
	var live []Instance
	for o, in := range h.instances {
		if now.Before(in.Expires) {
			live = append(live, in)
		} else {
			delete(h.instances, o)
		}
	}
	slices.SortFunc(live, func(a, b Instance) int { return strings.Compare(a.Owner, b.Owner) })
	return live, nil
}

// Leave implements Store.Leave.
func (h *Heartbeats) Leave(owner string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.instances, owner)
	return nil
}
