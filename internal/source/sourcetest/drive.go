package sourcetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// driver runs one stream as the pipeline's runner does.
type driver struct {
	t      *testing.T
	st     source.Stream
	store  state.Store
	run    context.Context // the run: Resume's context, alive until cleanup
	stop   context.CancelFunc
	closed bool
	hung   bool // a Fetch never returned: Close could race with it

	mu      sync.Mutex
	retries []retry.Attempt
}

// start resumes st from cursor under a run context that ends when t does,
// after the stream is closed. It fails t if Resume fails.
func start(t *testing.T, st source.Stream, store state.Store, cursor []byte) *driver {
	t.Helper()
	d := begin(t, st, store)
	if err := st.Resume(d.run, cursor); err != nil {
		t.Fatalf("Resume(%q): %v", cursor, err)
	}
	return d
}

// begin is start without Resume.
func begin(t *testing.T, st source.Stream, store state.Store) *driver {
	t.Helper()
	if st == nil {
		t.Fatal("the fixture returned a nil stream")
	}
	d := &driver{t: t, st: st, store: store}
	run, stop := context.WithCancel(context.Background())
	d.run, d.stop = retry.WithObserver(run, d.observe), stop
	t.Cleanup(func() {
		if !d.closed && !d.hung {
			if err := st.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		d.stop()
	})
	return d
}

func (d *driver) observe(a retry.Attempt) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.retries = append(d.retries, a)
}

// attempts returns the retries the observer has seen.
func (d *driver) attempts() []retry.Attempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.retries)
}

// restart returns the committed cursor, for a new stream to resume from.
func (d *driver) cursor() []byte {
	d.t.Helper()
	cp, _, err := d.store.Checkpoint(d.st.ID())
	if err != nil {
		d.t.Fatalf("read checkpoint: %v", err)
	}
	return cp.Cursor
}

type fetched struct {
	b   *source.Batch
	err error
}

// fetchCtx calls Fetch on its own goroutine, so that a stream that
// ignores its context fails the test instead of hanging it.
func (d *driver) fetchCtx(ctx context.Context) (*source.Batch, error) {
	d.t.Helper()
	done := make(chan fetched, 1)
	go func() {
		b, err := d.st.Fetch(ctx)
		done <- fetched{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
	}
	select {
	case r := <-done:
		return r.b, r.err
	case <-time.After(cancelBound):
		d.hung = true
		d.t.Fatalf("Fetch did not return within %v after its context ended (%v)", cancelBound, context.Cause(ctx))
		return nil, nil
	}
}

// fetch is fetchCtx with the run's context and fetchTimeout.
func (d *driver) fetch() (*source.Batch, error) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.run, fetchTimeout)
	defer cancel()
	return d.fetchCtx(ctx)
}

// next fetches a batch and fails the test on an error.
func (d *driver) next() *source.Batch {
	d.t.Helper()
	b, err := d.fetch()
	if err != nil {
		d.t.Fatalf("Fetch: %v", err)
	}
	if b == nil {
		d.t.Fatal("Fetch returned neither a batch nor an error")
	}
	return b
}

// commit makes b the stream's checkpoint as the runner does: its cursor
// and, when it asks, its records' seen marks, in one commit.
func (d *driver) commit(b *source.Batch) {
	d.t.Helper()
	cp := state.Checkpoint{Cursor: b.Cursor, Records: uint64(len(b.Records)), Updated: time.Now().UTC()}
	if b.MarkSeen {
		cp.Seen = make([]state.SeenID, len(b.Records))
		for i, r := range b.Records {
			cp.Seen[i] = state.SeenID{Time: r.Time, ID: r.ID}
		}
		cp.PruneSeenBefore = b.PruneSeenBefore
	}
	if err := d.store.Commit(d.st.ID(), cp); err != nil {
		d.t.Fatalf("commit: %v", err)
	}
}

// close closes the stream (once; the test's cleanup does not close it again).
func (d *driver) close() error {
	d.closed = true
	return d.st.Close()
}

// maxBatches bounds a drain: a stream that never catches up fails.
const maxBatches = 100000

// drain fetches and commits until a batch is CaughtUp, and returns the
// ids delivered and the number of batches.
func (d *driver) drain() (ids []string, batches int) {
	d.t.Helper()
	for batches < maxBatches {
		b := d.next()
		d.commit(b)
		batches++
		ids = appendIDs(ids, b)
		if b.CaughtUp {
			return ids, batches
		}
	}
	d.t.Fatalf("no CaughtUp batch after %d batches", batches)
	return nil, 0
}

func appendIDs(ids []string, b *source.Batch) []string {
	for _, r := range b.Records {
		ids = append(ids, r.ID)
	}
	return ids
}

// sameSequence says how got differs from want: missing, duplicated and
// unknown ids, or the first place the order differs. "" means equal.
func sameSequence(got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	wantN := map[string]int{}
	for _, id := range want {
		wantN[id]++
	}
	gotN := map[string]int{}
	for _, id := range got {
		gotN[id]++
	}
	var missing, dup, unknown []string
	for _, id := range want {
		if gotN[id] < wantN[id] && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	for _, id := range got {
		switch {
		case wantN[id] == 0 && !slices.Contains(unknown, id):
			unknown = append(unknown, id)
		case wantN[id] > 0 && gotN[id] > wantN[id] && !slices.Contains(dup, id):
			dup = append(dup, id)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "delivered %d records, the server holds %d", len(got), len(want))
	for _, part := range []struct {
		what string
		ids  []string
	}{{"missing", missing}, {"duplicated", dup}, {"unknown", unknown}} {
		if len(part.ids) > 0 {
			fmt.Fprintf(&b, "; %d %s (first %s)", len(part.ids), part.what, part.ids[0])
		}
	}
	if len(missing)+len(dup)+len(unknown) == 0 {
		for i := range got {
			if got[i] != want[i] {
				fmt.Fprintf(&b, "; out of order from record %d: got %s, want %s", i, got[i], want[i])
				break
			}
		}
	}
	return b.String()
}
