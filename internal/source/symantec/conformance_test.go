package symantec_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/simulator/fault"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/sourcetest"
	"github.com/gatelog/gatelog/internal/source/symantec"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
	"github.com/gatelog/gatelog/internal/testutil/faultswitch"
)

// The sync (accesslog), audit and download-backfill paths pass the source
// conformance suite against the simulator.
func TestConformance(t *testing.T) {
	for name, h := range harnesses() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sourcetest.Run(t, h)
		})
	}
}

// TestSourcetestMutant is the child of TestSuiteCatchesMutants.
func TestSourcetestMutant(t *testing.T) {
	sourcetest.MutantChild(t, harnesses())
}

// Each subtest of the suite fails against a stream that breaks its
// promise. Every mutant is caught on a Forcepoint stream (its tests); here
// run the ones whose promise the sync stream keeps its own way: resuming
// inside an archive (replay and seen marks), a walk stopped by the context
// or by Close (spool file and goroutine), 423 and abort retried, a
// Retry-After kept across restarts in the pacer, quarantine flushed in
// bounded batches.
func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per mutant")
	}
	sourcetest.CatchMutants(t, "TestSourcetestMutant", map[string][]string{
		"accesslog": {"ignoreCursor", "ignoreCancel", "closeNothing", "noRetry", "forgetThrottle", "dropBad", "holdBad"},
	})
}

const (
	accessUser, accessPass = "AK-conformance", "AK-s3cret"
	auditUser, auditPass   = "AU-conformance", "AU-s3cret"
	// Sync data: 2 hours of 120 lines, archives of 100 lines, members of
	// 50, batches of 40: every archive is read in several batches.
	linesPerHour = 120
	archiveLines = 100
	memberLines  = 50
	batchSize    = 40
	// garbageLines is enough bad lines that holding them all shows in the
	// heap (about 230 bytes each: 22 MiB), while reading them in batches
	// of 1000, as the archive reader flushes quarantine, takes about 1.5 MiB.
	garbageLines = 100_000
	maxBad       = 1000
	heapBound    = 8 << 20
	// auditBad is a garbage audit answer larger than one flush.
	auditBad = 2500
)

// harnesses run over the bolt store gatelog uses by default: the seen
// marks that replays drop delivered lines by live in it.
func harnesses() map[string]sourcetest.Harness {
	return map[string]sourcetest.Harness{
		"accesslog": {New: func(t *testing.T) sourcetest.Fixture { return newSWGFixture(t, pathSync) },
			Store: boltStore, Garbage: garbageLines, MaxBad: maxBad, HeapBound: heapBound},
		"audit": {New: func(t *testing.T) sourcetest.Fixture { return newSWGFixture(t, pathAudit) },
			Store: boltStore, Garbage: auditBad, MaxBad: maxBad},
		"backfill": {New: func(t *testing.T) sourcetest.Fixture { return newSWGFixture(t, pathBackfill) },
			Store: boltStore, Garbage: garbageLines, MaxBad: maxBad, HeapBound: heapBound},
	}
}

func boltStore(t *testing.T) state.Store {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type path int

const (
	pathSync     path = iota // the sync API: stream "accesslog"
	pathAudit                // the audit download: stream "audit"
	pathBackfill             // hours fetched with Client.DownloadHour, read by NewBackfill
)

type swgFixture struct {
	path       path
	srv        *swgsim.Server
	cfg        swgsim.Config
	sw         *faultswitch.Switch
	url        string
	client     *http.Client
	spool, dir string // spool folder; download folder (backfill)

	mu    sync.Mutex
	hours []time.Time // downloaded hours (backfill)
}

func newSWGFixture(t *testing.T, p path) *swgFixture {
	return swgFixtureOf(t, p, archiveLines, memberLines)
}

// swgFixtureOf is newSWGFixture with archives of at most archive lines and
// members of member lines.
func swgFixtureOf(t *testing.T, p path, archive, member int) *swgFixture {
	end := time.Now().UTC().Truncate(time.Hour)
	c := swgsim.Config{Seed: 5, Start: end.Add(-2 * time.Hour), End: end,
		LinesPerHour: linesPerHour, MaxLinesPerArchive: archive, LinesPerMember: member,
		MinInterval: -1, // the per-customer interval is the pacer's own tests' subject
		AccessUser:  accessUser, AccessPassword: accessPass, AuditUser: auditUser, AuditPassword: auditPass}
	if p == pathAudit {
		// Two whole UTC days and today's share: 50 events per day.
		c.Start = end.Truncate(24 * time.Hour).Add(-48 * time.Hour)
	}
	srv := swgsim.New(c)
	sw := faultswitch.New(srv)
	ts := httptest.NewServer(sw)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ts.CloseClientConnections() // ends a held answer
		ts.Close()
	})
	tmp := t.TempDir()
	f := &swgFixture{path: p, srv: srv, cfg: c, sw: sw, url: ts.URL, client: client,
		spool: filepath.Join(tmp, "spool"), dir: filepath.Join(tmp, "hours")}
	if p == pathBackfill {
		f.download(t)
	}
	return f
}

