package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// The crash test runs this test binary as a child that emulates the pipeline
// (Recover from the last checkpoint, Write, commit the checkpoint) and kills
// it with SIGKILL at random moments.
const (
	crashDirEnv     = "GATELOG_FILESINK_CRASH_DIR"
	crashBatchesEnv = "GATELOG_FILESINK_CRASH_BATCHES"
	crashBatchSize  = 100
	crashReady      = "recovered"
)

var crashID = record.StreamID{Source: "sim", Stream: "access"}

// checkpoint is what the emulated pipeline commits after each batch.
type checkpoint struct {
	Next int             `json:"next"` // first batch not yet delivered
	Pos  json.RawMessage `json:"pos,omitempty"`
}

// crashRecord is record i of the deterministic input. Each batch of 100
// spans five days, interleaved in runs of 7, and a new day starts every 5
// batches, so batches both extend existing files and create new ones.
func crashRecord(i int) record.Record {
	n := i / crashBatchSize
	d := n/5 + (i/7)%5
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d).Add(time.Duration(i) * time.Millisecond)
	id := fmt.Sprintf("r%07d", i)
	return record.Record{
		Time: t, Vendor: "symantec", Source: crashID.Source, Stream: crashID.Stream, ID: id,
		Fields: json.RawMessage(`{"x-bluecoat-transaction-uuid":"` + id + `","cs-uri":"https://example.com/` + strconv.Itoa(i) + `"}`),
	}
}

func crashBatch(n int) []record.Record {
	recs := make([]record.Record, crashBatchSize)
	for i := range recs {
		recs[i] = crashRecord(n*crashBatchSize + i)
	}
	return recs
}

// TestHelperProcess is the child of TestCrashExactlyOnce; it does nothing
// in a normal test run.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestCrashExactlyOnce")
	}
	batches, err := strconv.Atoi(os.Getenv(crashBatchesEnv))
	if err != nil {
		t.Fatal(err)
	}
	if err := runPipeline(dir, batches); err != nil {
		t.Fatal(err)
	}
}

// runPipeline recovers from dir/checkpoint.json and delivers batches up to
// (not including) batches, committing a checkpoint after each one.
func runPipeline(dir string, batches int) error {
	ctx := context.Background()
	ck, err := readCheckpoint(dir)
	if err != nil {
		return err
	}
	if err := noteDirtyRecovery(dir, ck); err != nil {
		return err
	}
	s, err := New("crash", filepath.Join(dir, "out"))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Recover(ctx, crashID, ck.Pos); err != nil {
		return err
	}
	if ck.Pos == nil {
		// Without a committed position, a crash during the first batch
		// would leave its records for Recover(nil) to keep, and the
		// redelivery would double them: commit the starting position first.
		pos, err := s.Write(ctx, crashID, nil)
		if err != nil {
			return err
		}
		if err := writeCheckpoint(dir, checkpoint{Next: ck.Next, Pos: pos}); err != nil {
			return err
		}
	}
	fmt.Println(crashReady)
	for n := ck.Next; n < batches; n++ {
		pos, err := s.Write(ctx, crashID, crashBatch(n))
		if err != nil {
			return err
		}
		if err := writeCheckpoint(dir, checkpoint{Next: n + 1, Pos: pos}); err != nil {
			return err
		}
	}
	return nil
}

