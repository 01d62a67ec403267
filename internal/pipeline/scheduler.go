package pipeline

import (
	"context"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// A daemon run shares the streams with every other instance on its store.
// Each instance heartbeats in the store every ClaimEvery and, from the
// live instances and the leases, keeps its fair share, ceil(streams /
// instances): it claims streams whose lease nobody holds live (never
// leased, released, or left to lapse by an instance that died) and, when
// it holds more than its share because another joined, hands the surplus
// back at a batch boundary. Which streams an instance prefers is a hash of
// its name and the stream's, so instances reach for different streams
// first. The lease (lease.go) is what makes a stream exclusive: a claim
// that loses a race to another instance is not a failure, the stream is
// simply someone else's.

// unit is one configured stream.
type unit struct {
	vendor string
	st     source.Stream
	o      Options // with the sinks its source is routed to
	rank   uint64  // this instance's preference for it
}

func (u *unit) id() record.StreamID { return u.st.ID() }

// claim is a stream this instance runs now.
type claim struct {
	yield context.CancelFunc // asks the runner to hand the stream back
	order int                // when it was claimed, for yielding the newest first
}

// finished is a runner's end.
type finished struct {
	u     *unit
	res   Result
	stops []string
}

type scheduler struct {
	o       Options
	units   []*unit
	byID    map[record.StreamID]*unit
	claims  map[record.StreamID]*claim
	done    chan finished
	wg      sync.WaitGroup
	claimed int // claims made, for ordering
	// results merges every run of a stream here; a stream that failed
	// for good is not claimed again by this instance.
	results map[record.StreamID]*Result
	failed  map[record.StreamID]bool
	owners  map[record.StreamID]string // last owner told to the observer
	healthy bool                       // the last heartbeat succeeded
}

func schedule(ctx context.Context, units []*unit, o Options) []Result {
	s := &scheduler{o: o, units: units, byID: map[record.StreamID]*unit{}, claims: map[record.StreamID]*claim{},
		done: make(chan finished), results: map[record.StreamID]*Result{}, failed: map[record.StreamID]bool{},
		owners: map[record.StreamID]string{}, healthy: true}
	for _, u := range units {
		u.rank = preference(o.Owner, u.id())
		s.byID[u.id()] = u
	}
	tick := time.NewTicker(o.ClaimEvery)
	defer tick.Stop()
	s.rebalance(ctx)
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case f := <-s.done:
			s.finish(f)
		case <-tick.C:
			s.rebalance(ctx)
		}
	}
	for len(s.claims) > 0 {
		s.finish(<-s.done)
	}
	s.wg.Wait()
	if err := o.Store.Leave(o.Owner); err != nil {
		o.Logger.Warn("could not sign off from the state store; the others notice when the heartbeat lapses", "owner", o.Owner, "error", err.Error())
	}
	return s.collect()
}

// preference ranks a stream for an owner: a hash of both names.
func preference(owner string, id record.StreamID) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(owner + "\x00" + id.Source + "\x00" + id.Stream))
	return h.Sum64()
}

// rebalance heartbeats and brings this instance to its share. When the
// store cannot be reached it changes nothing: running streams go on under
// their own leases (which stop them if the store stays away).
func (s *scheduler) rebalance(ctx context.Context) {
	live, err := s.o.Store.Heartbeat(s.o.Owner, s.o.leaseHold())
	if err == nil {
		var leases map[record.StreamID]state.Lease
		if leases, err = s.o.Store.Leases(); err == nil {
			s.healthy = true
			s.tellOwners(leases)
			s.keepShare(ctx, fairShare(len(s.units), len(live)), leases)
			return
		}
	}
	if s.healthy {
		s.o.Logger.Warn("cannot reach the state store to share the streams; running streams go on while their leases hold",
			"owner", s.o.Owner, "error", err.Error())
	}
	s.healthy = false
}

// fairShare is ceil(streams / instances); an instance counts itself even
// before its heartbeat shows.
func fairShare(streams, instances int) int {
	instances = max(instances, 1)
	return (streams + instances - 1) / instances
}

