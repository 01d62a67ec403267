// Package configtest helps a source or sink package test its block of
// configuration through the real loader: the messages a user sees, with
// file, line and key path.
package configtest

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/normalize"
)

// File is the file name every message names.
const File = "gatelog.yaml"

// Problems loads yaml with only kinds known and no environment, and returns
// every problem's message in the loader's order (none when it loads).
func Problems(yaml string, kinds config.Kinds) []string {
	_, err := config.Parse([]byte(yaml), File, func(string) (string, bool) { return "", false }, kinds)
	var out []string
	for _, fe := range config.FieldErrors(err) {
		out = append(out, fe.Error())
	}
	return out
}

// Expect fails t unless loading yaml with kinds reports exactly want, in
// order.
func Expect(t testing.TB, yaml string, kinds config.Kinds, want ...string) {
	t.Helper()
	if got := Problems(yaml, kinds); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Sinks is kinds with these sink types only, and every schema.
func Sinks(kinds ...config.Kind) config.Kinds {
	return config.Kinds{Sinks: kinds, Schemas: normalize.Schemas()}
}

// Sources is kinds with these source types only.
func Sources(kinds ...config.Kind) config.Kinds { return config.Kinds{Sources: kinds} }
