// Package layering checks a module's import graph against the layering rules
// of docs/architecture.md. Its test runs the check over this module (so that
// `go test ./...` keeps the layering true) and over a fixture module with
// known violations (so that the check is shown to fail when it should).
//
// The graph comes from `go list -e -json ./...` run in the module root: the
// go command is always there when tests run, and nothing outside the standard
// library is needed.
package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Scope says which files of the importing package a rule covers.
type Scope string

const (
	// All covers production files and _test.go files (internal and external tests).
	All Scope = "all"
	// Production covers non-test files only: a package's tests may import what
	// its production code may not.
	Production Scope = "production"
	// Direct covers production and _test.go files, and only their own
	// imports: a front end such as cmd/ may not import a part, though the
	// layer it talks to does.
	Direct Scope = "direct"
)

// Rule forbids packages matching From from depending on packages matching
// To. Patterns are relative to the module path: "internal/sink/..." matches
// internal/sink and every package below it, "internal/record" matches that
// package only, and "..." matches every package of the module.
//
// A dependency is forbidden whether it is direct or goes through other
// packages of the module: what matters is what ends up linked in. Scope
// Direct is the exception: it forbids the import itself.
type Rule struct {
	From, To string
	Scope    Scope
}

func (r Rule) String() string { return r.From + " -> " + r.To + " " + string(r.Scope) }

// Rules is the layering a module must keep.
type Rules struct {
	Forbid []Rule
	// NoTestCycles forbids import cycles among the module's packages once test
	// imports (TestImports and XTestImports) count as edges. Go refuses such a
	// cycle through an internal test but allows it through an external test
	// (package p_test); either way a lower layer's tests then depend on a
	// higher layer that depends on it.
	NoTestCycles bool
}

// NoTestCyclesLine is how NoTestCycles is written in docs/architecture.md.
const NoTestCyclesLine = "no-test-cycles"

// Gatelog is the layering of DESIGN.md ("Shape of the code"), enforced by this
// package's test and listed in docs/architecture.md (a test compares the two).
var Gatelog = Rules{
	Forbid: []Rule{
		{"internal/source/...", "internal/sink/...", All},
		{"internal/sink/...", "internal/source/...", All},
		// Simulators are independent witnesses: no simulator file, test or
		// not, may use the client it tests.
		{"internal/simulator/...", "internal/source/...", All},
		// A source's tests run against the simulators; its production code
		// never does.
		{"internal/source/...", "internal/simulator/...", Production},
		{"internal/...", "cmd/...", All},
		{"internal/sink/...", "internal/state/...", All},
		{"internal/record", "...", All},
		{"internal/normalize/...", "internal/source/...", All},
		{"internal/normalize/...", "internal/sink/...", All},
		// The command line talks to app, which assembles the parts; it
		// does not reach around it.
		{"cmd/...", "internal/source/...", Direct},
		{"cmd/...", "internal/sink/...", Direct},
		{"cmd/...", "internal/state/...", Direct},
		{"cmd/...", "internal/pipeline/...", Direct},
		{"cmd/...", "internal/record", Direct},
		{"cmd/...", "internal/quarantine", Direct},
	},
	NoTestCycles: true,
}

// Violation is one broken rule. Path is the chain of imports from the
// offending package to the forbidden one, module-relative; for a cycle it
// starts and ends with the same package.
type Violation struct {
	Rule  Rule // zero for a cycle
	Cycle bool
	Test  bool // the import is made by a _test.go file of Path[0]
	Path  []string
}

func (v Violation) String() string {
	chain := strings.Join(v.Path, " -> ")
	if v.Cycle {
		return "import cycle through test imports: " + chain
	}
	by := v.Path[0]
	if v.Test {
		by += " (in its tests)"
	}
	return fmt.Sprintf("%s imports %s: %s (forbidden: %s -> %s)", by, v.Path[len(v.Path)-1], chain, v.Rule.From, v.Rule.To)
}

// Package is the part of `go list -json` the check needs, with import paths
// made module-relative for the module's own packages.
type Package struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// Load lists the packages of the module rooted at dir.
func Load(dir string) (module string, pkgs []Package, err error) {
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Module,Imports,TestImports,XTestImports", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("go list in %s: %w: %s", dir, err, stderr.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Package
			Module *struct{ Path string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", nil, fmt.Errorf("decode go list output: %w", err)
		}
		if p.Module != nil && module == "" {
			module = p.Module.Path
		}
		pkgs = append(pkgs, p.Package)
	}
	if module == "" {
		return "", nil, fmt.Errorf("go list in %s: no package of a module", dir)
	}
	rel := func(paths []string) []string {
		var r []string
		for _, p := range paths {
			if p == module {
				r = append(r, ".")
			} else if s, ok := strings.CutPrefix(p, module+"/"); ok {
				r = append(r, s)
			}
		}
		return r
	}
	for i := range pkgs {
		p := &pkgs[i]
		p.ImportPath = rel([]string{p.ImportPath})[0]
		p.Imports, p.TestImports, p.XTestImports = rel(p.Imports), rel(p.TestImports), rel(p.XTestImports)
	}
	return module, pkgs, nil
}

