package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
	"go.yaml.in/yaml/v3"
)

func TestSecretRedacted(t *testing.T) {
	s := config.Secret(testToken)
	if s.Value() != testToken {
		t.Fatalf("Value() = %q", s.Value())
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		got := fmt.Sprintf(format, s)
		if strings.Contains(got, "TESTSECRET") || strings.Contains(got, fmt.Sprintf("%x", testToken)) {
			t.Errorf("Sprintf(%q) = %q leaks the secret", format, got)
		}
	}
	if got := fmt.Sprintf("%v|%q|%#v", s, s, s); got != `[REDACTED]|"[REDACTED]"|"[REDACTED]"` {
		t.Errorf("formatted = %s", got)
	}
	if got := fmt.Sprintf("%v|%q", config.Secret(""), config.Secret("")); got != `|""` {
		t.Errorf("empty secret formatted as %s, want it visibly empty", got)
	}
}

// TestConfigRedacted prints and encodes a whole parsed config.Config every way a
// caller might, and looks for the credential values.
func TestConfigRedacted(t *testing.T) {
	cfg, err := parseFile(t, "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if fp(cfg.Sources[0]).Auth.Token.Value() != testToken || fp(cfg.Sources[1]).Auth.Password.Value() != testPassword {
		t.Fatal("test config does not hold the test secrets")
	}
	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		outputs = append(outputs, fmt.Sprintf(format, cfg), fmt.Sprintf(format, *cfg), fmt.Sprintf(format, cfg.Sources))
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "cfg", cfg, "auth", fp(cfg.Sources[1]).Auth, "token", fp(cfg.Sources[0]).Auth.Token)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "cfg", cfg, "token", fp(cfg.Sources[0]).Auth.Token)
	outputs = append(outputs, string(js), string(ys), logs.String())
	for _, out := range outputs {
		if strings.Contains(out, testToken) || strings.Contains(out, testPassword) {
			t.Errorf("output leaks a secret:\n%s", out)
		}
	}
	if !strings.Contains(string(js), `"Token":"[REDACTED]"`) || !strings.Contains(string(ys), "token: '[REDACTED]'") {
		t.Errorf("encodings do not show the redaction marker:\n%s\n%s", js, ys)
	}
}
