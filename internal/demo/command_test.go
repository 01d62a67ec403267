package demo

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The hint names a command that works for the way the demo was started.
func TestCommand(t *testing.T) {
	tmp := t.TempDir()
	mk := func(path string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// A checkout (./cmd/gatelog exists) and another folder.
	repo := filepath.Join(tmp, "repo")
	mk(filepath.Join(repo, "cmd", "gatelog", "main.go"))
	elsewhere := filepath.Join(tmp, "elsewhere")
	os.MkdirAll(elsewhere, 0o755)
	goRun := mk(filepath.Join(tmp, "go-build3141592", "b001", "exe", "gatelog"))
	const hash = "8c0d8bc00ba0cf8699ad4a3e85176a0c7d20d2f2c0ec291d23c6369e763b15de"
	goRunCached := mk(filepath.Join(tmp, "gocache", "8c", hash+"-d", "gatelog"))
	installed := mk(filepath.Join(tmp, "gopath", "bin", "gatelog"))
	other := mk(filepath.Join(tmp, "other", "gatelog"))
	built := mk(filepath.Join(repo, "bin", "gatelog"))
	spaced := mk(filepath.Join(tmp, "my tools", "gatelog"))
	onPath := func(p string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name != "gatelog" {
				t.Fatalf("looked up %q", name)
			}
			if p == "" {
				return "", errors.New("not found")
			}
			return p, nil
		}
	}
	const pkg = "github.com/gatelog/gatelog/cmd/gatelog"
	for _, c := range []struct {
		name, exe, argv0, wd string
		path                 func(string) (string, error)
		want                 string
	}{
		{"go run in the checkout", goRun, goRun, repo, onPath(installed), "go run ./cmd/gatelog"},
		{"go run elsewhere in the module", goRun, goRun, elsewhere, onPath(""), "go run " + pkg},
		{"go run of a binary in the build cache", goRunCached, goRunCached, repo, onPath(""), "go run ./cmd/gatelog"},
		{"installed, on the PATH", installed, "gatelog", elsewhere, onPath(installed), "gatelog"},
		{"installed, run by its path, also on the PATH", installed, installed, repo, onPath(installed), "gatelog"},
		{"make build, another gatelog on the PATH", built, "./bin/gatelog", repo, onPath(other), "./bin/gatelog"},
		{"make build, none on the PATH", built, "bin/gatelog", repo, onPath(""), "bin/gatelog"},
		{"argv[0] without a path, not the one on the PATH", built, "gatelog", repo, onPath(other), built},
		{"a path with a space", spaced, spaced, repo, onPath(""), "'" + spaced + "'"},
	} {
		if got := command(c.exe, c.argv0, c.wd, pkg, c.path); got != c.want {
			t.Errorf("%s: command() = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestIsGoRunBuild(t *testing.T) {
	for path, want := range map[string]bool{
		"/tmp/go-build2417/b001/exe/gatelog": true,
		"/root/.cache/go-build/8c/8c0d8bc00ba0cf8699ad4a3e85176a0c7d20d2f2c0ec291d23c6369e763b15de-d/gatelog": true,
		"/root/.cache/go-build/8d/8c0d8bc00ba0cf8699ad4a3e85176a0c7d20d2f2c0ec291d23c6369e763b15de-d/gatelog": false,
		"/srv/8c/8c0d8bc00ba0cf8699ad4a3e85176a0c7d20d2f2c0ec291d23c6369e763b15de/gatelog":                    false,
		"/home/me/.cache/gotmp/go-build9/b001/exe/gl":                                                         true,
		"/root/go/bin/gatelog":      false,
		"/tmp/exe/gatelog":          false,
		"/srv/go-build/bin/gatelog": false,
	} {
		if got := isGoRunBuild(path); got != want {
			t.Errorf("isGoRunBuild(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"./bin/gatelog":       "./bin/gatelog",
		"/a b/gatelog":        "'/a b/gatelog'",
		"/it's/gatelog":       `'/it'\''s/gatelog'`,
		"gatelog-demo/x.yaml": "gatelog-demo/x.yaml",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
