// Package sinktest is a conformance suite for sink.Sink implementations:
// each sink's tests call Run, so that every sink keeps the delivery contract
// of package sink, checked by reading what the destination itself holds.
//
// It covers what every sink promises through the interface alone. Crash
// safety across processes, file layout and fsync are the sinks' own tests;
// backpressure belongs to the pipeline.
package sinktest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// FailKind is the kind of failure Harness.FailNext injects.
type FailKind int

const (
	// Transient is a failure that retrying can fix (a full disk, a 503,
	// a dropped connection).
	Transient FailKind = iota + 1
	// Permanent is a failure that retrying cannot fix (rejected credentials).
	Permanent
)

func (k FailKind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("FailKind(%d)", int(k))
}

// Reader returns, in order, the records the destination has durably
// accepted for stream id, by reading the destination itself (files, a test
// server's log, a broker...), never the sink's memory.
type Reader func(t *testing.T, id record.StreamID) []record.Record

// Harness describes a sink under test.
//
// The suite writes records whose times never decrease within a stream, so a
// destination that files records by time (the file sink's day files) reads
// back in write order. A stream's records cross midnight UTC after its third
// record, and each batch but the first continues the day of the batch before.
type Harness struct {
	// New returns a fresh sink over a fresh, empty destination and a Reader
	// of that destination. The suite closes the sink; New registers the
	// cleanup of the destination with t.Cleanup.
	New func(t *testing.T) (sink.Sink, Reader)
	// FailNext makes the destination of the sink most recently returned by
	// New fail the next Write: Transient (retryable) or Permanent. It may
	// call t.Skip for a kind the destination cannot produce. nil: the
	// destination cannot be made to fail, and the subtests that need it
	// are skipped. The suite calls it only after a successful Write to the
	// stream it then writes.
	FailNext func(t *testing.T, kind FailKind)
	// Secret is a credential configured on the sink; no error the sink
	// returns may contain it. Empty: the sink has none.
	Secret string
	// ExactlyOnce: Recover(pos) discards what was stored after pos, so a
	// redelivery from a checkpoint is stored exactly once (the file sink).
	ExactlyOnce bool
	// AtLeastOnce: a redelivery may duplicate records, never lose them
	// (stdout, syslog...). Exactly one of ExactlyOnce and AtLeastOnce is set.
	AtLeastOnce bool
}

// hangTimeout is how long a call may take before the suite calls it hung.
// It is a hang detector, not a performance assertion.
var hangTimeout = 10 * time.Second

// Run runs the suite against the sink h describes.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("sinktest: Harness.New is nil")
	}
	if h.ExactlyOnce == h.AtLeastOnce {
		t.Fatal("sinktest: set exactly one of Harness.ExactlyOnce and Harness.AtLeastOnce")
	}
	var checked atomic.Int64 // errors checked for the secret, across subtests
	for _, tc := range []struct {
		name string
		f    func(*testing.T, *env)
	}{
		{"Order", testOrder},
		{"AckAfterAcceptance", testAckAfterAcceptance},
		{"ConcurrentStreams", testConcurrentStreams},
		{"Retry", testRetry},
		{"Redelivery", testRedelivery},
		{"Close", testClose},
		{"Context", testContext},
		{"LargeBatch", testLargeBatch},
		{"KeepsNothing", testKeepsNothing},
		{"NoSecretInErrors", testNoSecretInErrors}, // last: reports the errors of all the others
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, &env{h: h, checked: &checked}) })
	}
}

// env is the state of one subtest. It checks every error a sink returns for
// the secret, in the subtest that got it.
type env struct {
	h       Harness
	checked *atomic.Int64
}

// sut is one sink under test, from Harness.New.
type sut struct {
	e      *env
	t      *testing.T
	s      sink.Sink
	read   Reader
	name   string
	closed bool
	hung   bool // a call never returned: Close could block on it
}

