package config

import (
	"errors"
	"regexp"
	"strings"
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandEnv replaces ${VAR} and ${VAR:-default} in s; "$${" stands for a
// literal "${". Like the shell, the default is used when VAR is unset or
// empty. A "$" not followed by "{" is kept, so passwords containing "$"
// need no escaping. changed reports whether s contained any of these forms.
//
// Errors name the variable but never a value: s may be a secret written
// inline, and the environment holds secrets.
func expandEnv(s string, env func(string) (string, bool)) (out string, changed bool, err error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), changed, nil
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "$${"):
			b.WriteString("${")
			s, changed = s[3:], true
		case strings.HasPrefix(s, "${"):
			v, n, err := expandOne(s, env)
			if err != nil {
				return "", false, err
			}
			b.WriteString(v)
			s, changed = s[n:], true
		default:
			b.WriteByte('$')
			s = s[1:]
		}
	}
}

// expandOne expands the ${...} at the start of s and returns its value and
// length.
func expandOne(s string, env func(string) (string, bool)) (string, int, error) {
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return "", 0, errors.New(`unterminated "${" (write "$${" for a literal "${")`)
	}
	name, def, hasDef := strings.Cut(s[2:end], ":-")
	if !envName.MatchString(name) {
		return "", 0, errors.New(`malformed "${...}": a variable name is letters, digits and _ (write "$${" for a literal "${")`)
	}
	v, ok := env(name)
	switch {
	case hasDef && v == "":
		return def, end + 1, nil
	case !ok:
		return "", 0, errors.New("environment variable " + name + " is not set")
	}
	return v, end + 1, nil
}
