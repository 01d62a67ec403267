package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/simulator/fault"
)

// closedAddr is a loopback address nothing listens on: connecting to it is
// refused at once.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runBounded runs cmd to its end and returns its exit code and combined
// output; a run still going after limit is killed and fails the test
// (a liveness bound: run --once must end).
func runBounded(t *testing.T, cmd *exec.Cmd, limit time.Duration) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(t, err), out.String()
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("gatelog %s still running after %s\n%s", strings.Join(cmd.Args[1:], " "), limit, out.String())
		return 0, ""
	}
}

// resultLine is the line run --once printed for a stream (it starts with
// the stream's name), or "".
func resultLine(out, stream string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, stream+" ") {
			return l
		}
	}
	return ""
}

// run --once against a host that refuses connections ends (it used to retry
// forever): exit 1, one line per stream naming the stream, that it made no
// progress and the last error.
func TestOnceEndsOnAnUnreachableHost(t *testing.T) {
	dir := t.TempDir()
	cfg := fpConfig(t, dir, "http://"+closedAddr(t), []string{"access", "admin"}, "")
	start := time.Now()
	code, out := runBounded(t, gatelogCmd(dir, "run", "--once", "--max-wait", "20s", "-c", cfg), 60*time.Second)
	took := time.Since(start)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	if took < 20*time.Second {
		t.Errorf("gave up after %s, before --max-wait 20s", took.Round(time.Millisecond))
	}
	for _, s := range []string{"acme/access", "acme/admin"} {
		l := resultLine(out, s)
		if !strings.Contains(l, "failed") || !strings.Contains(l, "made no progress") || !strings.Contains(l, "connection refused") {
			t.Errorf("%s: result line %q: want failed, no progress and the last error (connection refused)\n%s", s, l, out)
		}
	}
	if strings.Contains(out, " done ") {
		t.Errorf("a stream is reported done:\n%s", out)
	}
}

// run --once with a sink that keeps failing (syslog over TCP to a port that
// refuses connections) ends: exit 1, the stream's line naming the sink's
// error. Nothing was checkpointed past what every sink took: once the sink
// is gone from the configuration, the next run delivers every record
// exactly once.
func TestOnceEndsWhenASinkKeepsFailing(t *testing.T) {
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(61, 500, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"access"}, "")
	withSyslog := strings.Replace(readFile(t, cfg), "sinks:\n",
		"sinks:\n  - {name: siem, type: syslog, address: \""+closedAddr(t)+"\", protocol: tcp}\n", 1)
	writeFile(t, cfg, withSyslog)
	code, out := runBounded(t, gatelogCmd(dir, "run", "--once", "--max-wait", "5s", "-c", cfg), 60*time.Second)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	l := resultLine(out, "acme/access")
	if !strings.Contains(l, "failed") || !strings.Contains(l, "made no progress") || !strings.Contains(l, "siem") ||
		!strings.Contains(l, "connection refused") {
		t.Fatalf("result line %q: want failed, no progress and the sink's last error\n%s", l, out)
	}
	writeFile(t, cfg, withoutSyslog(withSyslog))
	if code, out := runBounded(t, gatelogCmd(dir, "run", "--once", "-c", cfg), 60*time.Second); code != 0 {
		t.Fatalf("the run without the failing sink: exit %d\n%s", code, out)
	}
	checkExact(t, filepath.Join(dir, "logs"), "acme", "access", sim.Forcepoint.Expected("access", time.Time{}))
}

