package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	fpsim "github.com/gatelog/gatelog/internal/simulator/forcepoint"
	swgsim "github.com/gatelog/gatelog/internal/simulator/symantec"
)

// leakEnv holds distinctive credentials, each of which the test looks for
// in everything gatelog writes or serves.
var leakEnv = map[string]string{
	"LEAK_FP_TOKEN":    "fpTok-7Qz1x9-LEAKME",
	"LEAK_SWG_USER":    "swgKeyId-5Rk2Vb",
	"LEAK_SWG_PASS":    "swgPw-8Lm3-LEAKME",
	"LEAK_AUDIT_USER":  "auditKeyId-3Fh8Tc",
	"LEAK_AUDIT_PASS":  "auditPw-1Gp5-LEAKME",
	"LEAK_HEC_TOKEN":   "hecTok-2Wx7-LEAKME",
	"LEAK_ES_KEY":      "esKey-4Jd9-LEAKME",
	"LEAK_STATUS_PASS": "statusPw-6Nq4-LEAKME",
}

// wrongEnv are distinctive wrong credentials for the failure runs: their
// error messages must not echo them either.
var wrongEnv = map[string]string{
	"LEAK_FP_TOKEN":  "fpWrong-9Bv2-LEAKME",
	"LEAK_SWG_PASS":  "swgWrong-4Tt6-LEAKME",
	"LEAK_HEC_TOKEN": "hecWrong-7Yy1-LEAKME",
	"LEAK_ES_KEY":    "esWrong-5Uu3-LEAKME",
}

// leakForms are the strings that would betray a credential: each value
// and the basic-auth encodings of each username and password pair.
func leakForms() []string {
	var forms []string
	for _, env := range []map[string]string{leakEnv, wrongEnv} {
		for _, v := range env {
			forms = append(forms, v)
		}
	}
	basic := func(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
	forms = append(forms, basic(leakEnv["LEAK_SWG_USER"], leakEnv["LEAK_SWG_PASS"]),
		basic(leakEnv["LEAK_AUDIT_USER"], leakEnv["LEAK_AUDIT_PASS"]), basic("ops", leakEnv["LEAK_STATUS_PASS"]),
		basic(leakEnv["LEAK_SWG_USER"], wrongEnv["LEAK_SWG_PASS"]))
	return forms
}

func assertNoLeak(t *testing.T, where, text string) {
	t.Helper()
	for _, f := range leakForms() {
		if strings.Contains(text, f) {
			i := strings.Index(text, f)
			t.Errorf("%s contains the credential %q: …%s…", where, f, text[max(0, i-120):min(len(text), i+len(f)+40)])
		}
	}
}

// With distinctive credentials for both vendors, the HEC and Elasticsearch
// sinks and the status page, nothing gatelog writes or serves contains
// them: logs at debug level with request tracing on, error messages of
// failing runs, /metrics, the status page, state show, doctor, and every
// file under the state folder.
func TestCredentialsNeverLeak(t *testing.T) {
	fpc := simConfig(91, 300, 100)
	fpc.Token = leakEnv["LEAK_FP_TOKEN"]
	fp := httptest.NewServer(fpsim.New(fpc))
	defer fp.Close()
	swc := swgData(92)
	swc.AccessUser, swc.AccessPassword = leakEnv["LEAK_SWG_USER"], leakEnv["LEAK_SWG_PASS"]
	swc.AuditUser, swc.AuditPassword = leakEnv["LEAK_AUDIT_USER"], leakEnv["LEAK_AUDIT_PASS"]
	swg := httptest.NewServer(swgsim.New(swc))
	defer swg.Close()
	hec, hecIDs := hecFake(t, leakEnv["LEAK_HEC_TOKEN"])
	es, esDocs := bulkFake(t, leakEnv["LEAK_ES_KEY"])
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "gatelog.yaml")
	writeFile(t, cfg, `state: `+filepath.Join(dir, "data", "state.db")+`
listen: `+addr+`
listen_auth: {username: ops, password: "${LEAK_STATUS_PASS}"}
sources:
  - name: acme
    type: forcepoint
    base_url: `+fp.URL+`
    auth: {token: "${LEAK_FP_TOKEN}"}
    log_types: [admin, access]
  - name: wss
    type: symantec
    base_url: `+swg.URL+`
    access_logs: {username: "${LEAK_SWG_USER}", password: "${LEAK_SWG_PASS}"}
    audit: {username: "${LEAK_AUDIT_USER}", password: "${LEAK_AUDIT_PASS}"}
    log_types: [accesslog, audit]
    start: 6h
sinks:
  - {name: files, type: file, path: `+filepath.Join(dir, "data", "logs")+`}
  - {name: splunk, type: splunk_hec, url: "`+hec.URL+`", token: "${LEAK_HEC_TOKEN}"}
  - {name: search, type: elasticsearch, url: "`+es.URL+`", api_key: "${LEAK_ES_KEY}"}
`)
	logs := runDaemonUntil(t, dir, cfg, addr, func() bool { return len(hecIDs()) >= 600 && len(esDocs()) >= 600 })
	if strings.Count(logs, "http trace") < 10 || !strings.Contains(logs, "[redacted]") || !strings.Contains(logs, "level=DEBUG") {
		t.Fatalf("the run did not log debug lines and redacted traces; the test would prove nothing:\n%.3000s", logs)
	}
	assertNoLeak(t, "the daemon's logs (debug, --trace-requests)", logs)

	out, code := gatelogRun(t, dir, leakEnv, "state", "show", "-c", cfg)
	if code != 0 || !strings.Contains(out, "acme/admin") {
		t.Fatalf("state show: exit %d\n%s", code, out)
	}
	assertNoLeak(t, "state show", out)
	out, _ = gatelogRun(t, dir, leakEnv, "doctor", "-c", cfg)
	assertNoLeak(t, "doctor", out)

	// Every credential wrong: the errors name what to fix, never the value.
	bad := map[string]string{}
	for k, v := range leakEnv {
		bad[k] = v
	}
	for k, v := range wrongEnv {
		bad[k] = v
	}
	if err := os.RemoveAll(filepath.Join(dir, "data")); err != nil {
		t.Fatal(err)
	}
	out, code = gatelogRun(t, dir, bad, "run", "--once", "-c", cfg, "--log-level", "debug", "--trace-requests")
	if code != 1 || !strings.Contains(out, "401") {
		t.Fatalf("run with wrong credentials: exit %d, want 1 with the 401s:\n%s", code, out)
	}
	assertNoLeak(t, "the failing run's output", out)
	out, code = gatelogRun(t, dir, bad, "doctor", "-c", cfg)
	if code != 1 {
		t.Fatalf("doctor with wrong credentials: exit %d\n%s", code, out)
	}
	assertNoLeak(t, "doctor with wrong credentials", out)
	assertNoLeakInTree(t, dir)
}

