package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/testutil"
)

// noisy is a scripted stream that reports a retry inside each fetch, as a
// source's own retry loop does, and can fail to close.
type noisy struct {
	*scripted
	closeErr error
}

func (n *noisy) Fetch(ctx context.Context) (*source.Batch, error) {
	retry.Notify(ctx, retry.Attempt{N: 1, Err: errclass.WithReason(errors.New("503 busy"), "503"), Wait: time.Millisecond})
	return n.scripted.Fetch(ctx)
}

func (n *noisy) Close() error { n.scripted.Close(); return n.closeErr }

// lockedFlaky is flakyTwice for several streams at once.
type lockedFlaky struct {
	mu sync.Mutex
	flakyTwice
}

func (l *lockedFlaky) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flakyTwice.Write(ctx, id, recs)
}

// Every log line about a stream carries source and stream as fields of
// their own (not only inside the message, and not joined as "src/a"), and
// every warning or error carries an error field: a collection with a failing
// stream, a retrying one, one given up without progress, a deferred one, a
// sink retried and a sink stopped, through a JSON handler.
func TestEveryStreamLogLineNamesSourceAndStream(t *testing.T) {
	e := newEnv(t)
	var buf testutil.SyncBuffer
	e.opts.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.opts.MaxWait = 100 * time.Millisecond
	e.opts.Sinks = []sink.Sink{e.file, &lockedFlaky{flakyTwice: flakyTwice{Sink: sinktest.NewMemory("flaky")}}, permanentSink{sinktest.NewMemory("broken")}}
	e.opts.SinkRetry = map[string]SinkRetry{"flaky": {Attempts: 3, Backoff: retry.Backoff{Base: time.Millisecond, Max: time.Millisecond}}}
	id := func(s string) record.StreamID { return record.StreamID{Source: "src", Stream: s} }
	calls := 0
	throttledOnce := false
	streams := []source.Stream{
		&noisy{scripted: &scripted{id: id("fails"), batches: 5, fail: func(n int) error {
			if n == 1 {
				return errclass.Permanentf("401 Invalid credentials")
			}
			return nil
		}}, closeErr: errors.New("spool cleanup failed")},
		&scripted{id: id("retries"), batches: 3, bad: true, fail: func(int) error {
			if calls++; calls%2 == 1 {
				return errors.New("503 Temporarily unavailable")
			}
			return nil
		}},
		&scripted{id: id("stalls"), batches: 3, fail: func(n int) error {
			if n >= 1 {
				return errRefused
			}
			return nil
		}},
		&scripted{id: id("deferred"), batches: 3, fail: func(n int) error {
			switch {
			case n == 1 && !throttledOnce:
				throttledOnce = true
				return errclass.Throttled(errors.New("429 Too Many Requests"), time.Now().Add(5*time.Millisecond))
			case n == 2:
				return errclass.Throttled(errors.New("429 daily limit"), time.Now().Add(time.Hour))
			}
			return nil
		}},
	}
	runWithin(t, t.Context(), 30*time.Second, []source.Source{&fakeSource{streams: streams}}, e.opts)

	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(buf.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Bytes(), err)
		}
		msg, _ := rec["msg"].(string)
		src, hasSrc := rec["source"].(string)
		stream, hasStream := rec["stream"].(string)
		if hasSrc || hasStream || strings.Contains(msg, "src/") {
			if src != "src" || stream == "" || strings.Contains(stream, "/") {
				t.Errorf("a line about a stream without source and stream fields: %s", sc.Bytes())
			}
		}
		if lvl, _ := rec["level"].(string); lvl == "WARN" || lvl == "ERROR" {
			if s, _ := rec["error"].(string); s == "" {
				t.Errorf("a %s line without an error field: %s", lvl, sc.Bytes())
			}
		}
		for _, want := range wantLogLines {
			if strings.Contains(msg, want) {
				seen[want] = true
			}
		}
	}
	for _, want := range wantLogLines {
		if !seen[want] {
			t.Errorf("no %q line: the test no longer covers it\n%s", want, buf.String())
		}
	}
}

// wantLogLines are the stream log lines the test above must meet.
var wantLogLines = []string{
	"retrying a request", "retrying after an error", "batch delivered", "throttled: waiting",
	"stream deferred", "sink write failed; retrying", "sink broken stopped for this stream",
	"401 Invalid credentials", "made no progress", "close stream",
}
