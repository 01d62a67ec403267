package sinktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/testutil"
)

// A mutant is a sink with one broken promise, and the subtest that must
// catch it. TestSuiteCatchesMutants runs that subtest alone against it, in
// a child process (a failing *testing.T cannot be observed from inside), and
// expects it to fail: every subtest can fail when its property breaks.
type mutant struct {
	subtest string
	harness func() Harness
}

const mutantSecret = "s3cr3t-t0ken"

var mutants = map[string]mutant{
	"reverse":  {"Order", wrapped(func(m *Memory) sink.Sink { return &reverse{m} })},
	"reencode": {"Order", wrapped(func(m *Memory) sink.Sink { return &reencode{m} })},
	"lazy": {"AckAfterAcceptance", wrapped(func(m *Memory) sink.Sink {
		return &lazy{Memory: m, pending: map[record.StreamID][]record.Record{}}
	})},
	"alias":         {"AckAfterAcceptance", aliasHarness},
	"mix":           {"ConcurrentStreams", wrapped(func(m *Memory) sink.Sink { return &mix{Memory: m} })},
	"allPermanent":  {"Retry/Transient", wrapped(func(m *Memory) sink.Sink { return &allPermanent{m} })},
	"nonePermanent": {"Retry/Permanent", wrapped(func(m *Memory) sink.Sink { return &nonePermanent{m} })},
	"noRollback":    {"Retry/Transient", wrapped(func(m *Memory) sink.Sink { return &noRollback{m} })},
	"ignoreRecover": {"Redelivery/AfterCheckpoint", wrapped(func(m *Memory) sink.Sink { return &ignoreRecover{m} })},
	"baseline":      {"Redelivery/FromBaseline", wrapped(func(m *Memory) sink.Sink { return &emptyIsNil{m} })},
	"closePanics":   {"Close", wrapped(func(m *Memory) sink.Sink { return &closePanics{Memory: m} })},
	"closeTwice":    {"Close", wrapped(func(m *Memory) sink.Sink { return &closeTwice{Memory: m} })},
	"neverCloses":   {"Close", wrapped(func(m *Memory) sink.Sink { return &neverCloses{m} })},
	"closedWrite":   {"Close", wrapped(func(m *Memory) sink.Sink { return &closedWrite{m} })},
	"closedRecover": {"Close", wrapped(func(m *Memory) sink.Sink { return &closedRecover{m} })},
	"hang":          {"Context/Cancelled", wrapped(func(m *Memory) sink.Sink { return &hang{m} })},
	"fakeSuccess":   {"Context/Cancelled", wrapped(func(m *Memory) sink.Sink { return &fakeSuccess{m} })},
	"capBatch":      {"LargeBatch", wrapped(func(m *Memory) sink.Sink { return &capBatch{m} })},
	"keepsBatch":    {"KeepsNothing", wrapped(func(m *Memory) sink.Sink { return &keepsBatch{Memory: m} })},
	"leak": {"NoSecretInErrors", func() Harness {
		h := wrapped(func(m *Memory) sink.Sink { return &leak{m} })()
		h.Secret = mutantSecret
		return h
	}},
}

// wrapped is the Memory harness with the sink wrapped in a mutant.
func wrapped(wrap func(*Memory) sink.Sink) func() Harness {
	return func() Harness {
		h := memoryHarness()
		mem := h.New
		h.New = func(t *testing.T) (sink.Sink, Reader) {
			s, r := mem(t)
			return wrap(s.(*Memory)), r
		}
		return h
	}
}

const mutantEnv = "GATELOG_SINKTEST_MUTANT"

// TestMutantChild is the child of TestSuiteCatchesMutants; it does nothing
// in a normal test run.
func TestMutantChild(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("child process of TestSuiteCatchesMutants")
	}
	hangTimeout = 200 * time.Millisecond
	Run(t, mutants[name].harness())
}

func TestSuiteCatchesMutants(t *testing.T) {
	for name, m := range mutants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pattern := testutil.ExactPattern(append([]string{"TestMutantChild"}, strings.Split(m.subtest, "/")...)...)
			out, err := testutil.RunChild(pattern, []string{mutantEnv + "=" + name})
			want := "--- FAIL: TestMutantChild/" + m.subtest + " "
			if err == nil || !strings.Contains(out, want) {
				t.Fatalf("the suite did not catch mutant %s in %s (exit: %v):\n%s", name, m.subtest, err, out)
			}
		})
	}
}

// reverse stores each batch backwards.
type reverse struct{ *Memory }

func (s *reverse) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	recs = slices.Clone(recs)
	slices.Reverse(recs)
	return s.Memory.Write(ctx, id, recs)
}

// reencode compacts the vendor's fields instead of keeping their bytes.
type reencode struct{ *Memory }

func (s *reencode) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	recs = slices.Clone(recs)
	for i := range recs {
		var b bytes.Buffer
		if err := json.Compact(&b, recs[i].Fields); err == nil {
			recs[i].Fields = b.Bytes()
		}
	}
	return s.Memory.Write(ctx, id, recs)
}

// lazy acknowledges a batch and stores it with the next Write.
type lazy struct {
	*Memory
	mu      sync.Mutex
	pending map[record.StreamID][]record.Record
}

func (s *lazy) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	s.mu.Lock()
	prev := s.pending[id]
	s.pending[id] = slices.Clone(recs)
	s.mu.Unlock()
	return s.Memory.Write(ctx, id, prev)
}