// start makes a sink for t and closes it when t ends.
func (e *env) start(t *testing.T) *sut {
	t.Helper()
	s, read := e.h.New(t)
	if s == nil || read == nil {
		t.Fatal("Harness.New returned a nil sink or Reader")
	}
	u := &sut{e: e, t: t, s: s, read: read, name: s.Name()}
	t.Cleanup(func() {
		if !u.closed && !u.hung {
			u.note("Close", u.s.Close())
		}
	})
	return u
}

// note checks an error the sink returned for the secret and returns it.
func (u *sut) note(op string, err error) error {
	if err == nil {
		return nil
	}
	u.e.checked.Add(1)
	if sec := u.e.h.Secret; sec != "" {
		msg := err.Error()
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			if strings.Contains(msg, form) {
				u.t.Errorf("%s: %s error contains the secret: %q", u.name, op, msg)
				break
			}
		}
	}
	return err
}

func (u *sut) recover(id record.StreamID, pos []byte) error {
	return u.note("Recover", u.s.Recover(context.Background(), id, pos))
}

func (u *sut) mustRecover(id record.StreamID, pos []byte) {
	u.t.Helper()
	if err := u.recover(id, pos); err != nil {
		u.t.Fatalf("%s: Recover(%s, %q): %v", u.name, id, pos, err)
	}
}

func (u *sut) write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	pos, err := u.s.Write(ctx, id, recs)
	return pos, u.note("Write", err)
}

func (u *sut) mustWrite(id record.StreamID, recs []record.Record) []byte {
	u.t.Helper()
	pos, err := u.write(context.Background(), id, recs)
	if err != nil {
		u.t.Fatalf("%s: Write(%s, %d records): %v", u.name, id, len(recs), err)
	}
	return pos
}

func (u *sut) failNext(kind FailKind) {
	u.t.Helper()
	if u.e.h.FailNext == nil {
		u.t.Skipf("%s: Harness.FailNext is nil: its destination cannot be made to fail", u.name)
	}
	u.e.h.FailNext(u.t, kind)
}

// wantExactly checks that the destination holds exactly want for id.
func (u *sut) wantExactly(id record.StreamID, want []record.Record) {
	u.t.Helper()
	if d := diffRecords(want, u.read(u.t, id)); d != "" {
		u.t.Errorf("%s: destination %s: %s", u.name, id, d)
	}
}

// wantDelivered checks what the destination holds for id after a failure or
// a redelivery: exactly want for an exactly-once sink; for an at-least-once
// sink, only records of want, each at least once, first appearances in
// want's order.
func (u *sut) wantDelivered(id record.StreamID, want []record.Record) {
	u.t.Helper()
	if u.e.h.ExactlyOnce {
		u.wantExactly(id, want)
		return
	}
	got := u.read(u.t, id)
	written := make(map[string]record.Record, len(want))
	for _, r := range want {
		written[r.ID] = r
	}
	seen := make(map[string]bool, len(want))
	var firsts []record.Record
	bad := 0
	for i, r := range got {
		w, ok := written[r.ID]
		switch {
		case !ok:
			bad++
			u.t.Errorf("%s: destination %s: record %d, id %q, was never written", u.name, id, i, r.ID)
		case !equalRecord(w, r):
			bad++
			u.t.Errorf("%s: destination %s: record %d differs from the one written (-want +got):\n%s", u.name, id, i, cmp.Diff(w, r))
		case !seen[r.ID]:
			seen[r.ID] = true
			firsts = append(firsts, r)
		}
		if bad >= 5 {
			u.t.FailNow()
		}
	}
	if d := diffRecords(want, firsts); d != "" {
		u.t.Errorf("%s: destination %s, first appearances of each id (%d records read): %s", u.name, id, len(got), d)
	}
}

// Streams: A and B share a stream name, A and C a source, so a sink that
// keys streams by one of the two mixes them up.
var (
	streamA = record.StreamID{Source: "acme-fp", Stream: "access"}
	streamB = record.StreamID{Source: "acme-wss", Stream: "access"}
	streamC = record.StreamID{Source: "acme-fp", Stream: "audit"}
	streamD = record.StreamID{Source: "acme-wss", Stream: "audit"}
)

