package app

import (
	"strings"
	"testing"
)

const envSource = `sources:
  - name: "${NAME:-acme}"
    type: forcepoint
    auth: {token: "${TOKEN}"}
    daily_request_budget: ${BUDGET:-300}
`

func TestParseEnvValuesStayValues(t *testing.T) {
	// Values that would be YAML syntax, or other YAML types, if they were
	// substituted into the text before parsing.
	for _, token := range []string{"a: b # c", "true", "0x1F", "~", "null", "- x", "{x: y}", "  spaced  ", "$${literal"} {
		cfg, err := parse([]byte(envSource), "gatelog.yaml", lookup(map[string]string{"TOKEN": token}))
		if err != nil {
			t.Errorf("token %q: %v", token, err)
			continue
		}
		if got := fp(cfg.Sources[0]).Auth.Token.Value(); got != token {
			t.Errorf("token %q came out as %q", token, got)
		}
	}
}

func TestParseEnvIntoNumbersAndNames(t *testing.T) {
	cfg, err := parse([]byte(envSource), "gatelog.yaml", lookup(map[string]string{"TOKEN": "t", "BUDGET": "1234", "NAME": "1e3"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Sources[0]; fp(s).DailyRequestBudget != 1234 || s.Name != "1e3" {
		t.Errorf("budget %d name %q, want 1234 and \"1e3\"", fp(s).DailyRequestBudget, s.Name)
	}
}

func TestParseErrorsHideEnvValues(t *testing.T) {
	const secret = "zz-TESTSECRET-zz"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"int", envSource, "sources[0].daily_request_budget: expected a whole number, got (value from the environment not shown)"},
		{"name", strings.Replace(envSource, "${NAME:-acme}", "bad name ${SECRET}", 1),
			"gatelog.yaml:2: sources[0].name: (value from the environment not shown) must match"},
		{"url", envSource + "    base_url: https://host:${SECRET}\n", "sources[0].base_url: not a valid URL\n"},
		{"duration", envSource + "    start: ${SECRET}\n", "sources[0].start: invalid duration (value from the environment not shown)"},
		{"log type", envSource + "    log_types: [\"${SECRET}\"]\n", "sources[0].log_types[0]: (value from the environment not shown) is not a Forcepoint log type"},
	} {
		env := lookup(map[string]string{"TOKEN": secret, "BUDGET": secret, "SECRET": secret})
		if tc.name != "int" {
			env = lookup(map[string]string{"TOKEN": secret, "SECRET": secret})
		}
		_, err := parse([]byte(tc.yaml), "gatelog.yaml", env)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if msg := err.Error() + "\n"; !strings.Contains(msg, tc.want) || strings.Contains(msg, "TESTSECRET") {
			t.Errorf("%s: error %q\nwant it to contain %q and not the value", tc.name, msg, tc.want)
		}
	}
}

func TestParseInlineSecretNotInExpansionError(t *testing.T) {
	in := strings.Replace(envSource, "${TOKEN}", "inline-TESTSECRET${oops", 1)
	_, err := parse([]byte(in), "gatelog.yaml", lookup(nil))
	if err == nil || strings.Contains(err.Error(), "TESTSECRET") || !strings.Contains(err.Error(), `gatelog.yaml:4: sources[0].auth.token: unterminated "${"`) {
		t.Errorf("error = %v", err)
	}
}

func TestParseKeysAreNotExpanded(t *testing.T) {
	_, err := parse([]byte("${KEY}: x\n"), "gatelog.yaml", lookup(map[string]string{"KEY": "state"}))
	if err == nil || !strings.Contains(err.Error(), `unknown key "${KEY}" at the top level`) {
		t.Errorf("error = %v", err)
	}
}

func TestParseAliasExpandedOnce(t *testing.T) {
	in := `sources:
  - {name: a, type: forcepoint, auth: {token: &t "$${HOME}"}}
  - {name: b, type: forcepoint, auth: {token: *t}}
`
	cfg, err := parse([]byte(in), "gatelog.yaml", lookup(map[string]string{"HOME": "/root"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Sources {
		if got := fp(s).Auth.Token.Value(); got != "${HOME}" {
			t.Errorf("%s token = %q, want the literal ${HOME}", s.Name, got)
		}
	}
}

func TestParseUnsetVariablesAllReported(t *testing.T) {
	in := `sources:
  - name: a
    type: forcepoint
    auth:
      username: ${FP_USER}
      password: ${FP_PASS}
`
	_, err := parse([]byte(in), "gatelog.yaml", lookup(nil))
	for _, want := range []string{
		"gatelog.yaml:5: sources[0].auth.username: environment variable FP_USER is not set",
		"gatelog.yaml:6: sources[0].auth.password: environment variable FP_PASS is not set",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want %q", err, want)
		}
	}
}
