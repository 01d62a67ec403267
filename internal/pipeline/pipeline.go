// Package pipeline moves records from streams to sinks: fetch a batch,
// deliver it to every sink, and only then commit the stream's checkpoint
// together with each sink's position. Each stream runs on its own
// goroutine under an exclusive lease; a stream that fails permanently stops
// alone, the others keep running.
package pipeline

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// Options configures a run.
type Options struct {
	Store      state.Store
	Sinks      []sink.Sink
	Quarantine *quarantine.Writer
	Logger     *slog.Logger
	// Once stops each stream when it has caught up (run --once, export).
	Once bool
	// MaxWait bounds, with Once, how long a stream waits: a throttle (a
	// spent budget, a 429) that lasts longer defers the stream, and a
	// stream that makes no progress (no batch delivered and committed, not
	// caught up) for that long through errors and retries is given up as
	// failed, naming its last error. Without Once streams never give up.
	MaxWait time.Duration
	// Backoff spaces retries of failed fetches and deliveries.
	Backoff retry.Backoff
	// SinkQueue bounds how many streams write to one sink at once (default
	// 4): a slow sink holds its streams back instead of buffering without end.
	SinkQueue int
	// MaxBatches, when above 0, bounds how many streams at once fetch and
	// deliver a batch, across every source: the others wait their turn
	// before fetching. In a catch-up of many busy streams each holds its
	// batch (a Forcepoint page is about 1 MB) until its sinks take it;
	// this bounds that memory. A Symantec archive download holds a turn
	// for as long as it lasts. A stream whose delivery failed keeps its
	// batch and gives its turn back while it waits to retry.
	MaxBatches int
	slots      chan struct{}
	// SinkRetry is each sink's own retry policy, by sink name; a sink not
	// listed is written once per delivery attempt.
	SinkRetry map[string]SinkRetry
	// Schemas is what each sink receives, by sink name: "ocsf" or "ecs"
	// (each record mapped once per schema and batch), or the raw envelope
	// for a sink not listed or listed as "raw".
	Schemas map[string]string
	// Routes sends a source (by name) to some sinks only, by sink name; a
	// source not listed goes to every sink.
	Routes map[string][]string
	// Tenants stamps every record of a source (by name) with its tenant.
	Tenants map[string]string
	queues  queues
	// Owner names this process in stream leases.
	Owner string
	// LeaseTTL bounds how long a dead instance's streams wait for another
	// (default 5m): each lease is taken for LeaseTTL less ClaimEvery. A runner
	// renews it every LeaseTTL/3 and, when no renewal has succeeded for
	// 2/3 of LeaseTTL (by this process's monotonic clock), stops the
	// stream before the lease can pass to another instance (see lease.go).
	LeaseTTL time.Duration
	// CommitBytes and CommitEvery space checkpoint commits: one is due once
	// the records written since the last reach CommitBytes (default 8 MiB)
	// or the first of them is CommitEvery old (default 1s), and at once
	// when a batch is caught up or quarantined something (see commit.go).
	CommitBytes int64
	CommitEvery time.Duration
	// ClaimEvery is how often a daemon run (not Once) heartbeats in the
	// store and rebalances its share of the streams with the other
	// instances (default LeaseTTL/10; see scheduler.go).
	ClaimEvery time.Duration
	// Observe, when set, is told about every stream event (progress, metrics,
	// the status page). It is called from several goroutines at once.
	Observe func(Event)
	Now     func() time.Time
}

// Status is how a stream's run ended.
type Status string

const (
	Done        Status = "done"        // caught up (Once), or stopped by shutdown (daemon)
	Failed      Status = "failed"      // stopped by a permanent error or a lost lease (Result.LeaseLost), or Once: no progress for MaxWait
	Deferred    Status = "deferred"    // Once: throttled beyond MaxWait
	Interrupted Status = "interrupted" // Once: stopped by shutdown before it caught up
	Elsewhere   Status = "elsewhere"   // daemon: another instance owned the stream all along
)

// Result is one stream's outcome.
type Result struct {
	ID      record.StreamID
	Vendor  string
	Status  Status
	Err     error
	Records uint64 // delivered in this run
	Until   time.Time
	// Stopped names the sinks that failed permanently for this stream
	// while the others went on.
	Stopped []string
	// LeaseLost: the stream stopped (Failed) because this process no longer
	// held its lease (not renewed in time, taken over, or a commit fenced);
	// Err wraps state.ErrFenced. Nothing was written or committed after.
	LeaseLost bool
	// Unclaimed: a daemon's claim did not get the stream going (another
	// instance holds its lease, or the store was unreachable): the run did
	// nothing, and the scheduler may try again.
	Unclaimed bool
}

// Run runs every stream of every source until ctx ends or, with Once, until
// each has caught up, failed or been deferred. Without Once the streams are
// shared with the other instances on the store (scheduler.go): this run
// keeps its fair share of them. With Once, a stream that ctx
// stops before it caught up ends Interrupted, at a batch boundary: its
// checkpoint matches what the sinks hold.
func Run(ctx context.Context, sources []source.Source, o Options) []Result {
	o = withDefaults(o)
	var units []*unit
	for _, src := range sources {
		so := o.forSource(src.Name())
		for _, st := range src.Streams() {
			units = append(units, &unit{vendor: src.Vendor(), st: st, o: so})
		}
	}
	if !o.Once {
		return schedule(ctx, units, o)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []Result
	)
	for _, u := range units {
		wg.Go(func() {
			rn := newRunner(u.vendor, u.st, u.o)
			r := rn.run(ctx)
			r.Stopped = rn.stoppedNames()
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	sortResults(results)
	return results
}

// leaseHold is how long each lease (and heartbeat) is taken for: LeaseTTL
// less one claim round, so that a dead instance's streams are claimed by
// another within LeaseTTL of its death (its last renewal lapses within
// leaseHold, and the next round comes within ClaimEvery). The renew
// deadline, 2/3 of LeaseTTL, stays well before it.
func (o Options) leaseHold() time.Duration {
	if o.ClaimEvery < o.LeaseTTL/5 {
		return o.LeaseTTL - o.ClaimEvery
	}
	return o.LeaseTTL * 4 / 5
}

// forSource is o with the sinks src is routed to.
func (o Options) forSource(src string) Options {
	route, ok := o.Routes[src]
	if !ok {
		return o
	}
	o.Sinks = slices.DeleteFunc(slices.Clone(o.Sinks), func(s sink.Sink) bool { return !slices.Contains(route, s.Name()) })
	return o
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = 5 * time.Minute
	}
	if o.MaxWait == 0 {
		o.MaxWait = 10 * time.Minute
	}
	if o.Owner == "" {
		o.Owner = "gatelog"
	}
	if o.CommitBytes <= 0 {
		o.CommitBytes = 8 << 20
	}
	if o.CommitEvery <= 0 {
		o.CommitEvery = time.Second
	}
	if o.ClaimEvery <= 0 {
		o.ClaimEvery = max(o.LeaseTTL/10, 10*time.Millisecond)
	}
	if o.SinkQueue <= 0 {
		o.SinkQueue = 4
	}
	o.queues = newQueues(o.Sinks, o.SinkQueue)
	if o.MaxBatches > 0 {
		o.slots = make(chan struct{}, o.MaxBatches)
	}
	return o
}
