package config

import (
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	env := lookup(map[string]string{"A": "alpha", "EMPTY": "", "COLON": "a: b # c"})
	for _, tc := range []struct {
		in, want string
		changed  bool
		err      string
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${A}", want: "alpha", changed: true},
		{in: "x-${A}-${A}-y", want: "x-alpha-alpha-y", changed: true},
		{in: "${COLON}", want: "a: b # c", changed: true},
		{in: "${MISSING:-fallback}", want: "fallback", changed: true},
		{in: "${EMPTY:-fallback}", want: "fallback", changed: true},
		{in: "${A:-fallback}", want: "alpha", changed: true},
		{in: "${MISSING:-}", want: "", changed: true},
		{in: "${EMPTY}", want: "", changed: true},
		{in: "$${A}", want: "${A}", changed: true},
		{in: "pa$$word$", want: "pa$$word$"},
		{in: "$A", want: "$A"},
		{in: "cost: $5", want: "cost: $5"},
		{in: "${MISSING}", err: "environment variable MISSING is not set"},
		{in: "ab${A", err: `unterminated "${"`},
		{in: "${}", err: `malformed "${...}"`},
		{in: "${1A}", err: `malformed "${...}"`},
		{in: "${A B}", err: `malformed "${...}"`},
	} {
		got, changed, err := expandEnv(tc.in, env)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("expandEnv(%q) error = %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("expandEnv(%q): %v", tc.in, err)
		case got != tc.want || changed != tc.changed:
			t.Errorf("expandEnv(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
		}
	}
}

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}
