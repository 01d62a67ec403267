package e2e

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/simulator"
)

// A damaged state file stops run, state show and doctor with one line that
// names the file and says what to do (exit 1, no panic), and nothing is
// delivered again: the file sink holds what it held before.
func TestDamagedStateFileIsRefused(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(91, 300, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin"}, "")
	if b, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, b)
	}
	logs := filepath.Join(dir, "logs")
	delivered := snapshot(t, logs)
	if len(delivered) == 0 {
		t.Fatal("the first run wrote nothing")
	}
	statePath := filepath.Join(dir, "state.db")
	good, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	pageSize, dataSize, usedPage := boltLayout(t, statePath)

	rng := rand.New(rand.NewPCG(9, 1))
	garbage := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	damages := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"cut in half", func(b []byte) []byte { return b[:dataSize/2] }},
		{"cut one page short", func(b []byte) []byte { return b[:dataSize-pageSize] }},
		{"cut a few bytes short", func(b []byte) []byte { return b[:len(b)-5] }},
		{"zeroed", func(b []byte) []byte { return make([]byte, len(b)) }},
		{"emptied", func([]byte) []byte { return nil }},
		{"garbage, same size", func(b []byte) []byte { return garbage(len(b)) }},
		{"garbage, 20000 bytes", func([]byte) []byte { return garbage(20000) }},
		{"bad page", func(b []byte) []byte { clear(b[usedPage*pageSize : (usedPage+1)*pageSize]); return b }},
		{"flipped bytes in a page", func(b []byte) []byte {
			for i := 0; i < 12; i++ {
				b[usedPage*pageSize+i] ^= 0x5a
			}
			return b
		}},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			content := d.damage(bytes.Clone(good))
			if err := os.WriteFile(statePath, content, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"run", "--once"}, {"state", "show"}} {
				cmd := gatelogCmd(dir, append(args, "-c", cfg)...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				code := exitCode(t, cmd.Run())
				lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
				if code != 1 || len(lines) != 1 || !isDamageLine(lines[0], statePath) {
					t.Fatalf("%s: exit %d, want 1 and one line naming %s and what to do; stderr:\n%s\nstdout:\n%s",
						args, code, statePath, stderr.String(), stdout.String())
				}
			}
			code, out := doctorRun(t, dir, cfg)
			var stateLine string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "✗ state: ") {
					stateLine = l
				}
			}
			if code == 0 || !isDamageLine(stateLine, statePath) || strings.Contains(out, "goroutine ") {
				t.Fatalf("doctor: exit %d, want a failing state line naming %s and what to do:\n%s", code, statePath, out)
			}
			if got, _ := os.ReadFile(statePath); !bytes.Equal(got, content) {
				t.Error("the damaged state file was changed")
			}
			if got := snapshot(t, logs); !maps.Equal(got, delivered) {
				t.Error("the file sink changed: records were delivered again")
			}
		})
	}

	// Moved aside, as the message says, the next run starts over.
	if err := os.Rename(statePath, statePath+".damaged"); err != nil {
		t.Fatal(err)
	}
	if b, err := gatelogCmd(dir, "run", "--once", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("run after moving the file aside: %v\n%s", err, b)
	}
}

// isDamageLine: the line names the file, says it is damaged, and says what
// to do; it is no panic.
func isDamageLine(line, path string) bool {
	for _, want := range []string{path, "damaged", "restore it from a backup", "move it aside", `"start" look-back`} {
		if !strings.Contains(line, want) {
			return false
		}
	}
	return !strings.Contains(line, "panic") && !strings.Contains(line, "goroutine ")
}

// boltLayout reads a healthy state file's page size, the size its meta
// page records, and the id of a page in use (a leaf or branch page, not a
// free one) in the middle of the file.
func boltLayout(t *testing.T, path string) (pageSize, dataSize, usedPage int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var used []int
	err = db.View(func(tx *bbolt.Tx) error {
		dataSize = int(tx.Size())
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "leaf" || p.Type == "branch" {
				used = append(used, id)
			}
		}
	})
	if err != nil || len(used) == 0 {
		t.Fatalf("no page in use in %s (%v)", path, err)
	}
	return db.Info().PageSize, dataSize, used[len(used)/2]
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
