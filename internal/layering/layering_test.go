package layering

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestModuleKeepsItsLayering is the check itself: this module against the
// rules of docs/architecture.md.
func TestModuleKeepsItsLayering(t *testing.T) {
	_, pkgs, err := Load(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// A module with no packages would pass any rule: make sure the graph is real.
	for _, want := range []string{"internal/record", "internal/source", "internal/sink", "internal/pipeline"} {
		if !slices.ContainsFunc(pkgs, func(p Package) bool { return p.ImportPath == want }) {
			t.Fatalf("go list did not list %s: the check would prove nothing", want)
		}
	}
	for _, v := range CheckPackages(pkgs, Gatelog) {
		t.Errorf("%v", v)
	}
}

// TestFixtureViolationsAreReported runs the same check over testdata/badmod,
// which breaks every rule at least once, and wants exactly these reports: each
// rule fires, and what the rules allow (a source's tests importing a
// simulator, an import with no rule against it) does not.
func TestFixtureViolationsAreReported(t *testing.T) {
	got, err := Check(filepath.Join("testdata", "badmod"), Gatelog)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cmd/badtool imports internal/pipeline: cmd/badtool -> internal/pipeline (forbidden: cmd/... -> internal/pipeline/...)",
		"cmd/badtool imports internal/quarantine: cmd/badtool -> internal/quarantine (forbidden: cmd/... -> internal/quarantine)",
		"cmd/badtool imports internal/record: cmd/badtool -> internal/record (forbidden: cmd/... -> internal/record)",
		"cmd/badtool imports internal/sink: cmd/badtool -> internal/sink (forbidden: cmd/... -> internal/sink/...)",
		"cmd/badtool imports internal/source: cmd/badtool -> internal/source (forbidden: cmd/... -> internal/source/...)",
		"cmd/badtool imports internal/state: cmd/badtool -> internal/state (forbidden: cmd/... -> internal/state/...)",
		"internal/doctor imports cmd/badtool/cli: internal/doctor -> cmd/badtool/cli (forbidden: internal/... -> cmd/...)",
		"internal/normalize/n imports internal/sink: internal/normalize/n -> internal/sink (forbidden: internal/normalize/... -> internal/sink/...)",
		"internal/normalize/n imports internal/source: internal/normalize/n -> internal/source (forbidden: internal/normalize/... -> internal/source/...)",
		"import cycle through test imports: internal/pipeline -> internal/pipeline/pipetest -> internal/pipeline",
		"internal/record imports internal/util: internal/record -> internal/util (forbidden: internal/record -> ...)",
		"internal/simulator/sim imports internal/source/vendor: internal/simulator/sim -> internal/source/vendor (forbidden: internal/simulator/... -> internal/source/...)",
		"internal/sink/file imports internal/state: internal/sink/file -> internal/state (forbidden: internal/sink/... -> internal/state/...)",
		"internal/sink/s3 (in its tests) imports internal/source: internal/sink/s3 -> internal/source (forbidden: internal/sink/... -> internal/source/...)",
		"internal/sink/stdout imports internal/source: internal/sink/stdout -> internal/source (forbidden: internal/sink/... -> internal/source/...)",
		"internal/source/bad2 imports internal/simulator/clean: internal/source/bad2 -> internal/simulator/clean (forbidden: internal/source/... -> internal/simulator/...)",
		"internal/source/trans imports internal/sink: internal/source/trans -> internal/helper -> internal/sink (forbidden: internal/source/... -> internal/sink/...)",
		"internal/source/vendor imports internal/sink/file: internal/source/vendor -> internal/sink/file (forbidden: internal/source/... -> internal/sink/...)",
	}
	var gotS []string
	for _, v := range got {
		gotS = append(gotS, v.String())
	}
	slices.Sort(gotS)
	for _, s := range gotS {
		if !slices.Contains(want, s) {
			t.Errorf("unexpected report: %s", s)
		}
	}
	for _, s := range want {
		if !slices.Contains(gotS, s) {
			t.Errorf("missing report: %s", s)
		}
	}
	// Every rule must be shown to fire on the fixture.
	for _, r := range Gatelog.Forbid {
		if !slices.ContainsFunc(got, func(v Violation) bool { return v.Rule == r }) {
			t.Errorf("rule %v never fires on the fixture", r)
		}
	}
}

// TestArchitectureDocListsTheRules keeps docs/architecture.md and Gatelog in
// step: the ```layering block must list exactly the enforced rules.
func TestArchitectureDocListsTheRules(t *testing.T) {
	const doc = "../../docs/architecture.md"
	documented, err := readDocRules(doc)
	if err != nil {
		t.Fatal(err)
	}
	key := func(rs Rules) []string {
		var k []string
		for _, r := range rs.Forbid {
			k = append(k, r.String())
		}
		if rs.NoTestCycles {
			k = append(k, NoTestCyclesLine)
		}
		slices.Sort(k)
		return k
	}
	enforced, listed := key(Gatelog), key(documented)
	for _, r := range enforced {
		if !slices.Contains(listed, r) {
			t.Errorf("%s: rule enforced by internal/layering but not documented: %s", doc, r)
		}
	}
	for _, r := range listed {
		if !slices.Contains(enforced, r) {
			t.Errorf("%s: rule documented but not enforced by internal/layering (Gatelog): %s", doc, r)
		}
	}
}

// readDocRules parses the ```layering fenced block of an architecture doc.
func readDocRules(path string) (Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return Rules{}, err
	}
	defer f.Close()
	var rs Rules
	in, found := false, false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !in && line == "```layering":
			if found {
				return Rules{}, fmt.Errorf("%s:%d: a second ```layering block", path, n)
			}
			in, found = true, true
		case in && line == "```":
			in = false
		case in && line == NoTestCyclesLine:
			rs.NoTestCycles = true
		case in && line != "":
			f := strings.Fields(line)
			if len(f) != 4 || f[1] != "->" || !slices.Contains([]Scope{All, Production, Direct}, Scope(f[3])) {
				return Rules{}, fmt.Errorf("%s:%d: want FROM -> TO all|production, got %q", path, n, line)
			}
			rs.Forbid = append(rs.Forbid, Rule{From: f[0], To: f[2], Scope: Scope(f[3])})
		}
	}
	if err := sc.Err(); err != nil {
		return Rules{}, err
	}
	if !found || in {
		return Rules{}, fmt.Errorf("%s: no complete ```layering block", path)
	}
	return rs, nil
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"internal/sink/...", "internal/sink", true},
		{"internal/sink/...", "internal/sink/file", true},
		{"internal/sink/...", "internal/sinktest", false},
		{"internal/record", "internal/record", true},
		{"internal/record", "internal/record/x", false},
		{"...", "cmd/gatelog", true},
		{"internal/...", "cmd/gatelog", false},
	} {
		if got := Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}
