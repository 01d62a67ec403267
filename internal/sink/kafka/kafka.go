// Package kafka is the sink that produces records to Apache Kafka (and
// Kafka-compatible brokers: Redpanda, MSK, Confluent, Event Hubs' Kafka
// endpoint), one Kafka record per log record:
//
//   - topic: the Topic template over {source}, {stream} and {vendor};
//   - key: the record id, the dedup key;
//   - value: the envelope JSON, the line the file sink writes (no newline);
//   - headers: source, stream and vendor;
//   - partition: one per stream, by a hash of source and stream, so that a
//     consumer of that partition reads the stream in order (the key is the
//     id, which would scatter a stream over all partitions).
//
// Write returns nil only once every in-sync replica has acknowledged every
// record of the batch (acks=all). The producer is idempotent, so its own
// retries within a session never duplicate a record.
//
// Delivery is at-least-once. The sink keeps no position: a batch that was
// produced but whose checkpoint was not committed (a crash, a failed or
// cancelled Write whose records were in flight) is produced again by the
// pipeline and is then in the topic twice, in the same partition. Consumers
// dedup by key (the record id); a compacted topic does it by itself.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// Sink produces records to Kafka. It is safe for concurrent use.
type Sink struct {
	name string
	cfg  Config
	cl   *kgo.Client

	lastConnErr atomic.Pointer[error] // of the latest broker connection attempt, if it failed

	life *sink.Lifecycle // Close closes the client once

	mu     sync.Mutex          // guards everything below
	writes map[*write]struct{} // in progress: a fatal connection error cancels them
	topics map[topicKey]string // rendered and checked topic names
	// abandoned holds, per stream, the done channel of the batch a
	// cancelled Write left to franz-go (see settlePrevious).
	abandoned map[record.StreamID]chan struct{}
}

var _ sink.Sink = (*Sink)(nil)

// New validates cfg and creates the client. It does not connect: franz-go
// connects on first use, and a broker that is down at start-up must not
// stop gatelog from starting. Configuration errors are permanent.
func New(cfg Config) (*Sink, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sink{
		name: cfg.Name, cfg: cfg, life: sink.NewLifecycle(),
		writes: make(map[*write]struct{}), topics: make(map[topicKey]string), abandoned: make(map[record.StreamID]chan struct{}),
	}
	opts, err := cfg.clientOpts()
	if err != nil {
		return nil, errclass.Permanent(s.errorf("%w", err))
	}
	cl, err := kgo.NewClient(append(opts, kgo.WithHooks(connHook{s}))...)
	if err != nil {
		return nil, errclass.Permanent(s.errorf("%w", err))
	}
	s.cl = cl
	return s, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.name }

// Recover has nothing to roll back: Kafka cannot delete records, so the
// sink keeps no position and redelivered batches may be produced twice.
func (s *Sink) Recover(ctx context.Context, id record.StreamID, _ []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.life.Closed() {
		return s.errorf("recover %s: %w", id, sink.ErrClosed)
	}
	return nil
}

// Write produces recs and waits until every in-sync replica acknowledged
// every one, for at most Timeout. The position is always nil.
//
// When its context ends first (Timeout, the caller, a fatal connection
// error) Write returns at once rather than when franz-go next looks at the
// records, which during an outage can take many seconds. Records already
// handed over may then still be written: the pipeline redelivers the batch
// anyway, so they may land twice, never out of order.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, err := s.begin(ctx)
	if err != nil {
		return nil, s.errorf("write %s: %w", id, err)
	}
	defer s.end(w)
	if len(recs) == 0 {
		return nil, nil
	}
	batch, err := s.encode(id, recs)
	if err != nil {
		return nil, err
	}
	if err := s.settlePrevious(w, id); err != nil {
		return nil, err
	}
	return nil, s.await(w, id, s.produce(w, batch), len(batch))
}

// Close closes the client. Every successful Write was acknowledged, so
// nothing is left to flush; a Write still in progress fails (retryably)
// with the client closed. Close is idempotent.
func (s *Sink) Close() error {
	if s.life.Close() {
		s.cl.Close()
	}
	return nil
}

// write is one Write in progress. Its context ends at Timeout, when the
// caller's ends, or when a connection fails in a way retrying cannot fix
// (the cause says which).
type write struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   context.CancelFunc
}

// errTimeout is the cause of a Write's context when Timeout expires.
var errTimeout = errors.New("timeout")

func (s *Sink) begin(parent context.Context) (*write, error) {
	tctx, stop := context.WithTimeoutCause(parent, time.Duration(s.cfg.Timeout), errTimeout)
	ctx, cancel := context.WithCancelCause(tctx)
	w := &write{ctx: ctx, cancel: cancel, stop: stop}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.life.Closed() {
		w.cancel(nil)
		w.stop()
		return nil, sink.ErrClosed
	}
	s.writes[w] = struct{}{}
	return w, nil
}

func (s *Sink) end(w *write) {
	s.mu.Lock()
	delete(s.writes, w)
	s.mu.Unlock()
	w.cancel(nil)
	w.stop()
}

// abortWrites fails every Write in progress with cause, a permanent error:
// franz-go itself would retry connecting until the Write timed out.
func (s *Sink) abortWrites(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.writes {
		w.cancel(cause)
	}
}

// errorf formats an error of this sink with every credential removed, in
// case a broker or a proxy echoes one back.
func (s *Sink) errorf(format string, args ...any) error {
	return sink.Redact(fmt.Errorf("kafka sink %q: %w", s.name, fmt.Errorf(format, args...)), s.cfg.SASL.Password.Value())
}
