package e2e

import (
	"context"
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

// countingSink counts what it is given and samples the live heap.
type countingSink struct {
	mu         sync.Mutex
	records    int64
	fieldBytes int64
	peakHeap   uint64
	sample     []metrics.Sample
}

func (c *countingSink) Name() string                                           { return "count" }
func (c *countingSink) Recover(context.Context, record.StreamID, []byte) error { return nil }
func (c *countingSink) Close() error                                           { return nil }
func (c *countingSink) Write(_ context.Context, _ record.StreamID, recs []record.Record) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records += int64(len(recs))
	for _, r := range recs {
		c.fieldBytes += int64(len(r.Fields))
	}
	metrics.Read(c.sample)
	if v := c.sample[0].Value.Uint64(); v > c.peakHeap {
		c.peakHeap = v
	}
	return nil, nil
}

var _ sink.Sink = (*countingSink)(nil)

// An access-log archive of more than 2 GB uncompressed, generated on the fly
// by the simulator and never stored, goes through the sync stream while the
// live heap stays bounded: the archive is spooled to disk (compressed) and
// read line by line in batches of at most batch_bytes (default 4 MiB) of
// JSON. The bound is on the live heap after each GC: measured 18 MiB with
// the default; batches of 5,000 records whatever their size (before
// batch_bytes, about 12 MB of JSON each) peak at 42 MiB and fail it
// (GATELOG_HUGE_BATCH_BYTES=1073741824 shows it).
func TestSymantecHugeArchiveInBoundedMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("too slow under -race; make test runs it in its second pass, without -race")
	}
	huge := int64(2<<30 + 1<<20)
	if v := os.Getenv("GATELOG_HUGE_BYTES"); v != "" { // a smaller size for a quick local run
		huge, _ = strconv.ParseInt(v, 10, 64)
	}
	batchBytes := 0
	if v := os.Getenv("GATELOG_HUGE_BATCH_BYTES"); v != "" {
		batchBytes, _ = strconv.Atoi(v)
	}
	end := time.Now().UTC().Truncate(time.Hour)
	_, url := swgSim(t, swgsim.Config{Seed: 1, Start: end.Add(-2 * time.Hour), End: end, HugeBytes: huge}, nil)
	src, err := symantec.New(symantec.Config{Name: "wss", BaseURL: url, Streams: []string{"accesslog"},
		AccessLogs: config.Credential{Username: swgUser, Password: swgPass}, SpoolDir: t.TempDir(), BatchBytes: batchBytes},
		httpx.NewClient(httpx.Options{}), nil, memstate.New())
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingSink{sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	res := pipeline.Run(t.Context(), []source.Source{src}, pipeline.Options{
		Store: memstate.New(), Sinks: []sink.Sink{cs}, Quarantine: quarantine.New(t.TempDir()), Once: true,
	})
	if res[0].Status != pipeline.Done {
		t.Fatalf("%+v", res[0])
	}
	if cs.fieldBytes < huge {
		t.Fatalf("records carry %d bytes of fields, less than the %d bytes of ELFF served", cs.fieldBytes, huge)
	}
	const limit = 28 << 20
	t.Logf("%d records, %d MiB of fields, peak live heap %d MiB", cs.records, cs.fieldBytes>>20, cs.peakHeap>>20)
	if cs.peakHeap > limit {
		t.Fatalf("peak live heap %d MiB is over the %d MiB bound", cs.peakHeap>>20, limit>>20)
	}
}