// base is 23:57 UTC: a stream's records 0-2 fall on 1 March, 3-1442 on 2 March.
var base = time.Date(2026, 3, 1, 23, 57, 0, 123456789, time.UTC)

// rec returns record n of stream id, the records the suite writes: times
// one minute apart (plus n ns), ids out of sorted order with some needing
// JSON escapes, fields with whitespace, key order, escapes and numbers that
// any re-encoding would change.
func rec(id record.StreamID, n int) record.Record {
	rid := fmt.Sprintf("%08x-%d", uint32(n+1)*2654435761, n)
	if n%5 == 2 {
		rid += " \"q\" \\ <é> \u2028\x01"
	}
	vendor := "forcepoint"
	if n%2 == 1 {
		vendor = "symantec"
	}
	return record.Record{
		Time:   base.Add(time.Duration(n) * (time.Minute + time.Nanosecond)),
		Vendor: vendor, Source: id.Source, Stream: id.Stream, ID: rid,
		Fields: fmt.Appendf(nil, `{"z":%d, "a" : "n=%d\tx", "big":123456789012345678901234567890, "f":1.50e0,`+
			` "esc":"\u00e9\"<&>\/", "nested":{"list":[1, null, true, {"k":"v"}]}}`, n, n),
	}
}

// recs returns records from..to-1 of stream id.
func recs(id record.StreamID, from, to int) []record.Record {
	out := make([]record.Record, 0, to-from)
	for n := from; n < to; n++ {
		out = append(out, rec(id, n))
	}
	return out
}

func equalRecord(a, b record.Record) bool {
	return a.Time.Equal(b.Time) && a.Vendor == b.Vendor && a.Source == b.Source &&
		a.Stream == b.Stream && a.ID == b.ID && string(a.Fields) == string(b.Fields)
}

// diffRecords describes the first difference between want and got, or
// returns "" when they are equal, field for field and byte for byte.
func diffRecords(want, got []record.Record) string {
	for i := range min(len(want), len(got)) {
		if !equalRecord(want[i], got[i]) {
			return fmt.Sprintf("%d records, want %d; first difference at record %d (-want +got):\n%s",
				len(got), len(want), i, cmp.Diff(want[i], got[i]))
		}
	}
	switch {
	case len(got) > len(want):
		return fmt.Sprintf("%d records, want %d; the first extra one has id %q", len(got), len(want), got[len(want)].ID)
	case len(got) < len(want):
		return fmt.Sprintf("%d records, want %d; the first missing one has id %q", len(got), len(want), want[len(got)].ID)
	}
	return ""
}

// testOrder interleaves batches of two streams, empty ones included: each
// stream reads back in write order, byte for byte.
func testOrder(t *testing.T, e *env) {
	u := e.start(t)
	sizes := map[record.StreamID][]int{streamA: {3, 0, 1, 7, 2}, streamB: {0, 4, 1, 0, 5}}
	next := map[record.StreamID]int{}
	for _, id := range []record.StreamID{streamA, streamB} {
		u.mustRecover(id, nil)
	}
	for b := range 5 {
		for _, id := range []record.StreamID{streamA, streamB} {
			n := sizes[id][b]
			u.mustWrite(id, recs(id, next[id], next[id]+n))
			next[id] += n
		}
	}
	for _, id := range []record.StreamID{streamA, streamB} {
		u.wantExactly(id, recs(id, 0, next[id]))
	}
	u.wantExactly(streamC, nil) // never written
}

