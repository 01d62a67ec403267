// Package postgres is a state.Store kept in a PostgreSQL database: for
// gatelog instances whose state must live off the host, and (later) for
// several instances sharing one database, each stream owned by a lease.
//
// Open creates and migrates the schema itself (see migrate.go and
// migrations/). Every write is one statement, so one transaction (a
// stream's first write makes its streams row before), committed with
// synchronous_commit on: a write method returns once the server has flushed
// it to its WAL. Lease expiry is judged by the database's clock
// (now()), never the process's, so instances on hosts whose clocks differ
// agree on who holds a stream.
//
// Unlike the bolt file, the database may be opened by several processes at
// once (Open never fails with state.ErrLocked): per-stream ownership is the
// lease's job.
//
// The DSN (URL or key=value form; the password may also come from
// PGPASSWORD or a .pgpass file, as libpq does) is never repeated in an
// error: Open's and the methods' errors are checked for the password and
// have it masked, and a DSN that does not parse is not quoted at all.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

var _ state.Store = (*Store)(nil)

const (
	defaultOpTimeout      = 30 * time.Second
	defaultMaxConns       = 4
	defaultConnectTimeout = 10 * time.Second
)

// Options tune Open.
type Options struct {
	// OpTimeout bounds each call of a Store method (they take no context);
	// 0 means 30s.
	OpTimeout time.Duration
	// MaxConns caps the connection pool; 0 means 4.
	MaxConns int32

	// tracer, set by this package's tests, sees every query.
	tracer pgx.QueryTracer
}

// Store is a state.Store in a PostgreSQL database.
type Store struct {
	pool      *pgxpool.Pool
	opTimeout time.Duration
	mask      *masker // behind a pointer, so that printing a Store shows no password

	mu  sync.Mutex
	ids map[record.StreamID]int32 // streams.id, cached: stream rows are never deleted

	closeOnce sync.Once
}

// Open connects to the database that dsn names, brings its schema up to
// date and returns the store. ctx bounds the connection and the migration
// (which may wait for another process's migration to finish).
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	mask := &masker{secrets: dsnSecrets(dsn)}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, mask.redact(parseError(err))
	}
	mask.add(cfg.ConnConfig.Password) // from the DSN, PGPASSWORD or .pgpass
	if o.OpTimeout <= 0 {
		o.OpTimeout = defaultOpTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = defaultMaxConns
	}
	cfg.MaxConns = o.MaxConns
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "gatelog"
	}
	cc.Tracer = o.tracer
	cfg.AfterConnect = keepDurable

	where := fmt.Sprintf("%s@%s:%d/%s", cc.User, cc.Host, cc.Port, cc.Database)
	if err := migrate(ctx, cc, 0); err != nil {
		return nil, mask.redact(fmt.Errorf("open PostgreSQL state store %s: %w", where, err))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mask.redact(fmt.Errorf("open PostgreSQL state store %s: %w", where, err))
	}
	return &Store{pool: pool, opTimeout: o.OpTimeout, mask: mask, ids: map[record.StreamID]int32{}}, nil
}

// keepDurable turns synchronous_commit back on for gatelog's sessions when
// the server, database or role turned it off: without it a commit could be
// acknowledged, then lost in a crash.
func keepDurable(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'")
	if err != nil {
		return fmt.Errorf("turn synchronous_commit on: %w", err)
	}
	return nil
}

// Close closes the pool. Only the first call does anything.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

// op runs f with a context bounded by the store's OpTimeout. A failure to
// reach the server (no connection, a timeout, the server shutting down)
// wraps state.ErrUnavailable: retrying it is safe.
func (s *Store) op(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.opTimeout)
	defer cancel()
	err := f(ctx)
	if err != nil && unavailable(err) {
		return fmt.Errorf("%w: %w", state.ErrUnavailable, err)
	}
	return err
}