// Check runs `go list` in the module rooted at dir and checks its packages.
func Check(dir string, rules Rules) ([]Violation, error) {
	_, pkgs, err := Load(dir)
	if err != nil {
		return nil, err
	}
	return CheckPackages(pkgs, rules), nil
}

// Match reports whether the module-relative package path matches pattern.
func Match(pattern, path string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// CheckPackages checks module-relative packages (as Load returns them).
func CheckPackages(pkgs []Package, rules Rules) []Violation {
	byPath := make(map[string]*Package, len(pkgs))
	for i := range pkgs {
		byPath[pkgs[i].ImportPath] = &pkgs[i]
	}
	var vs []Violation
	for _, p := range pkgs {
		tests := testImports(p)
		for _, r := range rules.Forbid {
			if !Match(r.From, p.ImportPath) {
				continue
			}
			forbidden := func(q string) bool { return q != p.ImportPath && Match(r.To, q) }
			if r.Scope == Direct {
				vs = append(vs, directImports(p, r, forbidden)...)
				continue
			}
			if path := reach(byPath, p.ImportPath, p.Imports, forbidden); path != nil {
				vs = append(vs, Violation{Rule: r, Path: path})
			} else if r.Scope == All {
				if path := reach(byPath, p.ImportPath, tests, forbidden); path != nil {
					vs = append(vs, Violation{Rule: r, Test: true, Path: path})
				}
			}
		}
	}
	if rules.NoTestCycles {
		vs = append(vs, testCycles(pkgs, byPath)...)
	}
	return vs
}

// directImports are p's own imports (tests included) that r forbids.
func directImports(p Package, r Rule, forbidden func(string) bool) []Violation {
	var vs []Violation
	for _, q := range p.Imports {
		if forbidden(q) {
			return []Violation{{Rule: r, Path: []string{p.ImportPath, q}}}
		}
	}
	for _, q := range testImports(p) {
		if forbidden(q) {
			vs = append(vs, Violation{Rule: r, Test: true, Path: []string{p.ImportPath, q}})
			break
		}
	}
	return vs
}

// testImports are the module packages p's _test.go files import, p itself left out.
func testImports(p Package) []string {
	var r []string
	for _, q := range slices.Concat(p.TestImports, p.XTestImports) {
		if q != p.ImportPath && !slices.Contains(r, q) {
			r = append(r, q)
		}
	}
	return r
}

// reach searches, breadth first, from the package from through its imports
// first and then production imports only (a dependency's tests are not linked
// into anything), for a package with forbidden(q); it returns the shortest
// import chain, or nil.
func reach(byPath map[string]*Package, from string, first []string, forbidden func(string) bool) []string {
	parent := map[string]string{from: ""}
	queue := []string{}
	for _, q := range first {
		if _, seen := parent[q]; !seen {
			parent[q] = from
			queue = append(queue, q)
		}
	}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if forbidden(q) {
			var path []string
			for n := q; n != ""; n = parent[n] {
				path = append(path, n)
			}
			slices.Reverse(path)
			return path
		}
		if pq := byPath[q]; pq != nil {
			for _, n := range pq.Imports {
				if _, seen := parent[n]; !seen {
					parent[n] = q
					queue = append(queue, n)
				}
			}
		}
	}
	return nil
}

// testCycles finds, for each package p whose tests import a package q that
// depends back on p through production imports, the shortest such cycle:
// p's test binary would then link p twice over, once as the package under
// test and once under q. (Two packages whose tests import each other form no
// such cycle: neither test binary links the other's tests.)
func testCycles(pkgs []Package, byPath map[string]*Package) []Violation {
	var vs []Violation
	for _, p := range pkgs {
		var best []string
		for _, t := range testImports(p) {
			var first []string
			if pt := byPath[t]; pt != nil {
				first = pt.Imports
			}
			path := reach(byPath, t, first, func(q string) bool { return q == p.ImportPath })
			if path != nil && (best == nil || len(path) < len(best)) {
				best = path
			}
		}
		if best != nil {
			vs = append(vs, Violation{Cycle: true, Test: true, Path: append([]string{p.ImportPath}, best...)})
		}
	}
	return vs
}
