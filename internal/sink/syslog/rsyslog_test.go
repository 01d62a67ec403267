//go:build linux

package syslog

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/testutil/testpki"
)

// The real-receiver test: rsyslogd with its own configuration in a temp
// directory, listening on loopback for plain TCP and for TLS (gtls, client
// certificates required), writing every message's raw text to a file.

const rsyslogPackages = "rsyslog rsyslog-gnutls"

// rsyslogBinary finds rsyslogd. Without it the test fails, naming the
// command that installs it: a skip would hide an untested sink.
func rsyslogBinary(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("rsyslogd"); err == nil {
		return path
	}
	if _, err := os.Stat("/usr/sbin/rsyslogd"); err == nil {
		return "/usr/sbin/rsyslogd"
	}
	missing(t, "rsyslogd is not installed")
	return ""
}

// missing fails the test for a missing part of rsyslog, with the one
// command that installs it (make test and .ci/run run scripts/test-deps.sh,
// which checks for it first).
func missing(t *testing.T, what string) {
	t.Helper()
	t.Fatal(what + ": install Debian's " + rsyslogPackages + ": sudo apt-get install -y " + rsyslogPackages + " (or run scripts/test-deps.sh)")
}

type rsyslog struct {
	t                  *testing.T
	bin, dir, conf     string
	plainPort, tlsPort int
	cmd                *exec.Cmd
}