// unavailable tells a server that could not be reached or answered in time
// from one that refused the statement.
func unavailable(err error) bool {
	var (
		netErr  net.Error
		connErr *pgconn.ConnectError
		pgErr   *pgconn.PgError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err), pgconn.SafeToRetry(err),
		errors.As(err, &netErr), errors.As(err, &connErr), errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, net.ErrClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pgErr):
		// 08: connection exception; 57P01-57P03: the server is shutting down or
		// starting; 53300: too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || pgErr.Code == "53300"
	}
	return false
}

// fail names the operation and stream, and masks the password.
func (s *Store) fail(what string, id record.StreamID, err error) error {
	if err == nil {
		return nil
	}
	return s.mask.redact(fmt.Errorf("%s %s: %w", what, id, err))
}

// parseError describes a DSN that does not parse without quoting it: pgx
// masks the password it finds, but a malformed DSN can hide it from that.
// pgx's text is "cannot parse `DSN`: reason": only the part after the
// last "`: " (after the DSN, whatever the DSN holds) is kept.
func parseError(err error) error {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return fmt.Errorf("open PostgreSQL state store: %w", err) // a pool setting's value (pool_max_conns=...)
	}
	detail := ""
	if msg := pe.Error(); strings.Contains(msg, "`: ") {
		detail = ": " + msg[strings.LastIndex(msg, "`: ")+3:]
	}
	return fmt.Errorf("open PostgreSQL state store: the DSN does not parse%s (the DSN is not shown: it may hold a password)", detail)
}

// minSecret is the shortest password masked in errors: a shorter one would
// mask parts of ordinary words, and guards little.
const minSecret = 4

var kvPassword = regexp.MustCompile(`(?i)\b(?:ssl)?password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))`)

// masker masks passwords in errors.
type masker struct {
	secrets []string
}

// add adds a password to mask (one shorter than minSecret is not).
func (m *masker) add(pw string) {
	if len(pw) >= minSecret && !slices.Contains(m.secrets, pw) {
		m.secrets = append(m.secrets, pw)
	}
}

// dsnSecrets finds the passwords a DSN may hold, even one pgx cannot parse,
// and PGPASSWORD's.
func dsnSecrets(dsn string) []string {
	m := &masker{}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		m.add(pw)
	}
	// The userinfo of a URL that does not parse: between "//" and the last "@".
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		rest, ok := strings.CutPrefix(dsn, scheme)
		if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				m.add(pw)
				if dec, err := url.PathUnescape(pw); err == nil {
					m.add(dec)
				}
			}
		}
	}
	for _, sub := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		v := sub[1] + sub[2]
		before, _, _ := strings.Cut(v, "&") // a URL's query: ?password=...&sslmode=...
		for _, pw := range []string{v, before} {
			m.add(pw)
			if dec, err := url.QueryUnescape(pw); err == nil {
				m.add(dec)
			}
		}
	}
	m.add(os.Getenv("PGPASSWORD"))
	return m.secrets
}

// redactedError is an error whose text had a password masked. It does not
// unwrap (the wrapped errors' text holds the password), but errors.Is and
// errors.As still see the causes.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string              { return e.msg }
func (e *redactedError) Is(target error) bool       { return errors.Is(e.cause, target) }
func (e *redactedError) As(target any) bool         { return safeAs(target) && errors.As(e.cause, target) }
func (e *redactedError) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(e.msg)) }

// safeAs allows errors.As only for targets whose text cannot hold the
// client's password: the server's errors.
func safeAs(target any) bool {
	_, ok := target.(**pgconn.PgError)
	return ok
}

// redact masks each password in err's text, longest first.
func (m *masker) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	secrets := slices.Clone(m.secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	masked := msg
	for _, s := range secrets {
		masked = strings.ReplaceAll(masked, s, "xxxxx")
	}
	if masked == msg {
		return err
	}
	return &redactedError{msg: masked, cause: err}
}
