package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
)

const fuzzSecret = "fz-TESTSECRET-value"

// fuzzEnv sets variables by their first letter so that inputs can reach
// both branches: S* hold a secret, N* a number, the rest are unset.
func fuzzEnv(k string) (string, bool) {
	switch {
	case strings.HasPrefix(k, "S"):
		return fuzzSecret, true
	case strings.HasPrefix(k, "N"):
		return "42", true
	}
	return "", false
}

// FuzzParse checks, for any input: no panic; every problem is a
// *config.FieldError (so the tree checks and the decoder agree); errors never
// contain an environment value; and whatever parses also validates.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parse(data, "fuzz.yaml", fuzzEnv)
		if err != nil {
			checkFuzzError(t, data, err)
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("Parse accepted a config that does not validate: %v", err)
		}
		if len(cfg.Sources) == 0 || len(cfg.Sinks) == 0 {
			t.Errorf("Parse accepted a config without sources or sinks: %+v", cfg)
		}
	})
}

func checkFuzzError(t *testing.T, data []byte, err error) {
	fes := config.FieldErrors(err)
	if len(fes) == 0 {
		t.Errorf("error is not a *config.FieldError: %v", err)
	}
	for _, fe := range fes {
		if strings.HasPrefix(fe.Msg, "decode configuration:") {
			t.Errorf("tree checks missed what the decoder found: %v", fe)
		}
	}
	if strings.Contains(err.Error(), fuzzSecret) && !bytes.Contains(data, []byte(fuzzSecret)) {
		t.Errorf("error shows an environment value: %v", err)
	}
}