// testAckAfterAcceptance reads the destination as soon as each Write
// returns: every record of the batch is there. Then it scribbles over the
// batch it passed: what the destination holds must not change.
func testAckAfterAcceptance(t *testing.T, e *env) {
	u := e.start(t)
	u.mustRecover(streamA, nil)
	n := 0
	for _, size := range []int{1, 0, 2, 50, 1, 2000} {
		batch := recs(streamA, n, n+size)
		u.mustWrite(streamA, batch)
		n += size
		u.wantExactly(streamA, recs(streamA, 0, n))
		for i := range batch {
			batch[i].ID = "overwritten"
			clear(batch[i].Fields)
		}
	}
	u.wantExactly(streamA, recs(streamA, 0, n))
}

// testConcurrentStreams writes four streams from four goroutines.
func testConcurrentStreams(t *testing.T, e *env) {
	u := e.start(t)
	ids := []record.StreamID{streamA, streamB, streamC, streamD}
	total := make([]int, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if err := u.recover(id, nil); err != nil {
				t.Errorf("%s: Recover(%s): %v", u.name, id, err)
				return
			}
			n := 0
			for b := range 25 {
				size := (b*7 + i) % 13 // 0 to 12, empty batches included
				if _, err := u.write(context.Background(), id, recs(id, n, n+size)); err != nil {
					t.Errorf("%s: Write(%s): %v", u.name, id, err)
					return
				}
				n += size
			}
			total[i] = n
		})
	}
	wg.Wait()
	for i, id := range ids {
		u.wantExactly(id, recs(id, 0, total[i]))
	}
}

// testRetry injects failures: a transient one is retried after Recover to
// the last position, a permanent one says so.
func testRetry(t *testing.T, e *env) {
	t.Run("Transient", func(t *testing.T) {
		u := e.start(t)
		u.mustRecover(streamA, nil)
		p0 := u.mustWrite(streamA, recs(streamA, 0, 5))
		u.failNext(Transient)
		b1 := recs(streamA, 5, 10)
		_, err := u.write(context.Background(), streamA, b1)
		switch {
		case err == nil:
			t.Fatalf("%s: Write after FailNext(Transient) succeeded", u.name)
		case errclass.IsPermanent(err):
			t.Errorf("%s: a transient failure gave a permanent error: %v", u.name, err)
		default:
			t.Logf("%s: transient failure: %v", u.name, err)
		}
		// What the pipeline does next: roll back, retry, carry on.
		u.mustRecover(streamA, p0)
		u.mustWrite(streamA, b1)
		u.mustWrite(streamA, recs(streamA, 10, 13))
		u.wantDelivered(streamA, recs(streamA, 0, 13))
	})
	t.Run("Permanent", func(t *testing.T) {
		u := e.start(t)
		u.mustRecover(streamA, nil)
		u.mustWrite(streamA, recs(streamA, 0, 5))
		u.failNext(Permanent)
		_, err := u.write(context.Background(), streamA, recs(streamA, 5, 10))
		switch {
		case err == nil:
			t.Fatalf("%s: Write after FailNext(Permanent) succeeded", u.name)
		case !errclass.IsPermanent(err):
			t.Errorf("%s: a permanent failure gave an error that is not errclass.IsPermanent: %v", u.name, err)
		default:
			t.Logf("%s: permanent failure: %v", u.name, err)
		}
		// The stream stops here; what was accepted stays accepted.
		got := u.read(t, streamA)
		if d := diffRecords(recs(streamA, 0, 5), got[:min(5, len(got))]); d != "" {
			t.Errorf("%s: accepted records after a failed Write: %s", u.name, d)
		}
	})
}

