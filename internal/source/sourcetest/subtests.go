package sourcetest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gatelog/gatelog/internal/errclass"
)

// ExactlyOnce: from an empty cursor the stream delivers every record the
// server holds, each once, in order; a poll after catching up delivers
// nothing again.
func testExactlyOnce(t *testing.T, h Harness) {
	shared(t)
	f := h.New(t)
	store := h.store(t)
	want := f.Want(t)
	if len(want) == 0 {
		t.Fatal("the fixture holds no records")
	}
	d := start(t, f.Stream(t, store), store, nil)
	got, _ := d.drain()
	b := d.next()
	d.commit(b)
	if len(b.Records) > 0 {
		t.Errorf("a poll after catching up delivered %d records again (first %s)", len(b.Records), b.Records[0].ID)
	}
	if diff := sameSequence(got, want); diff != "" {
		t.Fatal(diff)
	}
}

// Resume: a stream resumed from a committed cursor delivers exactly the
// records after it; a batch fetched but not committed is delivered again.
// The commit point is varied: nothing, the first batch, the second
// (inside a multi-batch archive), the middle and the one before the end.
func testResume(t *testing.T, h Harness) {
	var batches int
	t.Run("reference", func(t *testing.T) {
		shared(t)
		f := h.New(t)
		store := h.store(t)
		_, batches = start(t, f.Stream(t, store), store, nil).drain()
	})
	if batches == 0 {
		t.FailNow()
	}
	var ks []int
	for _, k := range []int{0, 1, 2, batches / 2, batches - 1} {
		if k >= 0 && k < batches && !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	for _, k := range ks {
		t.Run(fmt.Sprintf("after%d", k), func(t *testing.T) {
			t.Parallel()
			shared(t)
			f := h.New(t)
			store := h.store(t)
			want := f.Want(t)
			d := start(t, f.Stream(t, store), store, nil)
			var got []string
			for i := 0; i < k; i++ {
				b := d.next()
				d.commit(b)
				got = appendIDs(got, b)
			}
			pending := d.next() // fetched, never committed: a crash before delivery
			if err := d.close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			d2 := start(t, f.Stream(t, store), store, d.cursor())
			rest, _ := d2.drain()
			if lost := missingFrom(appendIDs(nil, pending), rest); len(lost) > 0 {
				t.Errorf("%d records of the fetched but uncommitted batch %d were not delivered after the restart (first %s)",
					len(lost), k+1, lost[0])
			}
			if diff := sameSequence(append(got, rest...), want); diff != "" {
				t.Fatalf("committed %d batches, restarted: %s", k, diff)
			}
		})
	}
}

func missingFrom(ids, in []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(in, id) {
			out = append(out, id)
		}
	}
	return out
}

// Cancel: while the server holds its answer, Fetch returns with an error
// soon after its context is cancelled.
func testCancel(t *testing.T, h Harness) {
	shared(t)
	f := h.New(t)
	store := h.store(t)
	d := start(t, f.Stream(t, store), store, nil)
	n0 := f.Requests()
	if _, ok := f.Inject(Fault{Kind: Hold, For: holdFor}); !ok {
		t.Skip("the server cannot hold an answer on this path")
	}
	ctx, cancel := context.WithCancel(d.run)
	defer cancel()
	done := make(chan fetched, 1)
	go func() {
		b, err := d.st.Fetch(ctx)
		done <- fetched{b, err}
	}()
	for deadline := time.Now().Add(fetchTimeout); f.Requests() == n0; {
		select {
		case r := <-done:
			t.Fatalf("Fetch returned (%v) before the held request reached the server", r.err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no request reached the server within %v", fetchTimeout)
		}
	}
	time.Sleep(20 * time.Millisecond) // let the request settle into its wait
	cancel()
	select {
	case r := <-done:
		if r.err == nil {
			t.Fatalf("Fetch returned a batch of %d records and no error after its context was cancelled", len(r.b.Records))
		}
	case <-time.After(cancelBound):
		d.hung = true
		t.Fatalf("Fetch did not return within %v of its context's cancellation (the server holds its answer for %v)", cancelBound, holdFor)
	}
}

// Close: with a batch handed out and, for an archive, the rest of it still
// being read, Close twice returns nil both times and leaves no goroutine
// and no spool file behind.
func testClose(t *testing.T, h Harness) {
	alone(t)
	f := h.New(t)
	store := h.store(t)
	ignore := goleak.IgnoreCurrent()
	d := start(t, f.Stream(t, store), store, nil)
	d.next()
	if err := d.close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := d.st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	f.CloseIdle()
	// Other tests' goroutines start and stop meanwhile (they wait for
	// this one, or start subtests): only goroutines outside any test count.
	if err := goleak.Find(ignore, goleak.IgnoreAnyFunction("testing.tRunner")); err != nil {
		t.Errorf("goroutines left after Close: %v", err)
	}
	if dir := f.SpoolDir(); dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			t.Errorf("spool file left after Close: %s", e.Name())
		}
	}
}