// noteDirtyRecovery counts, in dir/dirty, the restarts that found data
// beyond the checkpoint, to show that the kills hit the interesting window.
func noteDirtyRecovery(dir string, ck checkpoint) error {
	want := map[string]int64{}
	if ck.Pos != nil {
		var err error
		if want, err = decodePosition(ck.Pos); err != nil {
			return err
		}
	}
	onDisk, err := listDayFiles(filepath.Join(dir, "out", crashID.Source, crashID.Stream))
	if err != nil {
		return err
	}
	for name, size := range onDisk {
		if w, ok := want[name]; !ok || size > w {
			f, err := os.OpenFile(filepath.Join(dir, "dirty"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
			if err != nil {
				return err
			}
			_, err = f.WriteString("x")
			return errors.Join(err, f.Close())
		}
	}
	return nil
}

func readCheckpoint(dir string) (checkpoint, error) {
	var ck checkpoint
	b, err := os.ReadFile(filepath.Join(dir, "checkpoint.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return ck, nil
	}
	if err != nil {
		return ck, err
	}
	return ck, json.Unmarshal(b, &ck)
}

// writeCheckpoint commits ck atomically, as a state store would: a crash
// leaves either the old or the new checkpoint.
func writeCheckpoint(dir string, ck checkpoint) error {
	b, err := json.Marshal(ck)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "checkpoint.json.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "checkpoint.json")); err != nil {
		return err
	}
	return syncDir(dir)
}

func helperCmd(dir string, batches int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashBatchesEnv+"="+strconv.Itoa(batches))
	return cmd
}

func TestCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills 25 processes")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	const kills = 25
	for k := range kills {
		// Most kills land while batches are written; every fourth one may
		// also hit process start-up or Recover itself.
		killChild(t, dir, k%4 != 0, time.Duration(rng.IntN(30_000))*time.Microsecond)
	}
	ck, err := readCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	dirty, _ := os.ReadFile(filepath.Join(dir, "dirty"))
	t.Logf("after %d kills: %d batches checkpointed, %d restarts found data beyond the checkpoint", kills, ck.Next, len(dirty))

	batches := ck.Next + 10 // finish: the last run must not be killed
	if out, err := helperCmd(dir, batches).CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	checkExactlyOnce(t, filepath.Join(dir, "out", crashID.Source, crashID.Stream), batches*crashBatchSize)
}

// killChild starts the emulated pipeline with no end, optionally waits until
// it has recovered, sleeps and SIGKILLs it. A child that exits by itself has
// failed.
func killChild(t *testing.T, dir string, waitReady bool, sleep time.Duration) {
	t.Helper()
	cmd := helperCmd(dir, 1<<30)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if waitReady {
		// An error here means the child died; Wait below reports it.
		_, _ = bufio.NewReader(stdout).ReadString('\n')
	}
	time.Sleep(sleep)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child exited by itself: %v\n%s", err, stderr.Bytes())
	}
}

// checkExactlyOnce asserts that the stream dir holds records 0..total-1,
// each exactly once, as whole JSON lines, in the file of their day and in
// order within each file.
func checkExactlyOnce(t *testing.T, sdir string, total int) {
	t.Helper()
	files := dirFiles(t, sdir)
	seen := make(map[string]string, total) // id -> file
	for name, content := range files {
		checkDayFile(t, name, content, seen)
	}
	missing := 0
	for i := range total {
		if _, ok := seen[crashRecord(i).ID]; !ok {
			missing++
		}
	}
	if missing > 0 || len(seen) != total {
		t.Errorf("%d distinct ids, %d of the %d expected missing", len(seen), missing, total)
	}
}

func checkDayFile(t *testing.T, name, content string, seen map[string]string) {
	t.Helper()
	if content != "" && content[len(content)-1] != '\n' {
		t.Errorf("%s: torn last line %q", name, content[max(0, len(content)-40):])
	}
	prev := ""
	for line := range bytes.Lines([]byte(content)) {
		var env struct {
			Time time.Time `json:"time"`
			ID   string    `json:"id"`
		}
		if err := json.Unmarshal(line, &env); err != nil {
			t.Fatalf("%s: bad line %q: %v", name, line, err)
		}
		if other, dup := seen[env.ID]; dup {
			t.Fatalf("%s: id %s already in %s", name, env.ID, other)
		}
		seen[env.ID] = name
		if want := env.Time.UTC().Format(time.DateOnly) + ".jsonl"; name != want {
			t.Errorf("%s: record %s belongs in %s", name, env.ID, want)
		}
		if env.ID <= prev {
			t.Errorf("%s: %s after %s", name, env.ID, prev)
		}
		prev = env.ID
	}
}