// testRedelivery emulates a crash after a Write whose position was not
// committed: the pipeline recovers to the committed position and writes the
// batches after it again.
func testRedelivery(t *testing.T, e *env) {
	t.Run("AfterCheckpoint", func(t *testing.T) {
		u := e.start(t)
		u.mustRecover(streamA, nil)
		u.mustRecover(streamB, nil)
		b1, b2, b3 := recs(streamA, 0, 2), recs(streamA, 2, 6), recs(streamA, 6, 9) // b2 crosses midnight
		p1 := u.mustWrite(streamA, b1)
		u.mustWrite(streamB, recs(streamB, 0, 4)) // another stream, untouched by the crash
		u.mustWrite(streamA, b2)
		u.mustWrite(streamA, b3)
		u.mustRecover(streamA, p1)
		u.mustWrite(streamA, b2)
		u.mustWrite(streamA, b3)
		u.mustWrite(streamA, recs(streamA, 9, 11))
		u.wantDelivered(streamA, recs(streamA, 0, 11))
		u.wantExactly(streamB, recs(streamB, 0, 4))
	})
	// The pipeline commits the position of an empty Write before a new
	// stream's first batch, then a crash during that batch redelivers it.
	t.Run("FromBaseline", func(t *testing.T) {
		u := e.start(t)
		u.mustRecover(streamA, nil)
		p0 := u.mustWrite(streamA, nil)
		u.mustWrite(streamA, recs(streamA, 0, 5))
		u.mustRecover(streamA, p0)
		u.mustWrite(streamA, recs(streamA, 0, 5))
		u.wantDelivered(streamA, recs(streamA, 0, 5))
	})
}

// testClose closes twice, then writes and recovers: errors wrapping
// sink.ErrClosed, not panics, and what was accepted before stays.
func testClose(t *testing.T, e *env) {
	u := e.start(t)
	u.mustRecover(streamA, nil)
	u.mustWrite(streamA, recs(streamA, 0, 3))
	u.closed = true
	for i := range 2 {
		if err := u.note("Close", u.s.Close()); err != nil {
			t.Errorf("%s: Close #%d: %v", u.name, i+1, err)
		}
	}
	switch err := u.writeNoPanic(streamA, recs(streamA, 3, 4)); {
	case err == nil:
		t.Errorf("%s: Write after Close succeeded", u.name)
	case !errors.Is(err, sink.ErrClosed):
		t.Errorf("%s: Write after Close: %v, want an error wrapping sink.ErrClosed", u.name, err)
	}
	switch err := u.recover(streamA, nil); {
	case err == nil:
		t.Errorf("%s: Recover after Close succeeded", u.name)
	case !errors.Is(err, sink.ErrClosed):
		t.Errorf("%s: Recover after Close: %v, want an error wrapping sink.ErrClosed", u.name, err)
	}
	u.wantExactly(streamA, recs(streamA, 0, 3))
}

// writeNoPanic writes, turning a panic into a test failure.
func (u *sut) writeNoPanic(id record.StreamID, batch []record.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			u.t.Errorf("%s: Write panicked: %v", u.name, p)
			err = errors.New("panicked")
		}
	}()
	_, err = u.write(context.Background(), id, batch)
	return err
}

// testContext writes with a context that is done before or during Write:
// Write returns promptly, and what it reports is what happened.
func testContext(t *testing.T, e *env) {
	for _, tc := range []struct {
		name string
		size int
		ctx  func() context.Context
	}{
		{"Cancelled", 10, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
		{"DeadlineExceeded", 10, func() context.Context {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			t.Cleanup(cancel)
			return ctx
		}},
		{"CancelledDuringWrite", 10_000, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Millisecond, cancel)
			return ctx
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := e.start(t)
			u.mustRecover(streamA, nil)
			pos := u.mustWrite(streamA, recs(streamA, 0, 5))
			batch := recs(streamA, 5, 5+tc.size)
			type result struct {
				pos []byte
				err error
			}
			done := make(chan result, 1)
			ctx := tc.ctx()
			go func() {
				p, err := u.s.Write(ctx, streamA, batch)
				done <- result{p, err}
			}()
			var r result
			select {
			case r = <-done:
				u.note("Write", r.err)
			case <-time.After(hangTimeout):
				u.hung = true
				t.Fatalf("%s: Write with a done context did not return within %v", u.name, hangTimeout)
			}
			if r.err == nil {
				// It finished the write: then it is accepted.
				u.wantExactly(streamA, recs(streamA, 0, 5+tc.size))
				pos = r.pos
			} else {
				u.mustRecover(streamA, pos)
				pos = u.mustWrite(streamA, batch)
			}
			u.mustWrite(streamA, recs(streamA, 5+tc.size, 6+tc.size))
			u.wantDelivered(streamA, recs(streamA, 0, 6+tc.size))
		})
	}
}

