package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// gatelogBin is the gatelog binary built for this test run.
var gatelogBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatelog-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gatelogBin = filepath.Join(dir, "gatelog")
	build := exec.Command("go", "build", "-o", gatelogBin, "github.com/gatelog/gatelog/cmd/gatelog")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build gatelog:", err)
		os.Exit(1)
	}
	code := pgtest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// gatelogCmd prepares the binary with args, the test token in its
// environment and its working directory in dir.
func gatelogCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(gatelogBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TEST_FP_TOKEN=demo-token")
	return cmd
}

// killLoop runs gatelog with args again and again, killing it with SIGKILL
// after a random delay up to maxDelay, until it has been killed wantKills
// times (runs that end first do not count).
func killLoop(t *testing.T, dir string, args []string, wantKills int, maxDelay time.Duration) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	for i := 0; kills < wantKills; i++ {
		if i == 3*wantKills {
			t.Fatalf("only %d of %d runs were killed mid-collection", kills, i)
		}
		cmd := gatelogCmd(dir, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d ended on its own with %v: %s", i, err, stderr.String())
			}
			continue
		case <-time.After(20*time.Millisecond + time.Duration(rng.Int64N(int64(maxDelay)))):
		}
		cmd.Process.Signal(syscall.SIGKILL)
		var ee *exec.ExitError
		if err := <-done; errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			kills++
		}
	}
}