// alias keeps the caller's records instead of copies.
type alias struct {
	mu   sync.Mutex
	recs map[record.StreamID][]record.Record
}

func aliasHarness() Harness {
	return Harness{
		New: func(t *testing.T) (sink.Sink, Reader) {
			s := &alias{recs: map[record.StreamID][]record.Record{}}
			return s, func(t *testing.T, id record.StreamID) []record.Record {
				s.mu.Lock()
				defer s.mu.Unlock()
				return slices.Clone(s.recs[id])
			}
		},
		ExactlyOnce: true,
	}
}

func (s *alias) Name() string                                           { return "alias" }
func (s *alias) Recover(context.Context, record.StreamID, []byte) error { return nil }
func (s *alias) Close() error                                           { return nil }
func (s *alias) Write(_ context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[id] = append(s.recs[id], recs...)
	return nil, nil
}

// mix keeps "the current stream" in a field shared by all streams.
type mix struct {
	*Memory
	mu  sync.Mutex
	cur record.StreamID
}

func (s *mix) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	s.mu.Lock()
	s.cur = id
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	return s.Memory.Write(ctx, cur, recs)
}

// allPermanent calls every failure permanent.
type allPermanent struct{ *Memory }

func (s *allPermanent) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	pos, err := s.Memory.Write(ctx, id, recs)
	return pos, errclass.Permanent(err)
}

// nonePermanent loses the class of its errors.
type nonePermanent struct{ *Memory }

func (s *nonePermanent) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	pos, err := s.Memory.Write(ctx, id, recs)
	if err != nil {
		err = errors.New(err.Error())
	}
	return pos, err
}

// noRollback ignores Recover: the torn part of a failed Write stays in
// front of the retried batch.
type noRollback struct{ *Memory }

func (s *noRollback) Recover(context.Context, record.StreamID, []byte) error { return nil }

func (s *noRollback) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	s.Memory.mu.Lock()
	if st := s.Memory.streams[id]; st != nil {
		st.acked = len(st.recs) // keep the torn part
	}
	s.Memory.mu.Unlock()
	return s.Memory.Write(ctx, id, recs)
}

// ignoreRecover keeps everything stored after the recovered position.
type ignoreRecover struct{ *Memory }

func (s *ignoreRecover) Recover(context.Context, record.StreamID, []byte) error { return nil }

// emptyIsNil takes the position of an empty stream for no position, and
// keeps what was stored after it.
type emptyIsNil struct{ *Memory }

func (s *emptyIsNil) Recover(ctx context.Context, id record.StreamID, pos []byte) error {
	if string(pos) == "0" {
		pos = nil
	}
	return s.Memory.Recover(ctx, id, pos)
}

// closePanics panics on a Write after Close.
type closePanics struct {
	*Memory
	closed bool
}

func (s *closePanics) Close() error { s.closed = true; return s.Memory.Close() }
func (s *closePanics) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if s.closed {
		panic("write on a closed sink")
	}
	return s.Memory.Write(ctx, id, recs)
}

// closeTwice fails the second Close.
type closeTwice struct {
	*Memory
	closed bool
}

func (s *closeTwice) Close() error {
	if s.closed {
		return errors.New("already closed")
	}
	s.closed = true
	return s.Memory.Close()
}

// neverCloses accepts Writes after Close.
type neverCloses struct{ *Memory }

func (s *neverCloses) Close() error { return nil }

// closedWrite fails a Write after Close with an error of its own that
// reads the same but does not wrap sink.ErrClosed.
type closedWrite struct{ *Memory }

func (s *closedWrite) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	pos, err := s.Memory.Write(ctx, id, recs)
	if errors.Is(err, sink.ErrClosed) {
		err = errors.New(err.Error())
	}
	return pos, err
}

// closedRecover does the same to a Recover after Close.
type closedRecover struct{ *Memory }

func (s *closedRecover) Recover(ctx context.Context, id record.StreamID, pos []byte) error {
	err := s.Memory.Recover(ctx, id, pos)
	if errors.Is(err, sink.ErrClosed) {
		err = errors.New(err.Error())
	}
	return err
}

// hang ignores its context and waits forever for a destination that is gone.
type hang struct{ *Memory }

func (s *hang) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if ctx.Err() != nil {
		<-make(chan struct{})
	}
	return s.Memory.Write(ctx, id, recs)
}

// fakeSuccess reports success for a Write it gave up on.
type fakeSuccess struct{ *Memory }

func (s *fakeSuccess) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if ctx.Err() != nil {
		return s.Memory.Write(context.Background(), id, nil)
	}
	return s.Memory.Write(ctx, id, recs)
}

// capBatch drops what a batch has beyond 5,000 records.
type capBatch struct{ *Memory }

func (s *capBatch) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	return s.Memory.Write(ctx, id, recs[:min(len(recs), 5000)])
}

// keepsBatch holds on to the last batch it was given.
type keepsBatch struct {
	*Memory
	last []record.Record
}

func (s *keepsBatch) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	s.last = recs
	return s.Memory.Write(ctx, id, recs)
}

// leak puts its credential in its errors.
type leak struct{ *Memory }

func (s *leak) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	pos, err := s.Memory.Write(ctx, id, recs)
	if err != nil {
		err = fmt.Errorf("POST https://collector.example/?token=%s: %w", mutantSecret, err)
	}
	return pos, err
}