// runDaemonUntil runs gatelog run (debug logs, tracing on) until done
// holds, checks the status page and /metrics for leaks on the way, stops
// it with SIGINT and returns everything it logged.
func runDaemonUntil(t *testing.T, dir, cfg, addr string, done func() bool) string {
	t.Helper()
	cmd := gatelogCmd(dir, "run", "-c", cfg, "--log-level", "debug", "--trace-requests")
	cmd.Env = append(cmd.Env, envList(leakEnv)...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGINT) //nolint:errcheck // it may have exited
		cmd.Wait()                         //nolint:errcheck // exit status checked by the caller's output
	}()
	deadline := time.Now().Add(90 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not deliver in time:\n%.3000s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	base := "http://" + addr
	page := authGet(t, base+"/", "ops", leakEnv["LEAK_STATUS_PASS"], 200)
	if !strings.Contains(page, "acme/admin") && !strings.Contains(page, "admin") {
		t.Fatalf("status page without the streams:\n%s", page)
	}
	assertNoLeak(t, "the status page", page)
	metrics := authGet(t, base+"/metrics", "ops", leakEnv["LEAK_STATUS_PASS"], 200)
	if !strings.Contains(metrics, "gatelog_http_responses_total") {
		t.Fatalf("metrics without responses:\n%.2000s", metrics)
	}
	assertNoLeak(t, "/metrics", metrics)
	denied := authGet(t, base+"/", "ops", "wrong", 401)
	assertNoLeak(t, "the 401 page", denied)
	authGet(t, base+"/metrics", "", "", 401)
	get(t, base+"/healthz", 200)       // probes need no password
	cmd.Process.Signal(syscall.SIGINT) //nolint:errcheck // checked by Wait
	if err := cmd.Wait(); err != nil {
		t.Fatalf("daemon: %v\n%.3000s", err, logs.String())
	}
	return logs.String()
}

func authGet(t *testing.T, url, user, pass string, want int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return string(b)
}

// gatelogRun runs gatelog with env and returns its combined output and exit
// code.
func gatelogRun(t *testing.T, dir string, env map[string]string, args ...string) (string, int) {
	t.Helper()
	cmd := gatelogCmd(dir, args...)
	cmd.Env = append(cmd.Env, envList(env)...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errorsAs(err, &ee) {
		t.Fatal(err)
	}
	return string(out), exitCode(t, err)
}

func errorsAs(err error, ee **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*ee = e
	return ok
}

func envList(env map[string]string) []string {
	var l []string
	for k, v := range env {
		l = append(l, k+"="+v)
	}
	return l
}

// assertNoLeakInTree reads every file under dir: the state database,
// delivered logs, quarantine, spool and the configuration.
func assertNoLeakInTree(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		assertNoLeak(t, path, string(b))
		return nil
	})
	if err != nil || files < 3 {
		t.Fatalf("walked %d files: %v", files, err)
	}
}
