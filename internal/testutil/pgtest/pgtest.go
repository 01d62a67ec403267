// Package pgtest starts a throwaway PostgreSQL cluster for tests, from
// Debian's postgresql package (the newest /usr/lib/postgresql/<version>/bin).
//
// Use it from a package's TestMain, which stops the cluster and removes its
// folder when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and call Start in each test for a database of its own:
//
//	dsn := pgtest.Start(t) // postgres://gatelog_test:<password>@127.0.0.1:<port>/<fresh db>
//
// One cluster serves the whole test binary; it is created on the first Start
// (initdb in a temporary folder), listens on a free loopback TCP port and on
// a unix socket inside that folder, and each Start creates a new database
// (dropped when the test ends), so tests never see each other's data.
//
// Authentication: the unix socket and the superuser pgtest_admin trust
// everyone (they are only for the harness itself); over TCP every other role
// needs its password (scram-sha-256), so the DSN that Start returns, for the
// role gatelog_test with a random password, exercises password handling.
//
// Running as root: initdb and postgres refuse to run as root, so when the
// test binary is root the folder is chowned to the unprivileged user
// "postgres" (which the Debian package creates; "nobody" when it is absent)
// and initdb and postgres are started as that user through
// syscall.SysProcAttr.Credential (the same setuid/setgid/setgroups that
// setpriv does, without a helper in between).
//
// No server outlives the test binary: postgres is started directly as a
// child (not through pg_ctl, which would detach it) with a parent-death
// signal, so even when a test panics, times out or the binary is killed,
// the kernel sends the postmaster SIGINT (a fast shutdown) when the test
// process ends. Main stops it in the ordinary way. A folder left behind by a
// killed binary is removed by the next Start of any test binary.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// AdminUser is the cluster's superuser, trusted on the unix socket and on loopback.
	AdminUser = "pgtest_admin"
	// User is the role that owns each test database and must give its password.
	User = "gatelog_test"

	installHint = "sudo apt-get install -y postgresql (or run scripts/test-deps.sh)"
	dirPrefix   = "pgtest-"
)

var (
	mainCalled atomic.Bool
	once       sync.Once
	cl         *cluster
	startErr   error
	dbSeq      atomic.Int64
)

// Main runs the tests, then stops the cluster (if a test started one) and
// removes its folder, and exits with the tests' code. Call it from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with cleanup of its own: it returns the code
// to exit with.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if cl != nil {
		if err := cl.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Start returns the DSN of a new, empty database owned by User on the
// binary's cluster, starting the cluster on the first call. The database is
// dropped when the test ends. It fails the test (never skips it) when the
// PostgreSQL binaries are missing.
func Start(t testing.TB) string {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("pgtest: call pgtest.Main(m) from the package's TestMain, so the cluster is stopped when the tests end")
	}
	once.Do(func() { cl, startErr = startCluster() })
	if startErr != nil {
		t.Fatal(startErr)
	}
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), sanitize(t.Name()))
	if err := cl.admin(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+User)
		return err
	}); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := cl.admin(func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			return err
		}); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(User, cl.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(cl.port)),
		Path:     "/" + name,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// AdminDSN returns a superuser DSN for the database that dsn (from Start)
// names, over the cluster's unix socket: for tests that must do what the
// database's owner may not.
func AdminDSN(t testing.TB, dsn string) string {
	t.Helper()
	if cl == nil {
		t.Fatal("pgtest: AdminDSN before Start")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", cl.sockDir, cl.port, AdminUser, strings.TrimPrefix(u.Path, "/"))
}

// ServerPID is the cluster's postmaster process id (0 before it starts).
func ServerPID() int {
	if cl == nil {
		return 0
	}
	return cl.cmd.Process.Pid
}

// Dir is the cluster's temporary folder ("" before it starts).
func Dir() string {
	if cl == nil {
		return ""
	}
	return cl.dir
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// sanitize turns a test name into part of a database name (63 bytes at most in all).
func sanitize(name string) string {
	s := unsafeName.ReplaceAllString(strings.ToLower(name), "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

type cluster struct {
	bin      string // the folder of initdb and postgres
	dir      string // the temporary folder: data/, the socket, the log
	sockDir  string
	port     int
	password string
	cred     *syscall.Credential // nil when not root
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the postmaster has exited
	logPath  string

	mu   sync.Mutex
	conn *pgx.Conn // the admin connection, over the socket
}

// debianRoot is where Debian's postgresql-NN packages put their servers.
const debianRoot = "/usr/lib/postgresql"

// findBin returns the bin folder of the newest PostgreSQL server under root
// (root/<version>/bin, the Debian layout).
func findBin(root string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(root, "*", "bin", "initdb"))
	var best string
	var bestVer []int
	for _, m := range matches {
		bin := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
			continue
		}
		ver := parseVersion(filepath.Base(filepath.Dir(bin)))
		if best == "" || slices.Compare(ver, bestVer) > 0 {
			best, bestVer = bin, ver
		}
	}
	if best == "" {
		return "", fmt.Errorf("pgtest: PostgreSQL server binaries (initdb, postgres) not found under %s/*/bin: %s", root, installHint)
	}
	return best, nil
}

func parseVersion(s string) []int {
	var v []int
	for part := range strings.SplitSeq(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			n = -1
		}
		v = append(v, n)
	}
	return v
}

// runAs returns the credential to run the server with: nil when this
// process is not root, else the user "postgres" (or "nobody").
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root and found no unprivileged user (postgres, nobody) to run PostgreSQL as: %s", installHint)
}

