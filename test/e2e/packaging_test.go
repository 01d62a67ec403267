package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// instructions joins a Dockerfile's or Makefile's continued lines.
func instructions(text string) []string {
	return strings.Split(regexp.MustCompile(`\\\n\s*`).ReplaceAllString(text, ""), "\n")
}

// make build and the Dockerfile stamp version, commit and date from one
// definition, scripts/ldflags.sh, and its flags make gatelog version say
// them. (There is no Docker engine here: the Dockerfile's build command is
// run as the image would run it, in the repository's root.)
func TestBuildsStampTheVersionFromOneDefinition(t *testing.T) {
	root := repoRoot(t)
	const version, commit, date = "v9.8.7-test", "0123456789abcdef0123456789abcdef01234567", "2026-01-02T03:04:05Z"
	want := "gatelog " + version + " (commit " + commit + ", built " + date + ", " + runtime.Version() + ")"
	env := append(os.Environ(), "VERSION="+version, "COMMIT="+commit, "DATE="+date)
	tmp := t.TempDir()

	// The script prints the flags.
	script := exec.Command("sh", "scripts/ldflags.sh")
	script.Dir, script.Env = root, env
	flags, err := script.Output()
	if err != nil {
		t.Fatalf("scripts/ldflags.sh: %v", err)
	}
	wantFlags := "-s -w -X main.version=" + version + " -X main.commit=" + commit + " -X main.date=" + date
	if strings.TrimSpace(string(flags)) != wantFlags {
		t.Fatalf("scripts/ldflags.sh printed %q, want %q", flags, wantFlags)
	}

	// Neither file spells the -X flags itself.
	for _, name := range []string{"Makefile", "deploy/Dockerfile"} {
		if text := readFile(t, filepath.Join(root, name)); strings.Contains(text, "-X main.") {
			t.Errorf("%s spells -X main.* itself: take the flags from scripts/ldflags.sh", name)
		}
	}

	// The Makefile: LDFLAGS comes from the script, and make build uses it.
	makefile := readFile(t, filepath.Join(root, "Makefile"))
	if !regexp.MustCompile(`(?m)^LDFLAGS\s*:?=.*\bscripts/ldflags\.sh\b`).MatchString(makefile) {
		t.Error("the Makefile's LDFLAGS does not come from scripts/ldflags.sh")
	}
	dry := exec.Command("make", "-s", "-n", "build", "VERSION="+version, "COMMIT="+commit, "DATE="+date)
	dry.Dir = root
	out, err := dry.Output()
	if err != nil {
		t.Fatalf("make -n build: %v", err)
	}
	makeBuild := goBuildLine(t, "make -n build", string(out))
	if !strings.Contains(makeBuild, "-ldflags '"+wantFlags+"'") {
		t.Errorf("make build does not use the script's flags:\n%s", makeBuild)
	}
	checkBuild(t, "make build", root, env, strings.Replace(makeBuild, "-o bin/gatelog", "-o "+filepath.Join(tmp, "make-gatelog"), 1),
		filepath.Join(tmp, "make-gatelog"), want)

	// The Dockerfile: build args VERSION, COMMIT and DATE, and a go build
	// whose -ldflags come from the script.
	docker := readFile(t, filepath.Join(root, "deploy", "Dockerfile"))
	for _, arg := range []string{"VERSION", "COMMIT", "DATE"} {
		if !regexp.MustCompile(`(?m)^ARG ` + arg + `\b`).MatchString(docker) {
			t.Errorf("the Dockerfile takes no build arg %s", arg)
		}
	}
	var run string
	for _, l := range instructions(docker) {
		if strings.HasPrefix(l, "RUN ") && strings.Contains(l, "go build") {
			run = strings.TrimPrefix(l, "RUN ")
		}
	}
	if !strings.Contains(run, "scripts/ldflags.sh") || !strings.Contains(run, "-ldflags") {
		t.Fatalf("the Dockerfile's go build does not take -ldflags from scripts/ldflags.sh: %q", run)
	}
	if !strings.Contains(run, "-o /out/gatelog") {
		t.Fatalf("the Dockerfile's go build does not write /out/gatelog: %q", run)
	}
	checkBuild(t, "the Dockerfile's RUN", root, env, strings.Replace(run, "-o /out/gatelog", "-o "+filepath.Join(tmp, "docker-gatelog"), 1),
		filepath.Join(tmp, "docker-gatelog"), want)
}

// goBuildLine is the go build command in make's dry-run output.
func goBuildLine(t *testing.T, what, out string) string {
	t.Helper()
	for _, l := range instructions(out) {
		if strings.Contains(l, " build ") && strings.Contains(l, "./cmd/gatelog") {
			return l
		}
	}
	t.Fatalf("%s runs no go build:\n%s", what, out)
	return ""
}

// checkBuild runs a build command line with sh in dir and expects the
// binary it makes to print want for gatelog version.
func checkBuild(t *testing.T, what, dir string, env []string, line, bin, want string) {
	t.Helper()
	cmd := exec.Command("sh", "-ec", line)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s\n%s", what, err, line, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s: gatelog version: %v", what, err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("%s: gatelog version printed\n%q, want\n%q", what, got, want)
	}
}
