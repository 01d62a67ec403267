package file

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

var errLost = errors.New("lease lost (test)")

// A Write or Recover whose fence says the stream passed to another owner
// changes nothing and returns the fence's error.
func TestFenceRefusesWriteAndRecover(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	pos := write(t, s, rec("a", day(20, 1)))
	before := readTree(t, dir)
	fenced := sink.WithFence(context.Background(), func(context.Context) error { return errLost })
	if _, err := s.Write(fenced, testID, nil); !errors.Is(err, errLost) {
		t.Fatalf("Write under a lost fence: %v, want the fence's error", err)
	}
	if _, err := s.Write(fenced, testID, []record.Record{rec("b", day(20, 2))}); !errors.Is(err, errLost) {
		t.Fatalf("Write under a lost fence: %v, want the fence's error", err)
	}
	write(t, s, rec("c", day(20, 3))) // the sink is not broken by it
	if err := s.Recover(fenced, testID, pos); !errors.Is(err, errLost) {
		t.Fatalf("Recover under a lost fence: %v", err)
	}
	after := readTree(t, dir)
	if after["acme-fp/admin/2026-11-20.jsonl"] != before["acme-fp/admin/2026-11-20.jsonl"]+lines(rec("c", day(20, 3))) {
		t.Fatalf("files after fenced calls:\n%v", after)
	}
}

// Another process holding a stream folder's lock holds its Writes back
// until it lets go (here: dies, which releases an fcntl lock), and a Write
// whose context ends while it waits writes nothing.
func TestLockExcludesOtherProcesses(t *testing.T) {
	dir := t.TempDir()
	s := recovered(t, dir, nil)
	streamDir := filepath.Join(dir, testID.Source, testID.Stream)
	child := lockHolder(t, streamDir)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Write(ctx, testID, []record.Record{rec("x", day(20, 1))}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write while another process holds the lock: %v, want it to wait until its context ends", err)
	}
	if files := readTree(t, dir); len(files) != 0 {
		t.Fatalf("a Write that never got the lock wrote %v", files)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(context.Background(), testID, []record.Record{rec("y", day(20, 1))})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Write returned (%v) while another process held the lock", err)
	case <-time.After(300 * time.Millisecond):
	}
	child.Process.Kill()
	child.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // a hang detector, not a timing assertion
		t.Fatal("Write still waits after the holder died")
	}
	if got := readTree(t, dir)["acme-fp/admin/2026-11-20.jsonl"]; got != lines(rec("y", day(20, 1))) {
		t.Fatalf("file = %q", got)
	}
}

// lockHolder starts this test binary as a process that takes dir's lock
// and holds it until killed.
func lockHolder(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GATELOG_TEST_LOCK_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("lock holder: %q, %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return cmd
}

// TestLockHolderChild is the lock holder lockHolder starts; run alone it
// does nothing.
func TestLockHolderChild(t *testing.T) {
	dir := os.Getenv("GATELOG_TEST_LOCK_DIR")
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLKW, &lk); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Hour)
}
