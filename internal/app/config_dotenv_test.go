package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
)

// unsetenv unsets key for the test and restores it afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}

func writeDotEnv(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadDotEnv(t *testing.T) {
	unsetenv(t, "GATELOG_TEST_FROM_FILE")
	t.Setenv("GATELOG_TEST_ALREADY_SET", "from-env")
	t.Setenv("GATELOG_TEST_SET_EMPTY", "")
	dir := writeDotEnv(t, "# comment\nGATELOG_TEST_FROM_FILE=from-file\nGATELOG_TEST_ALREADY_SET=from-file\nexport GATELOG_TEST_SET_EMPTY='from file'\n")
	if err := config.LoadDotEnv(dir); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"GATELOG_TEST_FROM_FILE":   "from-file",
		"GATELOG_TEST_ALREADY_SET": "from-env",
		// Set, even to "", means the environment decided.
		"GATELOG_TEST_SET_EMPTY": "",
	} {
		if got := os.Getenv(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

func TestLoadDotEnvMissingIsFine(t *testing.T) {
	if err := config.LoadDotEnv(t.TempDir()); err != nil {
		t.Errorf("LoadDotEnv without .env: %v", err)
	}
}

func TestLoadDotEnvMalformedHidesContents(t *testing.T) {
	dir := writeDotEnv(t, "GOOD=1\nFP_PASS=\"unterminated-TESTSECRET\nBAD KEY-TESTSECRET=x\n")
	err := config.LoadDotEnv(dir)
	if err == nil || strings.Contains(err.Error(), "TESTSECRET") || !strings.Contains(err.Error(), filepath.Join(dir, ".env")) {
		t.Errorf("error = %v, want one naming the file but not its contents", err)
	}
}

func TestLoadDotEnvFeedsLoad(t *testing.T) {
	unsetenv(t, "FORCEPOINT_TOKEN")
	dir := writeDotEnv(t, "FORCEPOINT_TOKEN="+testToken+"\n")
	data, err := os.ReadFile(filepath.Join("testdata", "config", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gatelog.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(path); err == nil {
		t.Fatal("Load without the variable succeeded")
	}
	if err := config.LoadDotEnv(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fp(cfg.Sources[0]).Auth.Token.Value(); got != testToken {
		t.Errorf("token = %q", got)
	}
}

func TestLoadDotEnvSingleQuotesKeepDollar(t *testing.T) {
	unsetenv(t, "GATELOG_TEST_PW")
	dir := writeDotEnv(t, "GATELOG_TEST_PW='pa$word'\n")
	if err := config.LoadDotEnv(dir); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv("GATELOG_TEST_PW"); got != "pa$word" {
		t.Errorf("GATELOG_TEST_PW = %q", got)
	}
}