// Permanent: a server that refuses the credentials (401), the role (403)
// or the request (400) stops the stream with a permanent error, in one
// line that says what to fix, without retrying.
func testPermanent(t *testing.T, h Harness) {
	for _, code := range []int{401, 403, 400} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			shared(t)
			f := h.New(t)
			store := h.store(t)
			st, hint, ok := f.Misconfigured(t, store, code)
			if !ok {
				t.Skipf("this path cannot be refused with %d", code)
			}
			d := begin(t, st, store)
			err := st.Resume(d.run, nil)
			if err == nil {
				_, err = d.fetch()
			}
			switch {
			case err == nil:
				t.Fatalf("a server answering %d: no error", code)
			case !errclass.IsPermanent(err):
				t.Errorf("a server answering %d: error is not permanent: %v", code, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error is not one line: %q", err.Error())
			}
			if !strings.Contains(err.Error(), hint) {
				t.Errorf("error %q does not hold the hint %q", err.Error(), hint)
			}
			if a := d.attempts(); len(a) > 0 {
				t.Errorf("a %d was retried %d times (first: %v)", code, len(a), a[0].Err)
			}
		})
	}
}

// throttleRetryAfter is the Retry-After of the short 429 the suite waits out.
const throttleRetryAfter = time.Second

// Throttle: a short 429 waits its Retry-After only, then Fetch succeeds;
// a 429 for a spent daily limit waits until the reset the server names.
func testThrottle(t *testing.T, h Harness) {
	t.Run("Short", func(t *testing.T) {
		t.Parallel()
		shared(t)
		f := h.New(t)
		store := h.store(t)
		d := start(t, f.Stream(t, store), store, nil)
		if _, ok := f.Inject(Fault{Kind: Throttle429, RetryAfter: throttleRetryAfter}); !ok {
			t.Skip("this path has no short 429")
		}
		before := time.Now()
		_, err := d.fetch()
		after := time.Now()
		until, ok := errclass.ThrottledUntil(err)
		if !ok {
			t.Fatalf("a 429 with Retry-After %v: Fetch did not report a throttle: %v", throttleRetryAfter, err)
		}
		if r := errclass.Reason(err); r != errclass.ReasonThrottle {
			t.Errorf("a short 429 has reason %q, want %q", r, errclass.ReasonThrottle)
		}
		// Retry-After counts whole seconds from the answer.
		if lo, hi := before.Add(throttleRetryAfter-10*time.Millisecond), after.Add(throttleRetryAfter+time.Second); until.Before(lo) || until.After(hi) {
			t.Fatalf("a 429 with Retry-After %v throttles until %s, %v after the request; want its Retry-After only",
				throttleRetryAfter, until.UTC().Format(time.RFC3339Nano), until.Sub(before).Round(time.Millisecond))
		}
		time.Sleep(time.Until(until) + 10*time.Millisecond)
		if _, err := d.fetch(); err != nil {
			t.Fatalf("Fetch after waiting the Retry-After: %v", err)
		}
	})
	t.Run("Daily", func(t *testing.T) {
		t.Parallel()
		shared(t)
		f := h.New(t)
		store := h.store(t)
		d := start(t, f.Stream(t, store), store, nil)
		reset, ok := f.Inject(Fault{Kind: Daily429})
		if !ok {
			t.Skip("this path has no daily limit")
		}
		_, err := d.fetch()
		until, ok := errclass.ThrottledUntil(err)
		if !ok {
			t.Fatalf("a daily-limit 429: Fetch did not report a throttle: %v", err)
		}
		if r := errclass.Reason(err); r != errclass.ReasonDaily {
			t.Errorf("a daily-limit 429 has reason %q, want %q", r, errclass.ReasonDaily)
		}
		if diff := until.Sub(reset); diff < -time.Second || diff > time.Second {
			t.Errorf("a daily-limit 429 throttles until %s, the server's reset is %s",
				until.UTC().Format(time.RFC3339), reset.UTC().Format(time.RFC3339))
		}
	})
}

// reasons are the retry reasons each transient kind may show.
var reasons = map[Kind][]string{
	Status503: {errclass.Reason503},
	Reset:     {errclass.ReasonReset, errclass.ReasonTruncated}, // a reset may come after the bytes sent
	Truncate:  {errclass.ReasonTruncated},
	Locked423: {errclass.ReasonLocked},
	Abort:     {errclass.ReasonAbort},
}

// retriedFailures is how many failures of each kind the suite injects:
// fewer than the default four attempts of a Fetch.
const retriedFailures = 2

