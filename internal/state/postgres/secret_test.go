package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// wrongPassword is distinctive, so that any trace of it in a message is found.
const wrongPassword = "Quokka-Wrong-Pw-5150"

// noSecret fails when an error's text, in any verb, or the text of any
// error it wraps, holds one of secrets.
func noSecret(t *testing.T, what string, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	var texts []string
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%#v"} {
		texts = append(texts, fmt.Sprintf(verb, err))
	}
	var walk func(error)
	walk = func(e error) {
		for e != nil {
			texts = append(texts, e.Error())
			if multi, ok := e.(interface{ Unwrap() []error }); ok {
				for _, inner := range multi.Unwrap() {
					walk(inner)
				}
				return
			}
			e = errors.Unwrap(e)
		}
	}
	walk(err)
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s: the password %q is in the error: %s", what, s, text)
			}
		}
	}
	t.Logf("%s: %v", what, err)
}

func open(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, dsn, Options{})
	if err == nil {
		_ = s.Close()
	}
	return err
}

// closedPort is a loopback port nobody listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return strconv.Itoa(port)
}

// silentPort is a loopback port that accepts connections and never answers.
func silentPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// The DSN's password appears in no error: a wrong password, an unreachable
// or silent server, a missing database, a DSN that does not parse.
func TestPasswordNotInErrors(t *testing.T) {
	t.Setenv("PGPASSWORD", "")
	dsn := pgtest.Start(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	db := strings.TrimPrefix(u.Path, "/")
	port := u.Port()
	secrets := []string{password, wrongPassword}
	with := func(pw, host, port, db string, params ...string) string {
		v := *u
		v.User = url.UserPassword(pgtest.User, pw)
		v.Host = net.JoinHostPort(host, port)
		v.Path = "/" + db
		return withParams(t, v.String(), params...)
	}

	err = open(with(wrongPassword, "127.0.0.1", port, db))
	noSecret(t, "wrong password", err, secrets...)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("wrong password: want the server's invalid_password (28P01) through errors.As, got %v", err)
	}
	noSecret(t, "wrong password, key=value", open(fmt.Sprintf("host=127.0.0.1 port=%s user=%s password='%s' dbname=%s sslmode=disable", port, pgtest.User, wrongPassword, db)), secrets...)
	noSecret(t, "wrong password in the query", open(with("", "127.0.0.1", port, db, "password", wrongPassword)), secrets...)

	noSecret(t, "unreachable host", open(with(password, "127.0.0.1", closedPort(t), db)), secrets...)
	noSecret(t, "unreachable host, key=value", open(fmt.Sprintf("host=127.0.0.1 port=%s user=%s password=%s dbname=%s connect_timeout=2", closedPort(t), pgtest.User, password, db)), secrets...)
	start := time.Now()
	err = open(with(password, "127.0.0.1", silentPort(t), db, "connect_timeout", "1"))
	noSecret(t, "silent host", err, secrets...)
	if time.Since(start) > 10*time.Second {
		t.Errorf("Open of a silent host took %v, want about connect_timeout", time.Since(start))
	}
	noSecret(t, "no such database", open(with(password, "127.0.0.1", port, "no_such_db")), secrets...)

	for _, bad := range []string{
		"postgres://gatelog_test:" + wrongPassword + "@127.0.0.1:notaport/db",
		"postgres://gatelog_test:" + wrongPassword + "%zz@127.0.0.1/db",
		"postgres://gatelog_test:" + wrongPassword + "@[::1/db",
		"postgresql://gatelog_test:" + wrongPassword + "@127.0.0.1/db?sslmode=nonsense",
		"host=127.0.0.1 password='" + wrongPassword + " port=1",
		"host=127.0.0.1 password=" + wrongPassword + " port=notaport",
		"host=127.0.0.1 password=" + wrongPassword + " sslmode=nonsense",
	} {
		noSecret(t, "DSN that does not parse: "+strings.ReplaceAll(bad, wrongPassword, "PW"), open(bad), secrets...)
	}
}

// The password may come from PGPASSWORD instead of the DSN; a wrong one is
// not repeated either.
func TestPasswordFromEnvironment(t *testing.T) {
	dsn := pgtest.Start(t)
	u, _ := url.Parse(dsn)
	password, _ := u.User.Password()
	u.User = url.User(pgtest.User)

	t.Setenv("PGPASSWORD", password)
	s := openT(t, u.String(), Options{})
	if err := s.SetBudget(streamA, state.Budget{Day: "2025-03-01"}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{fmt.Sprintf("%v %+v %#v", s, s, s)} {
		if strings.Contains(v, password) {
			t.Errorf("printing the store shows the password: %s", v)
		}
	}

	t.Setenv("PGPASSWORD", wrongPassword)
	noSecret(t, "wrong PGPASSWORD", open(u.String()), password, wrongPassword)
}

// An error from a store method after Open is masked too: here a statement
// whose error the server builds from a value that is the password.
func TestPasswordNotInMethodErrors(t *testing.T) {
	dsn := pgtest.Start(t)
	u, _ := url.Parse(dsn)
	password, _ := u.User.Password()
	s := openT(t, dsn, Options{})
	err := s.Commit(streamA, state.Checkpoint{Seen: []state.SeenID{{Time: time.Time{}, ID: password}}})
	noSecret(t, "commit of a mark named like the password", err, password)
	if !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("want the password masked as xxxxx: %v", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Error("errors.Is sees a cause that is not there")
	}
}
