package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the top of the repository this test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readmeBlock is the first ```sh block under the README heading.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var block []string
	in, inBlock := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "## "):
			if in {
				t.Fatalf("README.md: no sh block under %q", heading)
			}
			in = l == heading
		case in && !inBlock && l == "```sh":
			inBlock = true
		case inBlock && l == "```":
			return strings.Join(block, "\n") + "\n"
		case inBlock:
			block = append(block, l)
		}
	}
	t.Fatalf("README.md: no heading %q with a sh block", heading)
	return ""
}

// versionLine is what gatelog version prints. go install stamps no version
// (dev) and stamps the commit only when VCS stamping is on (it is off where
// GOFLAGS has -buildvcs=false).
var versionLine = regexp.MustCompile(`(?m)^gatelog \S+ \(commit ([0-9a-f]{40}|unknown), built \S+, go1\.\S+\)$`)

// The README's install block, run as written in a fresh clone of this
// repository (a local clone: no network), installs a gatelog that answers
// `gatelog version`. The block is read from README.md, so the two cannot
// drift apart.
func TestReadmeInstallFromAFreshClone(t *testing.T) {
	block := readmeBlock(t, "## Install")
	if !regexp.MustCompile(`(?m)^go install \./cmd/gatelog\b`).MatchString(block) || !strings.Contains(block, "gatelog version") {
		t.Fatalf("the README's install block has no `go install ./cmd/gatelog` and `gatelog version`:\n%s", block)
	}
	tmp := t.TempDir()
	clone := filepath.Join(tmp, "gatelog")
	if out, err := exec.Command("git", "clone", "--quiet", repoRoot(t), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	gobin := filepath.Join(tmp, "bin")
	cmd := exec.Command("sh", "-ec", block)
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "PATH="+gobin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's install block failed in a fresh clone: %v\n%s\n--- block:\n%s", err, out, block)
	}
	if _, err := os.Stat(filepath.Join(gobin, "gatelog")); err != nil {
		t.Fatalf("go install left no gatelog in GOBIN: %v\n%s", err, out)
	}
	m := versionLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no version line (gatelog VERSION (commit HASH, built DATE, goX)) in:\n%s", out)
	}
	head, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	if c := string(m[1]); c != "unknown" && c != strings.TrimSpace(string(head)) {
		t.Errorf("gatelog version names commit %s, the clone is at %s", c, head)
	}
}
