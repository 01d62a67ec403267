// Package e2e runs gatelog end to end over real HTTP against the vendor
// simulators: the configuration loader, the clients, the pipeline, the
// state store and the file sink together, in-process or as a built binary.
package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator"
	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
)

// line is one record as the file sink wrote it.
type line struct {
	Time   time.Time       `json:"time"`
	Vendor string          `json:"vendor"`
	Source string          `json:"source"`
	Stream string          `json:"stream"`
	ID     string          `json:"id"`
	Fields json.RawMessage `json:"fields"`
}

// readStream reads every line the file sink holds for source/stream, file
// by file in day order; a torn or invalid line fails the test.
func readStream(t *testing.T, logs, source, stream string) []line {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(logs, source, stream, "*.jsonl"))
	slices.Sort(paths)
	var out []line
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for n := 1; sc.Scan(); n++ {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s:%d: %v: %q", p, n, err, sc.Bytes())
			}
			if day := l.Time.UTC().Format(time.DateOnly) + ".jsonl"; day != filepath.Base(p) {
				t.Fatalf("%s:%d: record of %s in the wrong day file", p, n, l.Time)
			}
			out = append(out, l)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkExact asserts the stream's lines hold exactly the simulator's
// records: each once, fields byte-for-byte as served, in time order.
func checkExact(t *testing.T, logs, source, stream string, want []fpsim.Record) {
	t.Helper()
	got := readStream(t, logs, source, stream)
	wantCount := map[string]int{}
	for _, r := range want {
		wantCount[string(r.JSON)]++
	}
	gotCount := map[string]int{}
	ids := map[string]bool{}
	for i, l := range got {
		gotCount[string(l.Fields)]++
		if ids[l.ID] {
			t.Errorf("%s/%s: id %s appears twice", source, stream, l.ID)
		}
		ids[l.ID] = true
		if l.Vendor != "forcepoint" || l.Source != source || l.Stream != stream {
			t.Fatalf("%s/%s: envelope %+v", source, stream, l)
		}
		if i > 0 && l.Time.Before(got[i-1].Time) {
			t.Errorf("%s/%s: line %d (%s) is older than the line before it", source, stream, i, l.Time)
		}
	}
	var missing, extra int
	for k, n := range wantCount {
		if gotCount[k] < n {
			missing += n - gotCount[k]
		}
	}
	for k, n := range gotCount {
		if wantCount[k] < n {
			extra += n - wantCount[k]
		}
	}
	if missing > 0 || extra > 0 {
		t.Fatalf("%s/%s: %d records in files, %d served: %d missing, %d extra or duplicated", source, stream, len(got), len(want), missing, extra)
	}
}

// fpConfig writes a gatelog.yaml for one Forcepoint source at url.
func fpConfig(t *testing.T, dir, url string, types []string, extra string) string {
	t.Helper()
	text := fmt.Sprintf(`state: %s
sources:
  - name: acme
    type: forcepoint
    base_url: %s
    auth:
      token: ${TEST_FP_TOKEN}
    log_types: [%s]
    start: 24h
    daily_request_budget: 100000
%s
sinks:
  - {name: archive, type: file, path: %s}
`, filepath.Join(dir, "state.db"), url, strings.Join(types, ", "), extra, filepath.Join(dir, "logs"))
	path := filepath.Join(dir, "gatelog.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func startSim(t *testing.T, o simulator.Options) *simulator.Simulator {
	t.Helper()
	sim, err := simulator.Start("127.0.0.1:0", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// simConfig is the simulator's data set for a test: End fixed an hour ago
// so every record is inside the 24h look-back.
func simConfig(seed int64, count, pageSize int) fpsim.Config {
	c := simulator.DefaultForcepoint()
	c.Seed, c.DefaultCount, c.PageSize, c.DailyLimit = seed, count, pageSize, 0
	c.End = time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	c.Span = 20 * time.Hour
	return c
}

var nineTypes = []string{"access", "admin", "cloudaudit", "cloudsummary", "swgweb", "swgwebdlp", "healthproxy", "healthapi", "healthsystem"}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