// withoutSyslog drops the syslog sink line from a configuration.
func withoutSyslog(cfg string) string {
	var keep []string
	for _, l := range strings.Split(cfg, "\n") {
		if !strings.Contains(l, "type: syslog") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// SIGTERM and then SIGINT during run --once collections stop them at a
// batch boundary with exits 143 and 130, naming the streams that had not
// caught up; a third run completes them, every record exactly once.
func TestSignalDuringOnceNamesStreamsNotCaughtUp(t *testing.T) {
	c := simConfig(62, 0, 250)
	c.Types = map[string]int{"access": 20000, "swgweb": 20000, "admin": 20000}
	c.Latency = 40 * time.Millisecond // 80 pages a type: seconds per stream
	sim := startSim(t, simulator.Options{Forcepoint: c})
	dir := t.TempDir()
	types := []string{"access", "admin", "swgweb"}
	cfg := fpConfig(t, dir, sim.URL, types, "")

	for _, sig := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		cmd := gatelogCmd(dir, "run", "--once", "-c", cfg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		before := delivered(dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		for deadline := time.Now().Add(30 * time.Second); delivered(dir) <= before; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("nothing delivered in 30s\n%s", out.String())
			}
		}
		cmd.Process.Signal(sig.sig)
		select {
		case err := <-done:
			if code := exitCode(t, err); code != sig.code {
				t.Fatalf("%s: exit %d, want %d\n%s", sig.sig, code, sig.code, out.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%s: still running 30s after the signal\n%s", sig.sig, out.String())
		}
		text := out.String()
		for _, typ := range types {
			l := resultLine(text, "acme/"+typ)
			if !strings.Contains(l, "interrupted") || strings.Contains(l, " done ") {
				t.Errorf("%s: acme/%s: result line %q, want interrupted (it had not caught up)\n%s", sig.sig, typ, l, text)
			}
		}
		if !strings.Contains(text, "not caught up (acme/access, acme/admin, acme/swgweb)") {
			t.Errorf("%s: the last line does not name the streams not caught up:\n%s", sig.sig, text)
		}
	}
	code, out := runBounded(t, gatelogCmd(dir, "run", "--once", "-c", cfg), 120*time.Second)
	if code != 0 {
		t.Fatalf("the run after the signals: exit %d\n%s", code, out)
	}
	for _, typ := range types {
		checkExact(t, filepath.Join(dir, "logs"), "acme", typ, sim.Forcepoint.Expected(typ, time.Time{}))
	}
}

// delivered is the size of every file the file sink wrote under dir.
func delivered(dir string) int64 {
	var n int64
	paths, _ := filepath.Glob(filepath.Join(dir, "logs", "acme", "*", "*.jsonl"))
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// Every log line about a stream carries source and stream fields, and every
// warning or error an error field, in JSON and in text: a run with a
// stream that retries through faults, a source refused for bad credentials
// and a source that cannot be reached.
func TestRunLogsNameSourceAndStream(t *testing.T) {
	sim := startSim(t, simulator.Options{
		Forcepoint: simConfig(63, 600, 100),
		Faults: fault.Config{Rate: 0.3, Seed: 9, RetryAfter: time.Second,
			Kinds: []fault.Kind{fault.Status503, fault.Reset, fault.Truncate, fault.Throttle429}},
	})
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "gatelog.yaml")
			source := func(name, url, token string) string {
				return fmt.Sprintf(`  - name: %s
    type: forcepoint
    base_url: %s
    auth: {token: %s}
    log_types: [access, admin]
    start: 24h
    daily_request_budget: 100000
`, name, url, token)
			}
			writeFile(t, cfg, fmt.Sprintf("state: %s\nsources:\n%s%s%ssinks:\n  - {name: archive, type: file, path: %s}\n",
				filepath.Join(dir, "state.db"), source("acme", sim.URL, "${TEST_FP_TOKEN}"),
				source("denied", sim.URL, "not-the-token"), source("gone", "http://"+closedAddr(t), "${TEST_FP_TOKEN}"),
				filepath.Join(dir, "logs")))
			code, out := runBounded(t, gatelogCmd(dir, "run", "--once", "--max-wait", "3s", "-c", cfg,
				"--log-format", format, "--log-level", "debug"), 90*time.Second)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (denied and gone fail)\n%s", code, out)
			}
			checkLogLines(t, format, out)
		})
	}
}

// checkLogLines checks every log line in out (the other lines are run
// --once's results).
func checkLogLines(t *testing.T, format, out string) {
	t.Helper()
	streams := []string{"acme/access", "acme/admin", "denied/access", "denied/admin", "gone/access", "gone/admin"}
	var lines, failures, retries int
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		raw := sc.Text()
		var f map[string]string
		switch format {
		case "json":
			if !strings.HasPrefix(raw, "{") {
				continue
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				t.Fatalf("log line %q: %v", raw, err)
			}
			f = map[string]string{}
			for k, x := range v {
				if s, ok := x.(string); ok {
					f[k] = s
				}
			}
		default:
			if !strings.HasPrefix(raw, "time=") {
				continue
			}
			f = textFields(raw)
		}
		lines++
		mentions := f["source"] != "" || f["stream"] != ""
		for _, s := range streams {
			mentions = mentions || strings.Contains(f["msg"], s)
		}
		if mentions && (f["source"] == "" || f["stream"] == "" || strings.Contains(f["stream"], "/")) &&
			!sourceOnly(f["msg"]) {
			t.Errorf("a line about a stream without source and stream fields: %s", raw)
		}
		if lvl := f["level"]; lvl == "WARN" || lvl == "ERROR" {
			failures++
			if f["error"] == "" {
				t.Errorf("a %s line without an error field: %s", lvl, raw)
			}
		}
		if strings.Contains(f["msg"], "retrying") {
			retries++
		}
	}
	if lines == 0 || failures < 4 || retries == 0 {
		t.Fatalf("%d log lines, %d warnings or errors, %d retries: the run did not log what the test checks\n%s", lines, failures, retries, out)
	}
}

// sourceOnly: lines about a whole source, not one stream.
func sourceOnly(msg string) bool {
	return strings.HasPrefix(msg, "removed spool files") || strings.HasPrefix(msg, "could not save the server's Retry-After")
}

// textFields parses one slog text line: key=value, values quoted when they
// hold spaces.
func textFields(line string) map[string]string {
	f := map[string]string{}
	for len(line) > 0 {
		line = strings.TrimLeft(line, " ")
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			break
		}
		key, rest := line[:eq], line[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := 1
			for end < len(rest) && (rest[end] != '"' || rest[end-1] == '\\') {
				end++
			}
			val = rest[:min(end+1, len(rest))]
			if uq, err := unquote(val); err == nil {
				val = uq
			}
			rest = rest[min(end+1, len(rest)):]
		} else {
			sp := strings.IndexByte(rest, ' ')
			if sp < 0 {
				sp = len(rest)
			}
			val, rest = rest[:sp], rest[sp:]
		}
		f[key] = val
		line = rest
	}
	return f
}

func unquote(s string) (string, error) {
	var v string
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}
