package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
)

// Command is how to run this gatelog again from the shell that started the
// demo, for its next-step hints: "go run ./cmd/gatelog" for a go run
// build, "gatelog" when that name on the PATH is this binary, otherwise
// the binary's path as it was invoked.
func Command() string {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	wd, _ := os.Getwd()
	return command(exe, os.Args[0], wd, goRunPackage(), exec.LookPath)
}

// goRunPackage is the import path of the main package, with its version
// when it was built from a released module (go run pkg@version).
func goRunPackage() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Path == "" {
		return "github.com/gatelog/gatelog/cmd/gatelog"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" && !strings.Contains(v, "+") && !strings.HasPrefix(v, "v0.0.0-") {
		return info.Path + "@" + v
	}
	return info.Path
}

// command decides Command from the running binary's path exe, its argv[0],
// the working directory wd, the main package's path pkg and a PATH lookup.
func command(exe, argv0, wd, pkg string, lookPath func(string) (string, error)) string {
	if isGoRunBuild(exe) {
		if fi, err := os.Stat(filepath.Join(wd, "cmd", "gatelog", "main.go")); err == nil && !fi.IsDir() {
			return "go run ./cmd/gatelog"
		}
		return "go run " + pkg
	}
	if p, err := lookPath("gatelog"); err == nil && sameFile(p, exe) {
		return "gatelog"
	}
	if strings.ContainsRune(argv0, filepath.Separator) {
		return shellQuote(argv0)
	}
	return shellQuote(exe)
}

// isGoRunBuild: go run runs a binary that it keeps in the build cache,
// $GOCACHE/HH/HASH-d/NAME (HH the first two hex digits of the 64 of HASH),
// or that it linked into a temporary folder, $GOTMPDIR or
// $TMPDIR/go-buildNNN/bNNN/exe/NAME.
func isGoRunBuild(exe string) bool {
	dir := filepath.Dir(exe)
	if d := filepath.Base(dir); goCacheEntry.MatchString(d) && filepath.Base(filepath.Dir(dir)) == d[:2] {
		return true
	}
	if filepath.Base(dir) != "exe" {
		return false
	}
	for d := filepath.Dir(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasPrefix(filepath.Base(d), "go-build") {
			return true
		}
	}
	return false
}

var goCacheEntry = regexp.MustCompile(`^[0-9a-f]{64}-d$`)

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+:@%,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
