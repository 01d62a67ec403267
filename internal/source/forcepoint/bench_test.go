package forcepoint

// Benchmarks of the client's hot path, each next to a baseline measured in
// the same invocation:
//
//	go test -run XXX -bench . -benchmem ./internal/source/forcepoint/
//
// Every benchmark handles one realistic page of 1000 access records fetched
// once from the simulator. Nothing here asserts a speed: the numbers are
// measured and reported (see bench/README.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/httpx"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state/memstate"
)

const (
	benchRecords = 1000
	benchToken   = "bench-token"
	benchPath    = "/api/bitglassapi/logs/v1/"
)

// benchNow fixes the clock so that every run serves the same bytes.
var benchNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// newBenchSimulator serves `records` access records with the default page
// size of 1000, no request limit and a fixed clock.
func newBenchSimulator(records int) *fpsim.Server {
	return fpsim.New(fpsim.Config{
		Seed: 1, Types: map[string]int{"access": records}, PageSize: benchRecords,
		Token: benchToken, End: benchNow, Now: func() time.Time { return benchNow },
	})
}

var benchPage struct {
	once sync.Once
	body []byte
	err  error
}

// benchBody returns the first page of a 1000-record access stream as the
// simulator serves it, fetched once per test binary.
func benchBody(b *testing.B) []byte {
	b.Helper()
	benchPage.once.Do(func() {
		ts := httptest.NewServer(newBenchSimulator(benchRecords))
		defer ts.Close()
		start := benchNow.Add(-24 * time.Hour).Format("2006-01-02T15:04:05Z")
		req, err := http.NewRequest(http.MethodGet,
			ts.URL+benchPath+"?type=access&cv=1.1.5&responseformat=json&startdate="+start, nil)
		if err != nil {
			benchPage.err = err
			return
		}
		req.Header.Set("Authorization", "Bearer "+benchToken)
		resp, err := ts.Client().Do(req)
		if err != nil {
			benchPage.err = err
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("simulator answered %s: %.200s", resp.Status, body)
		}
		benchPage.body, benchPage.err = body, err
	})
	if benchPage.err != nil {
		b.Fatalf("fetch the benchmark page: %v", benchPage.err)
	}
	pg, err := decodePage(bytes.NewReader(benchPage.body))
	if err != nil || len(pg.Data) != benchRecords {
		b.Fatalf("benchmark page: %d records, %v; want %d", len(pg.Data), err, benchRecords)
	}
	return benchPage.body
}

// reportRecords adds records/s to the benchmark's output; call it after the
// b.Loop loop, when b.N holds the iteration count.
func reportRecords(b *testing.B, perOp int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(perOp*b.N)/s, "records/s")
	}
}

// benchStream is a stream as New builds it, with a memory store and a budget
// no benchmark spends.
func benchStream(b *testing.B, baseURL string) *stream {
	b.Helper()
	src, err := New(Config{
		Name: "bench", BaseURL: baseURL, Auth: Auth{Token: benchToken}, LogTypes: []string{"access"},
		Now: func() time.Time { return benchNow }, DailyRequestBudget: 1 << 30,
	}, httpx.NewClient(httpx.Options{}), memstate.New())
	if err != nil {
		b.Fatal(err)
	}
	return src.Streams()[0].(*stream)
}

// BenchmarkPageBaselineValid is the least any JSON client must do with a
// page: look at every byte once.
func BenchmarkPageBaselineValid(b *testing.B) {
	body := benchBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(body) {
			b.Fatal("page is not valid JSON")
		}
	}
	reportRecords(b, benchRecords)
}

// BenchmarkPageDecode is the page decoder alone, given the Content-Length
// as Fetch gives it.
func BenchmarkPageDecode(b *testing.B) {
	body := benchBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		pg, err := readPage(bytes.NewReader(body), int64(len(body)))
		if err != nil || len(pg.Data) != benchRecords {
			b.Fatalf("readPage: %d records, %v", len(pg.Data), err)
		}
	}
	reportRecords(b, benchRecords)
}

// BenchmarkPageToRecords is everything the client does with a received
// body: decode, turn the page into records and advance the cursor
// (applyPage), and encode every record's envelope as a sink does.
func BenchmarkPageToRecords(b *testing.B) {
	body := benchBody(b)
	st := benchStream(b, "http://127.0.0.1:1")
	var line []byte
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
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
	}
	reportRecords(b, benchRecords)
}

// BenchmarkFetchBaselineRead is the least any HTTP client must do for a
// page: one GET over loopback and reading the body, from a server that
// answers the prepared page bytes (no generation cost).
func BenchmarkFetchBaselineRead(b *testing.B) {
	body := benchBody(b)
	ts := httptest.NewServer(cannedPage(body))
	defer ts.Close()
	client := httpx.NewClient(httpx.Options{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, ts.URL+benchPath+"?type=access", nil)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(len(body)) {
			b.Fatalf("read %d of %d bytes: %v", n, len(body), err)
		}
	}
	reportRecords(b, benchRecords)
}

// BenchmarkFetchCanned is the stream's full Fetch of one page against the
// same prepared-bytes server: request building, budget ledger, HTTP,
// decoding and conversion. Compare with BenchmarkFetchBaselineRead.
func BenchmarkFetchCanned(b *testing.B) {
	body := benchBody(b)
	ts := httptest.NewServer(cannedPage(body))
	defer ts.Close()
	benchFetch(b, ts.URL, int64(len(body)))
}

// BenchmarkFetchOverHTTP is the stream's full Fetch of one page from the
// simulator over loopback. The simulator runs in the same process, so its
// page generation is part of the time and the allocations.
func BenchmarkFetchOverHTTP(b *testing.B) {
	body := benchBody(b)
	ts := httptest.NewServer(newBenchSimulator(benchRecords))
	defer ts.Close()
	benchFetch(b, ts.URL, int64(len(body)))
}

// benchFetch fetches the stream's first page again in every iteration: a
// fresh cursor asks by the same startdate, so each response is the same
// 1000-record page.
func benchFetch(b *testing.B, baseURL string, size int64) {
	st := benchStream(b, baseURL)
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Resume(ctx, nil); err != nil {
			b.Fatal(err)
		}
		batch, err := st.Fetch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(batch.Records) != benchRecords || batch.Bytes != size {
			b.Fatalf("%d records, %d bytes; want %d, %d", len(batch.Records), batch.Bytes, benchRecords, size)
		}
	}
	reportRecords(b, benchRecords)
}

// cannedPage answers every request with the same page bytes, as the
// simulator does (Content-Length set, one write).
func cannedPage(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	})
}
