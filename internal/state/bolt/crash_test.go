package bolt

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// crashEnv tells a re-executed test binary to act as the committing child.
const crashEnv = "GATELOG_BOLT_CRASH_CHILD"

var crashID = record.StreamID{Source: "crash", Stream: "loop"}

// crashCheckpoint is commit n: every field says n, so a torn write would
// show up as fields that disagree. It also marks record n seen, so a mark
// without its checkpoint (or the reverse) would show up too.
func crashCheckpoint(n uint64) state.Checkpoint {
	v := []byte(strconv.FormatUint(n, 10))
	return state.Checkpoint{Cursor: v, Sinks: map[string][]byte{"file": v}, Records: n,
		Seen: []state.SeenID{crashMark(n)}}
}

// crashMark is the seen mark of record n, n seconds into a fixed hour range.
func crashMark(n uint64) state.SeenID {
	return state.SeenID{Time: time.Unix(1_740_823_200+int64(n), 0), ID: strconv.FormatUint(n, 10)}
}

// TestCrashChild is not a test: it is the child TestCrashSafety kills. It
// continues from the stored checkpoint and reports each commit after Commit
// returned, so every printed number must survive the kill.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("child process of TestCrashSafety")
	}
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c, _, err := s.Checkpoint(crashID)
	for n := c.Records + 1; err == nil && n < 1<<20; n++ {
		if err = s.Commit(crashID, crashCheckpoint(n)); err == nil {
			fmt.Printf("committed %d\n", n)
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := tempPath(t)
	for round := range 20 {
		printed := runAndKill(t, path, 2+rand.IntN(50))
		s := openT(t, path, Options{})
		c := mustCheckpoint(t, s, crashID)
		checkCrashMarks(t, s, round, c.Records)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("printed %d got %d %q", printed, c.Records, c.Cursor)
		// The child may have committed one more than it got to print.
		if c.Records < printed || c.Records > printed+1 {
			t.Errorf("round %d: Records = %d after the child printed %d", round, c.Records, printed)
		}
		if want := crashCheckpoint(c.Records); string(c.Cursor) != string(want.Cursor) || string(c.Sinks["file"]) != string(want.Cursor) {
			t.Errorf("round %d: torn checkpoint %+v", round, c)
		}
	}
}

// checkCrashMarks checks that exactly the marks of the committed records
// 1..records exist: the commit the kill interrupted left none.
func checkCrashMarks(t *testing.T, s *Store, round int, records uint64) {
	t.Helper()
	keys := make([]state.SeenID, 0, records+2)
	for n := uint64(1); n <= records+2; n++ {
		keys = append(keys, crashMark(n))
	}
	seen, err := s.Seen(crashID, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range seen {
		if n := uint64(i + 1); got != (n <= records) {
			t.Errorf("round %d: Records = %d but mark %d seen = %v", round, records, n, got)
		}
	}
	entries, err := s.List()
	if err != nil || len(entries) != 1 || entries[0].SeenMarks != int(records) {
		t.Errorf("round %d: List = %+v, %v; want %d marks", round, entries, err, records)
	}
}

// randomPause waits a random fraction of up to two commit periods. Killing
// right after reading a report would always land at the start of the next
// commit; the pause spreads kills across the whole write and fsync. It spins
// because a sub-millisecond time.Sleep wakes on the runtime's millisecond
// poller tick or on the child's next report, which locks kills to reports.
func randomPause(period time.Duration) {
	if period <= 0 {
		return
	}
	for end := time.Now().Add(rand.N(2 * period)); time.Now().Before(end); {
	}
}

// runAndKill starts the child on path, SIGKILLs it at a random moment after
// it has reported after (>= 2) commits, and returns the last one it reported.
func runAndKill(t *testing.T, path string, after int) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var last uint64
	var first time.Time
	killed := false
	for seen := 0; lines.Scan(); {
		if n, ok := strings.CutPrefix(lines.Text(), "committed "); ok {
			last, _ = strconv.ParseUint(n, 10, 64)
			if seen++; seen == 1 {
				first = time.Now()
			} else if seen == after {
				randomPause(time.Since(first) / time.Duration(after-1))
				killed = cmd.Process.Kill() == nil
			}
		}
	}
	_ = cmd.Wait() // reaps the child, so its file lock is gone
	if !killed {
		t.Fatalf("child stopped by itself after commit %d; stderr: %s", last, stderr.String())
	}
	return last
}