// startRsyslog writes the configuration, checks it and starts rsyslogd in
// the foreground.
func startRsyslog(t *testing.T, pki *testpki.PKI) *rsyslog {
	r := &rsyslog{t: t, bin: rsyslogBinary(t), dir: t.TempDir(), plainPort: freePort(t), tlsPort: freePort(t)}
	r.conf = filepath.Join(r.dir, "rsyslog.conf")
	if err := os.MkdirAll(filepath.Join(r.dir, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.conf, []byte(r.config(pki)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(r.bin, "-N1", "-f", r.conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, out)
	}
	t.Cleanup(r.stop)
	r.start()
	return r
}

func (r *rsyslog) config(pki *testpki.PKI) string {
	return fmt.Sprintf(`global(
  workDirectory="%[1]s/work"
  maxMessageSize="64k"
  parser.escapeControlCharactersOnReceive="off"
  defaultNetstreamDriverCAFile="%[2]s"
  defaultNetstreamDriverCertFile="%[3]s"
  defaultNetstreamDriverKeyFile="%[4]s"
)
module(load="imtcp" maxSessions="64")
template(name="raw" type="string" string="%%rawmsg%%\n")
ruleset(name="plain") { action(type="omfile" file="%[1]s/plain.log" template="raw") }
ruleset(name="tls") { action(type="omfile" file="%[1]s/tls.log" template="raw") }
input(type="imtcp" address="127.0.0.1" port="%[5]d" ruleset="plain")
input(type="imtcp" address="127.0.0.1" port="%[6]d" ruleset="tls"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
*.* action(type="omfile" file="%[1]s/rsyslogd.log")
`, r.dir, pki.CAFile, pki.ServerCert, pki.ServerKey, r.plainPort, r.tlsPort)
}

func (r *rsyslog) start() {
	r.t.Helper()
	out, err := os.OpenFile(filepath.Join(r.dir, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	defer out.Close()
	r.cmd = exec.Command(r.bin, "-n", "-f", r.conf, "-i", filepath.Join(r.dir, "rsyslogd.pid"))
	r.cmd.Stdout, r.cmd.Stderr = out, out
	// Should the test binary die (go test -timeout), take rsyslogd along.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for _, port := range []int{r.plainPort, r.tlsPort} {
		r.waitListening(port)
	}
}

// waitListening waits until port accepts a connection (closed at once; a
// bare TCP connect makes rsyslog log a failed TLS session, nothing more).
func (r *rsyslog) waitListening(port int) {
	r.t.Helper()
	deadline := time.Now().Add(hang)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c.Close()
			return
		}
		logs := r.logs()
		if strings.Contains(logs, "could not load module 'lmnsd_gtls'") {
			missing(r.t, "rsyslogd cannot load its TLS driver lmnsd_gtls")
		}
		if r.cmd.ProcessState != nil || time.Now().After(deadline) {
			r.t.Fatalf("rsyslogd does not listen on %d: %v\n%s", port, err, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends rsyslogd with SIGTERM (it flushes its output files) and waits.
func (r *rsyslog) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	r.cmd = nil
}

func (r *rsyslog) logs() string {
	var b strings.Builder
	for _, f := range []string{"stderr.log", "rsyslogd.log"} {
		data, _ := os.ReadFile(filepath.Join(r.dir, f))
		fmt.Fprintf(&b, "--- %s\n%s", f, data)
	}
	return b.String()
}

// lines waits until file holds at least n lines and returns them.
func (r *rsyslog) lines(file string, n int) []string {
	r.t.Helper()
	deadline := time.Now().Add(hang)
	for {
		data, _ := os.ReadFile(filepath.Join(r.dir, file))
		if got := bytes.Count(data, []byte("\n")); got >= n {
			return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		} else if time.Now().After(deadline) {
			r.t.Fatalf("%s has %d lines, want %d\n%s", file, got, n, r.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestRsyslog sends 2000 records to rsyslog over TCP (RFC 5424) and over
// TLS (CEF), both octet-counted, restarting rsyslog after half of them.
// Every message must arrive byte for byte, in order of first appearance;
// a batch resent after the restart may appear twice.
func TestRsyslog(t *testing.T) {
	pki := testpki.New(t, "gatelog test CA", "127.0.0.1", "localhost")
	rs := startRsyslog(t, pki)
	for _, tt := range []struct {
		name, format, file string
		port               int
		tls                bool
	}{
		{"tcp", "rfc5424", "plain.log", rs.plainPort, false},
		{"tls", "cef", "tls.log", rs.tlsPort, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Name: "rsyslog", Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(tt.port)), Protocol: "tcp", Format: tt.format}
			if tt.tls {
				cfg = tlsConfig(cfg.Address, pki, true)
				cfg.Name, cfg.Format = "rsyslog", tt.format
			}
			s := newSink(t, cfg)
			rsyslogRun(t, rs, s, tt.file)
		})
	}
	t.Run("tls-without-client-certificate", func(t *testing.T) {
		// rsyslog drops such a client without a TLS alert: the sink cannot
		// tell a rejection from a passing failure, but must not report the
		// batch as sent.
		s := newSink(t, tlsConfig(net.JoinHostPort("127.0.0.1", strconv.Itoa(rs.tlsPort)), pki, false))
		_, err := s.Write(ctxT(t), idA, batch(idA, 0, 1))
		if err == nil || !strings.Contains(err.Error(), "client certificate") {
			t.Fatalf("rsyslog requires a client certificate; Write without one = %v, want an error suggesting it", err)
		}
		t.Log(err)
	})
}

// rsyslogRun is one TestRsyslog case: 20 batches of 100 records of two
// streams; rsyslog is down for batch 10, and restarted before batch 15.
func rsyslogRun(t *testing.T, rs *rsyslog, s *Sink, file string) {
	const batches, size = 20, 100
	ids := []record.StreamID{{Source: "acme-fp", Stream: "access"}, {Source: "acme-wss", Stream: "swgweb"}}
	want := map[string]string{} // record id -> message
	var order []string
	failures := 0
	for b := range batches {
		id := ids[b%len(ids)]
		recs := batch(id, b, size)
		for i := range recs {
			var fs fieldSet
			want[recs[i].ID] = string(s.fmt.appendMessage(nil, &recs[i], &fs))
			order = append(order, recs[i].ID)
		}
		switch b {
		case batches / 2:
			failures += writeWhileDown(t, rs, s, file, b*size, id, recs)
		case batches * 3 / 4:
			// Restarted while the sink is idle: the next batch must notice
			// the dead connection and go out on a new one.
			rs.lines(file, b*size)
			rs.stop()
			rs.start()
		}
		failures += writeRetrying(t, s, id, recs)
	}
	s.Close()
	lines := rs.lines(file, batches*size)
	unique := checkReceived(t, lines, want, order)
	t.Logf("%d records in %d batches; %d failed writes retried; rsyslog wrote %d lines: all %d records intact and in order, %d duplicates",
		len(order), batches, failures, len(lines), unique, len(lines)-unique)
}

// writeWhileDown stops rsyslog once it has written the first n messages
// (what it had not read yet would be lost: see the package comment), then
// expects the batch to fail, and starts rsyslog again; writeRetrying
// then resends the batch.
func writeWhileDown(t *testing.T, rs *rsyslog, s *Sink, file string, n int, id record.StreamID, recs []record.Record) int {
	rs.lines(file, n)
	rs.stop()
	_, err := s.Write(ctxT(t), id, recs)
	if err == nil {
		t.Fatal("Write with rsyslog down succeeded")
	}
	t.Logf("batch with rsyslog down: %v", err)
	if err := s.Recover(ctxT(t), id, nil); err != nil { // as the pipeline does before retrying
		t.Fatal(err)
	}
	rs.start()
	return 1
}

// checkReceived checks that every line is a message sent, byte for byte,
// and that the records appear, by first appearance, in the order sent.
// It returns the number of distinct records.
func checkReceived(t *testing.T, lines []string, want map[string]string, order []string) int {
	seen := map[string]bool{}
	var first []string
	for i, l := range lines {
		rid := recordID(l)
		if want[rid] != l {
			t.Fatalf("line %d (record %q) is not the message sent:\n got %q\nwant %q", i, rid, l, want[rid])
		}
		if !seen[rid] {
			seen[rid] = true
			first = append(first, rid)
		}
	}
	if strings.Join(first, ",") != strings.Join(order, ",") {
		t.Fatalf("records out of order or missing: %d distinct of %d", len(first), len(order))
	}
	return len(first)
}

// writeRetrying does what the pipeline does after a failed Write: Recover,
// then the same batch again, until it succeeds. It returns the failures.
func writeRetrying(t *testing.T, s *Sink, id record.StreamID, recs []record.Record) int {
	t.Helper()
	ctx := ctxT(t)
	for n := 0; ; n++ {
		_, err := s.Write(ctx, id, recs)
		if err == nil {
			return n
		}
		t.Logf("retrying %s: %v", id, err)
		if ctx.Err() != nil {
			t.Fatal(err)
		}
		if err := s.Recover(context.Background(), id, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
