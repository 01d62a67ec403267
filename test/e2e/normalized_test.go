package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/normalize/schemacheck"
	"github.com/gatelog/gatelog/internal/simulator"
)

// A full run of both simulated vendors — every Forcepoint type, Symantec
// access logs and audit, then a download backfill — written raw, as OCSF
// and as ECS: every event of every stream validates against the official
// schema, each schema has one event per raw record, and Elasticsearch
// receives the ECS documents in Elastic's data streams.
func TestNormalizedOutputValidates(t *testing.T) {
	fp := simConfig(91, 150, 100)
	end := time.Now().UTC().Truncate(time.Hour)
	sw := simulator.DefaultSymantec()
	sw.Seed, sw.Start, sw.End, sw.LinesPerHour, sw.MinInterval = 91, end.Add(-3*time.Hour), end, 300, -1
	sim := startSim(t, simulator.Options{Forcepoint: fp, Symantec: sw})
	es, esDocs := ecsBulkFake(t)
	dir := t.TempDir()
	path := bothConfig(t, dir, sim.URL)
	writeFile(t, path, strings.Replace(readFile(t, path), "sinks:\n", "sinks:\n"+
		"  - {name: ocsf, type: file, path: "+filepath.Join(dir, "ocsf")+", schema: ocsf}\n"+
		"  - {name: ecs, type: file, path: "+filepath.Join(dir, "ecs")+", schema: ecs}\n"+
		"  - {name: search, type: elasticsearch, url: \""+es.URL+"\", schema: ecs}\n", 1))
	requireDone(t, runOnce(t, path, time.Minute), len(tenTypes)+2)
	// A backfill drops what the live stream delivered, by its seen marks:
	// run it on a state of its own so that it delivers every line again.
	other := filepath.Join(dir, "backfill.yaml")
	writeFile(t, other, strings.Replace(readFile(t, path), filepath.Join(dir, "state.db"), filepath.Join(dir, "backfill", "state.db"), 1))
	backfill(t, other, "demo-wss", sw.Start, sw.End)

	streams := map[string][]string{"acme": tenTypes, "demo-wss": {"accesslog", "audit", "accesslog-backfill"}}
	total := 0
	for source, names := range streams {
		for _, stream := range names {
			raw := len(readStream(t, filepath.Join(dir, "logs"), source, stream))
			if raw == 0 {
				t.Errorf("%s/%s: no records: the run proves nothing for it", source, stream)
			}
			ocsf := validLines(t, filepath.Join(dir, "ocsf", source, stream), schemacheck.OCSF)
			ecs := validLines(t, filepath.Join(dir, "ecs", source, stream), func(b []byte) error {
				return schemacheck.ECS(b, "symantec", "forcepoint")
			})
			if ocsf != raw || ecs != raw {
				t.Errorf("%s/%s: %d raw records, %d OCSF events, %d ECS documents", source, stream, raw, ocsf, ecs)
			}
			if stream != "accesslog-backfill" { // the same ids as accesslog, in its data stream
				total += raw
			}
		}
	}
	docs := esDocs()
	if len(docs) != total {
		t.Fatalf("Elasticsearch holds %d documents, want %d", len(docs), total)
	}
	for index, doc := range docs {
		if err := schemacheck.ECS(doc, "symantec", "forcepoint"); err != nil {
			t.Fatalf("%s: %v", index, err)
		}
	}
}

// backfill downloads the source's hours in [from, to) and delivers them to
// the sinks, as `gatelog symantec download --to-sinks` does.
func backfill(t *testing.T, path, source string, from, to time.Time) {
	t.Helper()
	cfg, err := app.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sc, _ := cfg.SourceByName(source)
	c, err := app.NewSymantecClient(cfg, sc, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hoursDir := t.TempDir()
	hours, err := app.DownloadHours(t.Context(), c, from, to, hoursDir, slog.New(slog.DiscardHandler),
		func(int) app.HourProgress { return noProgress{} })
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Backfill(t.Context(), source, hoursDir, hours, nil)
	if err != nil {
		t.Fatal(err)
	}
	requireDone(t, res, 1)
}

type noProgress struct{}

func (noProgress) Add(int64) {}
func (noProgress) Done()     {}

// validLines checks every line of the stream's files with check and counts
// them.
func validLines(t *testing.T, dir string, check func([]byte) error) int {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	n, bad := 0, 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			n++
			if err := check(sc.Bytes()); err != nil {
				if bad++; bad <= 3 { // the first few say enough
					t.Errorf("%s:%d: %v\n%s", p, n, err, sc.Bytes())
				}
			}
		}
		f.Close()
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d events do not validate", dir, bad, n)
	}
	return n
}

// ecsBulkFake accepts _bulk creates and keeps each document by index and id.
func ecsBulkFake(t *testing.T) (*httptest.Server, func() map[string][]byte) {
	t.Helper()
	var mu sync.Mutex
	docs := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var items []string
		mu.Lock()
		defer mu.Unlock()
		for sc.Scan() {
			var action struct {
				Create struct {
					Index string `json:"_index"`
					ID    string `json:"_id"`
				}
			}
			if err := json.Unmarshal(sc.Bytes(), &action); err != nil || !sc.Scan() {
				http.Error(w, "bad bulk body", 400)
				return
			}
			key := action.Create.Index + "/" + action.Create.ID
			if !strings.HasPrefix(key, "logs-gatelog.") || !strings.Contains(action.Create.Index, "-default") {
				t.Errorf("document %s is not in an ECS data stream", key)
			}
			docs[key] = append([]byte(nil), sc.Bytes()...)
			items = append(items, fmt.Sprintf(`{"create":{"_id":%q,"status":201}}`, action.Create.ID))
		}
		fmt.Fprintf(w, `{"errors":false,"items":[%s]}`, strings.Join(items, ","))
	}))
	t.Cleanup(srv.Close)
	return srv, func() map[string][]byte { mu.Lock(); defer mu.Unlock(); return docs }
}