func (s *scheduler) keepShare(ctx context.Context, share int, leases map[record.StreamID]state.Lease) {
	kept := s.kept()
	if surplus := kept - share; surplus > 0 {
		s.yieldNewest(surplus)
		return
	}
	free := make([]*unit, 0, len(s.units))
	for _, u := range s.units {
		id := u.id()
		l, held := leases[id]
		if s.claims[id] != nil || s.failed[id] || held && l.Live && l.Owner != s.o.Owner {
			continue
		}
		free = append(free, u)
	}
	slices.SortFunc(free, func(a, b *unit) int { return cmpRank(b.rank, a.rank) })
	for _, u := range free[:min(len(free), share-kept)] {
		s.start(ctx, u)
	}
}

// kept counts the claims not asked to yield: a stream handing over still
// holds its lease until its batch ends, but no longer counts to the share.
func (s *scheduler) kept() int {
	n := 0
	for _, c := range s.claims {
		if c.yield != nil {
			n++
		}
	}
	return n
}

func cmpRank(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// yieldNewest asks the n most recently claimed streams to hand back.
func (s *scheduler) yieldNewest(n int) {
	ids := make([]record.StreamID, 0, len(s.claims))
	for id, c := range s.claims {
		if c.yield != nil {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b record.StreamID) int { return s.claims[b].order - s.claims[a].order })
	for _, id := range ids[:min(n, len(ids))] {
		s.o.Logger.Info("handing a stream over: another instance joined", "source", id.Source, "stream", id.Stream, "owner", s.o.Owner)
		s.claims[id].yield()
		s.claims[id].yield = nil // asked once; it stops at its next batch boundary
	}
}

// start runs u until it ends or is asked to yield.
func (s *scheduler) start(ctx context.Context, u *unit) {
	yieldCtx, yield := context.WithCancel(context.Background())
	s.claimed++
	s.claims[u.id()] = &claim{yield: yield, order: s.claimed}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer yield()
		rn := newRunner(u.vendor, u.st, u.o)
		rn.yield = yieldCtx
		res := rn.run(ctx)
		s.done <- finished{u: u, res: res, stops: rn.stoppedNames()}
	}()
}

// finish takes a runner's end: its result is merged; a stream whose lease
// was taken or lost, or that someone else held, may be claimed again.
func (s *scheduler) finish(f finished) {
	id := f.u.id()
	delete(s.claims, id)
	if f.res.Unclaimed {
		return
	}
	r := s.results[id]
	if r == nil {
		r = &Result{ID: id, Vendor: f.res.Vendor}
		s.results[id] = r
	}
	r.Status, r.Err, r.Until, r.LeaseLost = f.res.Status, f.res.Err, f.res.Until, f.res.LeaseLost
	r.Records += f.res.Records
	for _, name := range f.stops {
		if !slices.Contains(r.Stopped, name) {
			r.Stopped = append(r.Stopped, name)
		}
	}
	if f.res.Status == Failed && !f.res.LeaseLost {
		s.failed[id] = true
	}
}

// tellOwners tells the observer which instance owns each stream this one
// does not run, when that changes.
func (s *scheduler) tellOwners(leases map[record.StreamID]state.Lease) {
	if s.o.Observe == nil {
		return
	}
	for _, u := range s.units {
		id := u.id()
		if s.claims[id] != nil {
			s.owners[id] = s.o.Owner
			continue
		}
		l := leases[id]
		owner := ""
		if l.Live {
			owner = l.Owner
		}
		if prev, ok := s.owners[id]; ok && prev == owner {
			continue
		}
		s.owners[id] = owner
		s.o.Observe(Event{ID: id, Kind: EventElsewhere, Owner: owner, Generation: l.Generation})
	}
}

// collect lists each stream's merged result; a stream this instance never
// ran is Elsewhere.
func (s *scheduler) collect() []Result {
	out := make([]Result, 0, len(s.units))
	for _, u := range s.units {
		if r := s.results[u.id()]; r != nil {
			out = append(out, *r)
			continue
		}
		out = append(out, Result{ID: u.id(), Vendor: u.vendor, Status: Elsewhere})
	}
	sortResults(out)
	return out
}
