package forcepoint

import (
	"bytes"
	"encoding/json"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/source"
)

// BenchmarkPageCPU reports the CPU time per record of the client's work on
// a page beside json.Valid on the same page, interleaved: every iteration
// runs json.Valid once, then the work once. On a shared machine both halves
// see the same load, so their ratio (x-valid) is steadier than either
// figure. ns/op is the two halves together.
//
//	go test -run XXX -bench PageCPU -count 5 ./internal/source/forcepoint/
//
// The work's CPU is the whole process's (all threads: the GC's background
// marking of the work's garbage counts, whenever it runs) less json.Valid's,
// which is read from this goroutine's own thread: json.Valid allocates
// nothing, so it causes no GC work.
func BenchmarkPageCPU(b *testing.B) {
	body := benchBody(b)
	b.Run("decode", func(b *testing.B) {
		cpuBesideValid(b, body, func() {
			if pg, err := readPage(bytes.NewReader(body), int64(len(body))); err != nil || len(pg.Data) != benchRecords {
				b.Fatalf("readPage: %v", err)
			}
		})
	})
	b.Run("records", func(b *testing.B) {
		st := benchStream(b, "http://127.0.0.1:1")
		var line []byte
		cpuBesideValid(b, body, func() {
			st.cur = cursor{} // every iteration is the stream's first page
			pg, err := readPage(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				b.Fatal(err)
			}
			var batch source.Batch
			st.applyPage(pg, "", &batch)
			if len(batch.Records) != benchRecords || len(batch.Bad) != 0 {
				b.Fatalf("%d records, %d quarantined", len(batch.Records), len(batch.Bad))
			}
			for i := range batch.Records {
				line = append(batch.Records[i].AppendJSON(line[:0]), '\n')
			}
		})
	})
}

func cpuBesideValid(b *testing.B, body []byte, work func()) {
	runtime.LockOSThread() // the thread clock must stay this goroutine's
	defer runtime.UnlockOSThread()
	var valid, all time.Duration
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p0, t0 := cpuTime(syscall.RUSAGE_SELF), cpuTime(syscall.RUSAGE_THREAD)
		if !json.Valid(body) {
			b.Fatal("page is not valid JSON")
		}
		t1 := cpuTime(syscall.RUSAGE_THREAD)
		work()
		valid += t1 - t0
		all += cpuTime(syscall.RUSAGE_SELF) - p0
	}
	recs := float64(b.N * benchRecords)
	b.ReportMetric(float64(all-valid)/1e3/recs, "cpu-us/rec")
	b.ReportMetric(float64(valid)/1e3/recs, "valid-cpu-us/rec")
	if valid > 0 {
		b.ReportMetric(float64(all-valid)/float64(valid), "x-valid")
	}
}

// cpuTime is the user and system CPU time of the process or of the calling
// thread.
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
