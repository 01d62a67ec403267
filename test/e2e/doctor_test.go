package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
)

// doctorRun runs gatelog doctor on a configuration and returns its exit
// code and output.
func doctorRun(t *testing.T, dir, cfg string, env ...string) (int, string) {
	t.Helper()
	cmd := gatelogCmd(dir, "doctor", "-c", cfg)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return exitCode(t, err), string(out)
}

// skewed serves h with a Date header two hours ahead.
func skewed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
		h.ServeHTTP(w, r)
	})
}

func TestDoctor(t *testing.T) {
	fp := httptest.NewServer(fpsim.New(simConfig(81, 100, 100)))
	defer fp.Close()
	_, swgURL := swgSim(t, swgData(82), nil)
	both := func(t *testing.T, dir, fpURL string) string {
		cfg := fpConfig(t, dir, fpURL, []string{"admin"}, "")
		text := strings.Replace(readFile(t, cfg), "sinks:\n", `  - name: wss
    type: symantec
    base_url: `+swgURL+`
    access_logs: {username: `+swgUser+`, password: `+swgPass+`}
    audit: {username: "${AUDIT_USER}", password: "${AUDIT_PASS}"}
    log_types: [accesslog, audit]
sinks:
`, 1)
		writeFile(t, cfg, text)
		return cfg
	}
	good := []string{"AUDIT_USER=" + auditUser, "AUDIT_PASS=" + auditPass}

	t.Run("all good", func(t *testing.T) {
		dir := t.TempDir()
		code, out := doctorRun(t, dir, both(t, dir, fp.URL), good...)
		if code != 0 || strings.Contains(out, "✗") || strings.Count(out, "✓") < 9 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		dir := t.TempDir()
		cmdEnv := append(good, "TEST_FP_TOKEN=not-the-token")
		code, out := doctorRun(t, dir, both(t, dir, fp.URL), cmdEnv...)
		if code != 1 || !strings.Contains(out, "✗ source acme auth: 401 Invalid credentials: check the token in auth.token") ||
			strings.Contains(out, "not-the-token") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("wrong role", func(t *testing.T) {
		dir := t.TempDir()
		code, out := doctorRun(t, dir, both(t, dir, fp.URL), "AUDIT_USER="+swgUser, "AUDIT_PASS="+swgPass)
		if code != 1 || !strings.Contains(out, `✗ source wss audit:`) || !strings.Contains(out, `"Audit Logs" role`) ||
			!strings.Contains(out, "✓ source wss access_logs") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("skewed clock", func(t *testing.T) {
		sk := httptest.NewServer(skewed(fpsim.New(simConfig(83, 100, 100))))
		defer sk.Close()
		dir := t.TempDir()
		code, out := doctorRun(t, dir, both(t, dir, sk.URL), good...)
		m := regexp.MustCompile(`✗ source acme clock: this clock is (-[0-9hms]+) off the server's`).FindStringSubmatch(out)
		if code != 1 || m == nil {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		// The Date header has whole seconds: the skew reads about -2h.
		if d, err := time.ParseDuration(m[1]); err != nil || (d+2*time.Hour).Abs() > time.Minute {
			t.Fatalf("reported skew %s, want about -2h", m[1])
		}
	})
	t.Run("unwritable folder", func(t *testing.T) {
		dir := t.TempDir()
		cfg := both(t, dir, fp.URL)
		blocker := filepath.Join(dir, "not-a-dir")
		os.WriteFile(blocker, []byte("x"), 0o600)
		writeFile(t, cfg, strings.Replace(readFile(t, cfg), filepath.Join(dir, "logs"), filepath.Join(blocker, "logs"), 1))
		code, out := doctorRun(t, dir, cfg, good...)
		if code != 1 || !strings.Contains(out, "✗ disk "+filepath.Join(blocker, "logs")+": cannot create") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
}
