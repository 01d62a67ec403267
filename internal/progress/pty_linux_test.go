package progress

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/gatelog/gatelog/internal/testutil"
)

// openPTY opens a new pseudo-terminal and returns its terminal side (the
// one a program writes to) sized cols x rows; a new pty is 0 x 0 until
// someone sizes it, as under script(1) without a terminal of its own.
func openPTY(t *testing.T, cols, rows uint16) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	unlock := int32(0)
	if err := ioctl(ptmx, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	var n uint32
	if err := ioctl(ptmx, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("pty number: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	ws := struct{ Row, Col, X, Y uint16 }{Row: rows, Col: cols}
	if err := ioctl(pts, syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatalf("size pty: %v", err)
	}
	// Drain what the program draws, so that a bar never blocks on a full pty.
	go io.Copy(io.Discard, ptmx)
	return pts
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

// On a terminal of zero or too few columns, or of normal width, the right
// one of bar and log lines is chosen.
func TestTerminalWidthChoosesBarOrLines(t *testing.T) {
	shortInterval(t, 10*time.Millisecond)
	for _, c := range []struct {
		cols    uint16
		wantBar bool
	}{{0, false}, {MinColumns - 1, false}, {MinColumns, true}, {120, true}} {
		t.Run(fmt.Sprintf("%d columns", c.cols), func(t *testing.T) {
			pts := openPTY(t, c.cols, 24)
			if got := BarFits(pts); got != c.wantBar {
				t.Fatalf("BarFits = %v, want %v", got, c.wantBar)
			}
			var logs testutil.SyncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			from := time.Now().Add(-time.Hour)
			tr := NewTimeRange(pts, "backfill", from, from.Add(time.Hour), logger)
			it := NewItems(pts, "hours", 2, logger)
			tr.Update(10, 100, from.Add(30*time.Minute))
			it.Add(100)
			if !c.wantBar {
				waitForLine(t, &logs, "done=1 of=2")
			}
			it.Add(100)
			it.Done()
			tr.Done()
			lines := progressLines(logs.String())
			if c.wantBar {
				if len(lines) != 0 || tr.bar == nil || it.bar == nil {
					t.Fatalf("a bar fits, but logged:\n%s", logs.String())
				}
				return
			}
			text := strings.Join(lines, "\n")
			for _, want := range []string{"what=backfill records=10 bytes=100", "what=hours done=1 of=2 bytes=100", "what=hours done=2 of=2 bytes=200", "eta="} {
				if !strings.Contains(text, want) {
					t.Errorf("no progress line with %q:\n%s", want, text)
				}
			}
			if n := bytes.Count([]byte(text), []byte("final=true")); n != 2 {
				t.Errorf("%d final lines, want 2:\n%s", n, text)
			}
		})
	}
}