func startCluster() (*cluster, error) {
	bin, err := findBin(debianRoot)
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	removeStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &cluster{bin: bin, dir: dir, sockDir: dir, cred: cred, logPath: filepath.Join(dir, "postgres.log")}
	if err := c.init(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken by someone else before postgres binds it:
	// try a few.
	for attempt := 0; ; attempt++ {
		err = c.launch()
		if err == nil || attempt == 4 || !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	if err == nil {
		err = c.createRole()
	}
	if err != nil {
		_ = c.stop()
		return nil, err
	}
	return c, nil
}

// init writes the owner file and runs initdb.
func (c *cluster) init() error {
	if err := os.WriteFile(filepath.Join(c.dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	pw := make([]byte, 12)
	_, _ = rand.Read(pw)
	c.password = "pgtest-pw-" + hex.EncodeToString(pw)

	// ICU en-US as the default collation, like a typical production
	// database: code that sorts must say COLLATE "C" when it means bytes.
	cmd := c.command(filepath.Join(c.bin, "initdb"), "-D", filepath.Join(c.dir, "data"),
		"-U", AdminUser, "--auth=trust", "--no-sync", "--encoding=UTF8",
		"--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US")
	out, err := cmd.CombinedOutput()
	if err != nil {
		hint := ""
		if c.cred != nil {
			hint = fmt.Sprintf(" (initdb runs as uid %d: every folder above %s must be searchable by it; set TMPDIR elsewhere if not)", c.cred.Uid, c.dir)
		}
		return fmt.Errorf("pgtest: initdb: %v%s\n%s", err, hint, out)
	}
	hba := "local all all trust\n" +
		"host all " + AdminUser + " 127.0.0.1/32 trust\n" +
		"host all all 127.0.0.1/32 scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(c.dir, "data", "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if c.cred != nil {
		return os.Chown(filepath.Join(c.dir, "data", "pg_hba.conf"), int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

// command runs name as the cluster's user.
func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", "HOME=" + c.dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	return cmd
}

// launch starts the postmaster on a free port and waits until it accepts
// connections.
func (c *cluster) launch() error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	c.port = port
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	cmd := c.command(filepath.Join(c.bin, "postgres"), "-D", filepath.Join(c.dir, "data"),
		"-p", strconv.Itoa(port), "-k", c.sockDir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=60",
		"-c", "logging_collector=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	// The kernel sends the postmaster SIGINT when the thread that started
	// it exits, so that thread is kept (locked to this goroutine) until the
	// postmaster is gone: in effect, when this process ends.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	exited := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.cmd, c.exited = cmd, exited

	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", c.sockDir, port, AdminUser))
		cancel()
		if err == nil {
			c.conn = conn
			return nil
		}
		select {
		case <-exited:
			log := c.logTail()
			if strings.Contains(log, "already in use") {
				return fmt.Errorf("pgtest: port %d already in use", port)
			}
			return fmt.Errorf("pgtest: postgres exited at start: %s\n%s", cmd.ProcessState, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within a minute: %v\n%s", err, c.logTail())
		}
	}
}

func (c *cluster) createRole() error {
	return c.admin(func(ctx context.Context, conn *pgx.Conn) error {
		// The password is hex: no quoting needed. CREATE ROLE takes no parameters.
		_, err := conn.Exec(ctx, "CREATE ROLE "+User+" LOGIN PASSWORD '"+c.password+"'")
		return err
	})
}

// admin runs f on the superuser connection, one caller at a time.
func (c *cluster) admin(f func(context.Context, *pgx.Conn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return errors.New("cluster is stopped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return f(ctx, c.conn)
}

func (c *cluster) logTail() string {
	b, _ := os.ReadFile(c.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// stop shuts the postmaster down (fast shutdown, then SIGKILL after 30s)
// and removes the folder.
func (c *cluster) stop() error {
	c.mu.Lock()
	if c.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.conn.Close(ctx)
		cancel()
		c.conn = nil
	}
	c.mu.Unlock()
	var err error
	if c.cmd != nil {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
			err = fmt.Errorf("postgres (pid %d) ignored SIGINT for 30s and was killed", c.cmd.Process.Pid)
		}
	}
	if rmErr := os.RemoveAll(c.dir); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStale removes the folders of clusters whose test binary is gone
// (killed before Main could clean up) and whose postmaster is gone too.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		if alive(readPID(filepath.Join(dir, "owner.pid"))) || alive(readPID(filepath.Join(dir, "data", "postmaster.pid"))) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "owner.pid")); err != nil {
			continue // not one of ours, or just being created
		}
		_ = os.RemoveAll(dir)
	}
}

// readPID reads the number on the first line of path (0 when there is none).
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