func (f *swgFixture) config() symantec.Config {
	cfg := symantec.Config{Name: "wss", BaseURL: f.url, SpoolDir: f.spool,
		AccessLogs: config.Credential{Username: accessUser, Password: accessPass},
		Audit:      config.Credential{Username: auditUser, Password: auditPass},
		Streams:    []string{symantec.StreamAccessLog}, BatchSize: batchSize, RequestTimeout: config.Duration(time.Minute),
		Backoff: retry.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}}
	if f.path == pathAudit {
		cfg.Streams, cfg.Start = []string{symantec.StreamAudit}, config.Duration(48*time.Hour)
	}
	return cfg
}

// download fetches every hour of the simulator with Client.DownloadHour,
// as `gatelog symantec download` does.
func (f *swgFixture) download(t *testing.T) {
	c, err := symantec.NewClient(f.config(), f.client)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for h := f.cfg.Start; h.Before(f.cfg.End); h = h.Add(time.Hour) {
		if _, _, err := c.DownloadHour(t.Context(), f.dir, h); err != nil {
			t.Fatalf("download hour %s: %v", h.Format(time.RFC3339), err)
		}
		f.hours = append(f.hours, h)
	}
}

func (f *swgFixture) build(t *testing.T, cfg symantec.Config, store state.Store) source.Stream {
	t.Helper()
	if f.path == pathBackfill {
		c, err := symantec.NewClient(cfg, f.client)
		if err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		hours := f.hours
		f.mu.Unlock()
		return symantec.NewBackfill(c, store, f.dir, hours).Streams()[0]
	}
	src, err := symantec.New(cfg, f.client, store, store)
	if err != nil {
		t.Fatal(err)
	}
	return src.Streams()[0]
}

func (f *swgFixture) Stream(t *testing.T, store state.Store) source.Stream {
	return f.build(t, f.config(), store)
}

func (f *swgFixture) Misconfigured(t *testing.T, store state.Store, code int) (source.Stream, string, bool) {
	if f.path == pathBackfill {
		return nil, "", false // reads downloaded files: no server to refuse it
	}
	cfg := f.config()
	key, role := "access_logs", "Reporting Access Logs"
	cred, other := &cfg.AccessLogs, cfg.Audit
	if f.path == pathAudit {
		key, role = "audit", "Audit Logs"
		cred, other = &cfg.Audit, cfg.AccessLogs
	}
	switch code {
	case http.StatusUnauthorized:
		cred.Password = "wrong"
		return f.build(t, cfg, store), fmt.Sprintf("check %s.username and %s.password: this key needs the %q role", key, key, role), true
	case http.StatusForbidden:
		*cred = other // a valid key of another role
		return f.build(t, cfg, store), fmt.Sprintf("this key needs the %q role", role), true
	case http.StatusBadRequest:
		if f.path == pathAudit {
			cfg.Audits = symantec.AuditParams{StartDate: "from", EndDate: "endDate", Format: "format",
				ObjectType: "objectType", OperationType: "operationType"}
		} else {
			cfg.Paths = symantec.Paths{Sync: "/reportpod/logs/list", List: "/reportpod/logs/list",
				Download: "/reportpod/logs/download", Audit: "/api/rest/audit/download", Locations: "/api/rest/locations"}
		}
		return f.build(t, cfg, store), "check base_url and paths", true
	}
	return nil, "", false
}

// Want: the lines in the order the simulator generates and serves them
// (hour, member, line), or the audit events oldest first, by the ids the
// envelope promises.
func (f *swgFixture) Want(t *testing.T) []string {
	if f.path == pathAudit {
		return f.wantAudit(t)
	}
	var ids []string
	for _, l := range f.srv.Lines(f.cfg.Start, f.cfg.End) {
		id := l.UUID
		if id == "" {
			id = record.HashID(l.Raw)
		}
		ids = append(ids, id)
	}
	return ids
}

