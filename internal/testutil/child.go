package testutil

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
)

// ExactPattern is a -test.run pattern that selects exactly the test, and
// subtest path, named by parts: ExactPattern("TestX", "Retry", "Permanent")
// is "^TestX$/^Retry$/^Permanent$".
func ExactPattern(parts ...string) string {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(quoted, "/")
}

// RunChild runs the current test binary again in a child process with
// -test.run=pattern and -test.count=1 (and any further flags), with env
// ("NAME=value") added to this process's environment. It returns the
// child's combined output and its exit error (nil when every selected test
// passed).
//
// A test that must watch another test fail runs it this way: a failing
// *testing.T cannot be observed from inside the process that owns it.
func RunChild(pattern string, env []string, flags ...string) (string, error) {
	args := append([]string{"-test.run=" + pattern, "-test.count=1"}, flags...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+) \(`)

// FailedTests returns the names ("TestX/Sub/Case") of the tests and
// subtests that a go test output reports as failed, in the order reported.
func FailedTests(out string) []string {
	var names []string
	for _, m := range failLine.FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	return names
}
