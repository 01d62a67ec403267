package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatelog/gatelog/internal/testutil"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err == nil {
		t.Cleanup(func() { _ = c.Close(context.Background()) })
	}
	return c, err
}

// Each Start is a database of its own, reached over loopback TCP with the
// role's password.
func TestStartGivesSeparateDatabases(t *testing.T) {
	dsns := []string{Start(t), Start(t)}
	if dsns[0] == dsns[1] {
		t.Fatalf("two Starts gave the same DSN %s", dsns[0])
	}
	for i, dsn := range dsns {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if h := u.Hostname(); h != "127.0.0.1" {
			t.Errorf("host %q, want 127.0.0.1", h)
		}
		c, err := connect(t, dsn)
		if err != nil {
			t.Fatalf("connect to %s: %v", u.Redacted(), err)
		}
		if _, err := c.Exec(context.Background(), "CREATE TABLE only_here (n int)"); err != nil {
			t.Fatalf("database %d: %v", i, err)
		}
		var who, db string
		if err := c.QueryRow(context.Background(), "SELECT current_user, current_database()").Scan(&who, &db); err != nil {
			t.Fatal(err)
		}
		if who != User || "/"+db != u.Path {
			t.Errorf("connected as %s to %s, want %s to %s", who, db, User, u.Path)
		}
	}
}

// The role's password is checked over TCP: a wrong one is refused.
func TestPasswordIsRequired(t *testing.T) {
	u, err := url.Parse(Start(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, user := range map[string]*url.Userinfo{
		"wrong password": url.UserPassword(User, "not-the-password"),
		"no password":    url.User(User),
	} {
		u.User = user
		t.Setenv("PGPASSWORD", "")
		t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
		_, err := connect(t, u.String())
		var pgErr *pgconn.PgError
		if name == "wrong password" && !(errors.As(err, &pgErr) && pgErr.Code == "28P01") {
			t.Errorf("%s: connect = %v; want invalid_password (28P01)", name, err)
		}
		if name == "no password" && err == nil {
			t.Errorf("%s: connected", name)
		}
	}
}

// The server runs as an unprivileged user, with the socket in the folder.
func TestServerProcess(t *testing.T) {
	Start(t)
	st, err := os.Stat(filepath.Join(Dir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", ServerPID()))
	if err != nil {
		t.Fatalf("postmaster %d: %v", ServerPID(), err)
	}
	uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindSubmatch(status)
	if uid == nil || string(uid[1]) == "0" {
		t.Errorf("postmaster runs as uid %s, want an unprivileged one", uid)
	}
	if os.Geteuid() == 0 && st.Mode().Perm()&0o077 != 0 {
		t.Errorf("data folder mode %v", st.Mode())
	}
	dsn := Start(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(Dir(), ".s.PGSQL."+u.Port())); err != nil || st.Mode()&os.ModeSocket == 0 {
		t.Errorf("no unix socket for port %s in %s: %v", u.Port(), Dir(), err)
	}
	c, err := connect(t, AdminDSN(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	var super bool
	if err := c.QueryRow(context.Background(), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil || !super {
		t.Errorf("AdminDSN: superuser %v, %v", super, err)
	}
}

const childEnv = "PGTEST_CHILD"

// TestHelperProcess is the child of TestNoServerOutlivesTheBinary: it starts
// the cluster, says where it is, and fails or panics.
func TestHelperProcess(t *testing.T) {
	how := os.Getenv(childEnv)
	if how == "" {
		t.Skip("child process of TestNoServerOutlivesTheBinary")
	}
	Start(t)
	fmt.Printf("PGTEST pid=%d dir=%s\n", ServerPID(), Dir())
	switch how {
	case "fail":
		t.Fatal("failing on purpose")
	case "panic":
		panic("panicking on purpose")
	}
}

var childLine = regexp.MustCompile(`PGTEST pid=(\d+) dir=(\S+)`)

// Whether the test that started it fails or panics, the server stops when
// the binary ends; the folder is removed then, or (after a panic, which
// skips Main) by the next cluster's start.
func TestNoServerOutlivesTheBinary(t *testing.T) {
	for _, how := range []string{"fail", "panic"} {
		t.Run(how, func(t *testing.T) {
			out, err := testutil.RunChild(testutil.ExactPattern("TestHelperProcess"), []string{childEnv + "=" + how})
			if err == nil {
				t.Fatalf("child passed:\n%s", out)
			}
			m := childLine.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("child did not start a cluster:\n%s", out)
			}
			pid, _ := strconv.Atoi(m[1])
			dir := m[2]
			deadline := time.Now().Add(20 * time.Second)
			for alive(pid) {
				if time.Now().After(deadline) {
					t.Fatalf("postmaster %d still runs 20s after its test binary ended", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if how == "fail" {
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("Main left %s: %v", dir, err)
				}
				return
			}
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("after a panic the folder should be left for the next start: %v", err)
			}
			removeStale()
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("removeStale left %s: %v", dir, err)
			}
		})
	}
}

func TestMissingBinariesNameThePackage(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "14", "bin"), 0o755); err != nil { // a client-only install
		t.Fatal(err)
	}
	_, err := findBin(root)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), ": sudo apt-get install -y postgresql") {
		t.Errorf("findBin(no server) = %v; want one line naming the package", err)
	}
}

func TestFindBinTakesTheNewest(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "10", "17", "16"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"initdb", "postgres"} {
			if v == "17" && f == "postgres" {
				continue // 17's server is not installed
			}
			if err := os.WriteFile(filepath.Join(bin, f), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := findBin(root)
	if want := filepath.Join(root, "16", "bin"); got != want || err != nil {
		t.Errorf("findBin = %s, %v; want %s", got, err, want)
	}
}
