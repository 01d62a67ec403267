package file

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func init() { fillDisk = diskFull }

// diskFull makes the next write to every day file the sink has open under
// dir fail with ENOSPC, as a full disk does: it duplicates /dev/full over the
// sink's descriptors. The sink closes its files after a failed Write, which
// ends the fault. Only open files are reached, so the batch must continue a
// day the sink has written to since its last Recover (the suite's do).
func diskFull(t *testing.T, dir string) {
	t.Helper()
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || !strings.HasPrefix(target, root+string(filepath.Separator)) || !strings.HasSuffix(target, ".jsonl") {
			continue
		}
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Dup3(int(full.Fd()), fd, syscall.O_CLOEXEC); err != nil {
			t.Fatalf("dup /dev/full over %s: %v", target, err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("file sink: no open day file under %s to fail", dir)
	}
}
