package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
	code := m.Run()
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