// testLargeBatch writes 10,000 records in one Write.
func testLargeBatch(t *testing.T, e *env) {
	u := e.start(t)
	u.mustRecover(streamA, nil)
	u.mustWrite(streamA, recs(streamA, 0, 1))
	u.mustWrite(streamA, recs(streamA, 1, 10_001))
	u.wantExactly(streamA, recs(streamA, 0, 10_001))
}

// testKeepsNothing: once Write returns, the sink holds no reference to the
// batch, neither its records nor their Fields. Sources hand out records
// whose Fields share one page or block of memory (a MB or more); a sink
// that kept any of them would pin it for as long as the stream idles, in
// every stream it serves. Fields of 600 bytes take the file sink's writev
// path, which writes them from where they are.
func testKeepsNothing(t *testing.T, e *env) {
	u := e.start(t)
	u.mustRecover(streamA, nil)
	freed := make(chan string, 2)
	u.writeShared(streamA, 200, freed)
	var got []string
	for i := 0; i < 200 && len(got) < 2; i++ { // a liveness wait, not a timing: cleanups run after a GC
		runtime.GC()
		select {
		case what := <-freed:
			got = append(got, what)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if len(got) < 2 {
		t.Fatalf("%s: after Write returned and the caller let go of the batch, the sink still holds it (freed: %v, want the records and their Fields)", u.name, got)
	}
	u.wantExactly(streamA, sharedRecs(streamA, 200))
}

// writeShared writes n records whose Fields share one array and reports on
// freed when the array, and the records' slice, are garbage.
//
//go:noinline
func (u *sut) writeShared(id record.StreamID, n int, freed chan<- string) {
	batch := sharedRecs(id, n)
	runtime.AddCleanup(&batch[0].Fields[0], func(ch chan<- string) { ch <- "Fields" }, freed)
	runtime.AddCleanup(&batch[0], func(ch chan<- string) { ch <- "records" }, freed)
	u.mustWrite(id, batch)
}

// sharedRecs returns records 0..n-1 of stream id with Fields of about 600
// bytes, all in one array, as a source's page holds them.
func sharedRecs(id record.StreamID, n int) []record.Record {
	out := recs(id, 0, n)
	pad := strings.Repeat("pad ", 150)
	shared := make([]byte, 0, n*700)
	for i := range out {
		start := len(shared)
		shared = fmt.Appendf(shared, `{"n":%d, "pad":%q}`, i, pad)
		out[i].Fields = shared[start:len(shared):len(shared)]
	}
	return out
}

// testNoSecretInErrors provokes the errors every sink has (closed, done
// context, a position it never returned), in case this subtest runs alone;
// every error of the other subtests was checked where it occurred.
func testNoSecretInErrors(t *testing.T, e *env) {
	u := e.start(t)
	if e.h.Secret == "" {
		t.Skipf("%s: Harness.Secret is empty: the sink is configured without a credential", u.name)
	}
	u.mustRecover(streamA, nil)
	u.mustWrite(streamA, recs(streamA, 0, 2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = u.write(ctx, streamA, recs(streamA, 2, 4))
	_ = u.note("Recover", u.recoverNoPanic(streamB, []byte("\x00not a position of this sink")))
	u.closed = true
	_ = u.note("Close", u.s.Close())
	_ = u.writeNoPanic(streamA, recs(streamA, 2, 4))
	_ = u.recover(streamA, nil)
	t.Logf("%s: %d errors checked for the secret", u.name, e.checked.Load())
}

func (u *sut) recoverNoPanic(id record.StreamID, pos []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			u.t.Errorf("%s: Recover with a position it never returned panicked: %v", u.name, p)
		}
	}()
	return u.s.Recover(context.Background(), id, pos)
}