// wantAudit asks the simulator (past the switch) for the JSON events of
// the days the stream reads, and hashes each event's bytes.
func (f *swgFixture) wantAudit(t *testing.T) []string {
	now := time.Now().UTC()
	q := "startDate=" + now.Add(-48*time.Hour).Format(time.DateOnly) + "&endDate=" + now.Format(time.DateOnly) + "&format=JSON"
	req := httptest.NewRequest(http.MethodGet, "/api/rest/audit/download?"+q, nil)
	req.SetBasicAuth(auditUser, auditPass)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("audit from the simulator: %d %s", rec.Code, rec.Body)
	}
	var events []json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &events); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = record.HashID(e)
	}
	return ids
}

func (f *swgFixture) Requests() int { return f.sw.Requests() }

func (f *swgFixture) Inject(ft sourcetest.Fault) (time.Time, bool) {
	if f.path == pathBackfill {
		return time.Time{}, false // Fetch sends no request
	}
	n := max(ft.N, 1)
	switch ft.Kind {
	case sourcetest.Status503:
		f.sw.Fail(fault.Status503, n, fault.Config{})
	case sourcetest.Reset:
		f.sw.Fail(fault.Reset, n, fault.Config{})
	case sourcetest.Truncate:
		f.sw.Fail(fault.Truncate, n, fault.Config{})
	case sourcetest.Throttle429:
		f.sw.Fail(fault.Throttle429, n, fault.Config{RetryAfter: ft.RetryAfter})
	case sourcetest.Hold:
		f.sw.Hold(ft.For)
	case sourcetest.Locked423, sourcetest.Abort:
		if f.path != pathSync {
			return time.Time{}, false // /reportpod and sync archives only
		}
		k := fault.Locked423
		if ft.Kind == sourcetest.Abort {
			k = fault.Abort
		}
		f.sw.Fail(k, n, fault.Config{})
	default:
		return time.Time{}, false // Broadcom has no daily limit
	}
	return time.Time{}, true
}

// garbageToken is the sync token of the garbage archive.
var garbageToken = strings.Repeat("g4rb4ge", 10)[:68]

func (f *swgFixture) Garbage(n int) bool {
	switch f.path {
	case pathSync:
		// A session's first archive holds n lines of garbage, then nothing
		// is new.
		z := garbageZip(n)
		f.sw.Override(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/zip")
			if r.URL.Query().Get("token") == "none" {
				_, _ = w.Write(z)
			}
			_, _ = fmt.Fprintf(w, "X-sync-token: %s\r\nX-sync-status: done\r\n", garbageToken)
		}), -1)
	case pathAudit:
		// The first day's answer holds n events that are not objects.
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`"not an event %d"`, i)
		}
		body := "[" + strings.Join(items, ",") + "]"
		f.sw.Override(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}), 1)
	case pathBackfill:
		// A downloaded hour that is garbage (written by hand: a download
		// refuses it), in place of the hours downloaded.
		h := f.cfg.Start.Add(-time.Hour)
		if err := os.WriteFile(symantec.HourFile(f.dir, h), garbageZip(n), 0o600); err != nil {
			panic(err)
		}
		f.mu.Lock()
		f.hours = []time.Time{h}
		f.mu.Unlock()
	}
	return true
}

var garbageZips sync.Map // n -> []byte: built once per process

// garbageZip is an archive of one gzip member of n lines that are no ELFF
// (no #Fields, so none is a record), varied enough to compress like logs.
func garbageZip(n int) []byte {
	if z, ok := garbageZips.Load(n); ok {
		return z.([]byte)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	line := make([]byte, 0, 64)
	for i := range n {
		line = append(line[:0], "garbage "...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, ' ')
		line = strconv.AppendUint(line, uint64(i)*0x9e3779b97f4a7c15, 16)
		line = append(line, '\n')
		_, _ = zw.Write(line)
	}
	_ = zw.Close()
	var z bytes.Buffer
	w := zip.NewWriter(&z)
	fw, _ := w.CreateHeader(&zip.FileHeader{Name: "cloud_garbg_20260101000000.log.gz", Method: zip.Store})
	_, _ = fw.Write(gz.Bytes())
	_ = w.Close()
	garbageZips.Store(n, z.Bytes())
	return z.Bytes()
}

func (f *swgFixture) SpoolDir() string { return f.spool }
func (f *swgFixture) CloseIdle()       { f.client.CloseIdleConnections() }