// Retry: transient failures are retried inside Fetch, which then
// succeeds; the observer sees one retry per failure, with its reason.
func testRetry(t *testing.T, h Harness) {
	for _, k := range []Kind{Status503, Reset, Truncate, Locked423, Abort} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			shared(t)
			f := h.New(t)
			store := h.store(t)
			d := start(t, f.Stream(t, store), store, nil)
			if _, ok := f.Inject(Fault{Kind: k, N: retriedFailures}); !ok {
				t.Skipf("this path cannot produce %s", k)
			}
			if _, err := d.fetch(); err != nil {
				t.Errorf("%d × %s: Fetch failed (reason %s): %v", retriedFailures, k, errclass.Reason(err), err)
			}
			a := d.attempts()
			if len(a) != retriedFailures {
				t.Errorf("%d × %s: the observer saw %d retries, want %d", retriedFailures, k, len(a), retriedFailures)
			}
			for _, at := range a {
				if !slices.Contains(reasons[k], at.Reason) {
					t.Errorf("a %s was retried with reason %q, want one of %q: %v", k, at.Reason, reasons[k], at.Err)
				}
			}
		})
	}
}

// restartRetryAfter is the Retry-After a restarted stream must still honour.
const restartRetryAfter = 30 * time.Second

// ThrottleSurvivesRestart: after a 429, a new stream on the same store
// sends nothing before the Retry-After and reports the throttle.
func testThrottleSurvivesRestart(t *testing.T, h Harness) {
	shared(t)
	f := h.New(t)
	store := h.store(t)
	d := start(t, f.Stream(t, store), store, nil)
	if _, ok := f.Inject(Fault{Kind: Throttle429, RetryAfter: restartRetryAfter}); !ok {
		t.Skip("this path has no 429")
	}
	_, err := d.fetch()
	until, ok := errclass.ThrottledUntil(err)
	if !ok {
		t.Fatalf("a 429 with Retry-After %v: Fetch did not report a throttle: %v", restartRetryAfter, err)
	}
	if err := d.close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	n0 := f.Requests()
	d2 := start(t, f.Stream(t, store), store, d.cursor())
	ctx, cancel := context.WithTimeout(d2.run, restartBound)
	defer cancel()
	_, err = d2.fetchCtx(ctx)
	if n := f.Requests() - n0; n > 0 {
		t.Errorf("after a restart, %d requests were sent with %v of the Retry-After left", n, time.Until(until).Round(time.Second))
	}
	switch until2, ok := errclass.ThrottledUntil(err); {
	case !ok:
		t.Errorf("after a restart, Fetch did not report the throttle until %s within %v: %v",
			until.UTC().Format(time.RFC3339), restartBound, err)
	case until2.Before(until.Add(-time.Second)):
		t.Errorf("after a restart, throttled until %s only, the server said %s",
			until2.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
}

// heapSampleEvery is how many batches pass between heap samples.
const heapSampleEvery = 20

// Garbage: every bad item of a page or archive of garbage is handed out in
// Batch.Bad with its reason and context, none dropped, no batch holding
// more than MaxBad of them, and the live heap stays bounded meanwhile.
func testGarbage(t *testing.T, h Harness) {
	if h.Garbage == 0 {
		t.Skip("Harness.Garbage is 0")
	}
	if h.HeapBound > 0 {
		alone(t) // the heap is the whole process's
	} else {
		shared(t)
	}
	f := h.New(t)
	store := h.store(t)
	if !f.Garbage(h.Garbage) {
		t.Skip("this path cannot serve garbage")
	}
	d := start(t, f.Stream(t, store), store, nil)
	base := liveHeap()
	var bad, batches, overfull int
	var peak uint64
	// take fetches and commits one batch; the batch is gone when it returns.
	take := func() (caughtUp bool) {
		b := d.next()
		d.commit(b)
		batches++
		bad += len(b.Bad)
		if len(b.Bad) > h.MaxBad {
			if overfull++; overfull == 1 {
				t.Errorf("batch %d holds %d bad items, more than %d", batches, len(b.Bad), h.MaxBad)
			}
		}
		for i, q := range b.Bad {
			if q.Reason == "" || q.Context == "" {
				t.Fatalf("batch %d, bad item %d has no reason or context: %+v", batches, i, q)
			}
		}
		return b.CaughtUp
	}
	for !take() {
		if batches == maxBatches {
			t.Fatalf("no CaughtUp batch after %d batches", batches)
		}
		if h.HeapBound > 0 && batches%heapSampleEvery == 0 {
			if cur := liveHeap(); cur > base {
				peak = max(peak, cur-base)
			}
		}
	}
	if bad != h.Garbage {
		t.Errorf("%d bad items served, %d handed out in Batch.Bad", h.Garbage, bad)
	}
	if h.HeapBound > 0 && peak > h.HeapBound {
		t.Errorf("the live heap grew by %d MiB while %d bad items were drained (bound %d MiB)",
			peak>>20, h.Garbage, h.HeapBound>>20)
	}
	t.Logf("%d bad items in %d batches, live heap grew by at most %d KiB", bad, batches, peak>>10)
}

// liveHeap is the bytes of live heap objects after a collection.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
