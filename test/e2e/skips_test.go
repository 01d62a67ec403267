package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A test that needs a tool fails when the tool is missing, naming the
// command that installs it: a skip hides an untested part (make test and
// .ci/run install the tools first, scripts/test-deps.sh). A skip is allowed
// only for one of these reasons, said in a string literal.
var allowedSkips = []struct {
	reason string
	msg    *regexp.Regexp
}{
	{"a child process of a crash or mutant test: it does its work only when re-executed", regexp.MustCompile(`^child process of `)},
	{"too slow under the race detector: make test runs it in a second pass without -race", regexp.MustCompile(`under -race`)},
	{"too close to UTC midnight, when the request budgets reset, for a stable result", regexp.MustCompile(`midnight`)},
	{"a conformance-suite case that the implementation or harness under test cannot produce",
		regexp.MustCompile(`Harness\.\w+ is (nil|empty|0)\b|this path (has no|cannot) |cannot hold an answer on this path|no write failure is permanent|has no permanent failure`)},
	// and any skip inside `if testing.Short() {...}` (go test -short).
}

// missingTool is what a skip for a missing tool, binary, package or install
// says; even a -short skip must not say it.
var missingTool = regexp.MustCompile(`(?i)\b(missing|not installed|installs?|installed|apt(-get)?|dpkg|not found|no such file|(un|not )available|cannot find|could not find|not on (the )?path|lookpath|rsyslog\w*|chrom(e|ium)|browser)\b` +
	`|\b(no|without) (\S+ )?(binary|tool|program|executable|package|command)\b|\b(binary|tool|program|executable|package|command) (is )?(not |un)?(found|absent|present)\b`)

func TestNoSkipForAMissingTool(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		// _test.go files, and the test helper packages (sourcetest, sinktest, ...).
		if !strings.HasSuffix(path, "_test.go") && !strings.Contains(string(src), `"testing"`) {
			return nil
		}
		files++
		for _, p := range badSkips(t, rel, src) {
			t.Error(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("scanned only %d test files under %s", files, root)
	}
}

// The checker itself: what it refuses and what it lets through.
func TestBadSkipsChecker(t *testing.T) {
	src := `package x

import "testing"

func TestA(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills 25 processes")
	}
	t.Skip("child process of TestA")
}

func TestB(t *testing.T) {
	t.Skip("rsyslogd is not installed: apt-get install rsyslog")
}

func TestC(t *testing.T) {
	msg := "x"
	t.Skip(msg)
}

func TestD(t *testing.T) {
	if testing.Short() {
		t.Skipf("no %s binary found", "chromium")
	}
	t.SkipNow()
	t.Skip("flaky")
}
`
	got := badSkips(t, "x_test.go", []byte(src))
	want := []string{
		`x_test.go:13: t.Skip("rsyslogd is not installed: apt-get install rsyslog")`,
		`x_test.go:18: t.Skip(msg)`,
		`x_test.go:23: t.Skipf("no %s binary found", "chromium")`,
		`x_test.go:25: t.SkipNow()`,
		`x_test.go:26: t.Skip("flaky")`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant prefix %s", i, got[i], want[i])
		}
	}
}

// badSkips lists the Skip, Skipf and SkipNow calls in src that skip for a
// missing tool or for no allowed reason.
func badSkips(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	var problems []string
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Skip" && sel.Sel.Name != "Skipf" && sel.Sel.Name != "SkipNow") {
			return true
		}
		where := fset.Position(call.Pos())
		text := string(src[fset.Position(call.Pos()).Offset:fset.Position(call.End()).Offset])
		bad := func(why string) {
			problems = append(problems, where.Filename+":"+strconv.Itoa(where.Line)+": "+text+": "+why)
		}
		if sel.Sel.Name == "SkipNow" {
			bad("SkipNow gives no reason: skip with t.Skip(reason), for an allowed reason")
			return true
		}
		msg, ok := literal(call.Args)
		switch {
		case !ok:
			bad("the reason must be a string literal, so that it can be checked")
		case missingTool.MatchString(msg):
			bad("a test must not skip for a missing tool: fail with t.Fatal, naming the install command (sudo apt-get install -y ...)")
		case underShort(stack):
		case !allowed(msg):
			bad("not an allowed reason to skip (see allowedSkips in test/e2e/skips_test.go): " + allowedList())
		}
		return true
	})
	return problems
}

// literal is the string the first argument spells, when it is a literal
// (or literals joined with +).
func literal(args []ast.Expr) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	var join func(ast.Expr) (string, bool)
	join = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return "", false
			}
			a, ok := join(e.X)
			b, ok2 := join(e.Y)
			return a + b, ok && ok2
		case *ast.ParenExpr:
			return join(e.X)
		}
		return "", false
	}
	return join(args[0])
}

// underShort: an enclosing if tests testing.Short().
func underShort(stack []ast.Node) bool {
	for _, n := range stack {
		ifs, ok := n.(*ast.IfStmt)
		if !ok {
			continue
		}
		short := false
		ast.Inspect(ifs.Cond, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if s, ok := c.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "Short" {
					if id, ok := s.X.(*ast.Ident); ok && id.Name == "testing" {
						short = true
					}
				}
			}
			return true
		})
		if short {
			return true
		}
	}
	return false
}

func allowed(msg string) bool {
	for _, a := range allowedSkips {
		if a.msg.MatchString(msg) {
			return true
		}
	}
	return false
}

func allowedList() string {
	var rs []string
	for _, a := range allowedSkips {
		rs = append(rs, a.reason)
	}
	return strings.Join(append(rs, "anything under if testing.Short()"), "; ")
}
