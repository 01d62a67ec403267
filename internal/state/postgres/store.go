package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// streamID is the subquery that finds a stream's id by name in a statement
// whose $1 and $2 are its source and stream (NULL when it has none yet).
const streamID = `(SELECT id FROM streams WHERE source = $1 AND stream = $2)`

// ensureStream returns the stream's id, creating its row on first use.
func (s *Store) ensureStream(ctx context.Context, id record.StreamID) (int32, error) {
	s.mu.Lock()
	n, ok := s.ids[id]
	s.mu.Unlock()
	if ok {
		return n, nil
	}
	// Insert only when absent, so the identity is not spent on every call.
	// When another session inserts the same stream at the same moment,
	// neither part may see a row: the next try does.
	for range 3 {
		err := s.pool.QueryRow(ctx, `WITH ins AS (
				INSERT INTO streams (source, stream) SELECT $1, $2
				WHERE NOT EXISTS `+streamID+`
				ON CONFLICT DO NOTHING RETURNING id)
			SELECT id FROM ins UNION ALL `+streamID,
			id.Source, id.Stream).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		s.mu.Lock()
		s.ids[id] = n
		s.mu.Unlock()
		return n, nil
	}
	return 0, errors.New("stream row: created and not found three times")
}

// withStream runs f with the stream's id. A foreign key violation may mean
// the cached id's row was deleted by hand: f is then run once more with the
// id looked up (so made) anew.
func (s *Store) withStream(ctx context.Context, id record.StreamID, f func(sid int32) error) error {
	for try := 0; ; try++ {
		sid, err := s.ensureStream(ctx, id)
		if err != nil {
			return err
		}
		err = f(sid)
		var pgErr *pgconn.PgError
		if try > 0 || !errors.As(err, &pgErr) || pgErr.Code != "23503" {
			return err
		}
		s.mu.Lock()
		delete(s.ids, id)
		s.mu.Unlock()
	}
}

// splitTime is t as a timestamptz (NULL when zero), which keeps
// microseconds, and the nanoseconds past its microsecond.
func splitTime(t time.Time) (pgtype.Timestamptz, int16) {
	if t.IsZero() {
		return pgtype.Timestamptz{}, 0
	}
	return pgtype.Timestamptz{Time: t, Valid: true}, int16(t.Nanosecond() % 1000)
}

// joinTime undoes splitTime, in UTC.
func joinTime(ts pgtype.Timestamptz, ns int16) time.Time {
	if !ts.Valid {
		return time.Time{}
	}
	return ts.Time.UTC().Add(time.Duration(ns))
}

// markHour is the UTC hour (Unix hours) a seen mark with time t is filed
// under; ok is false before 1970 and after the year 246,000 or so.
func markHour(t time.Time) (hour int32, ok bool) {
	sec := t.Unix()
	if sec < 0 || sec/3600 > math.MaxInt32 {
		return 0, false
	}
	return int32(sec / 3600), true
}

// maxMarkID is the longest id stored as it is; a longer one is stored as
// its SHA-256 (a B-tree entry is limited to about 2.7 KB).
const maxMarkID = 512

func markKey(id string) []byte {
	if len(id) <= maxMarkID {
		return []byte(id)
	}
	sum := sha256.Sum256([]byte(id))
	return append([]byte("\xffsha256:"), sum[:]...)
}

// Checkpoint returns the stream's last commit; ok is false when it has none.
func (s *Store) Checkpoint(id record.StreamID) (c state.Checkpoint, ok bool, err error) {
	err = s.op(func(ctx context.Context) error {
		var (
			sinks              []byte
			event, updated     pgtype.Timestamptz
			eventNs, updatedNs int16
			records            int64
		)
		err := s.pool.QueryRow(ctx, `SELECT cursor, sinks, event_time, event_time_ns, records, updated, updated_ns
			FROM checkpoints WHERE stream_id = `+streamID, id.Source, id.Stream).
			Scan(&c.Cursor, &sinks, &event, &eventNs, &records, &updated, &updatedNs)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		c.EventTime, c.Updated, c.Records = joinTime(event, eventNs), joinTime(updated, updatedNs), uint64(records)
		return decodeSinks(sinks, &c)
	})
	if err != nil || !ok {
		return state.Checkpoint{}, false, s.fail("read checkpoint", id, err)
	}
	return c, true, nil
}

func decodeSinks(raw []byte, c *state.Checkpoint) error {
	if raw == nil {
		return nil
	}
	if err := json.Unmarshal(raw, &c.Sinks); err != nil {
		return fmt.Errorf("sink positions: %w", err)
	}
	return nil
}

// commitStatement writes a checkpoint ($1 the stream's id, $2-$8 its
// fields), adds marks ($9 hours, $10 ids), prunes hours before $11, all
// fenced by generation $12 (0: no fence), in one statement, so one
// transaction. The fence reads the lease row FOR SHARE: a concurrent
// Acquire, Release or Reset that changes the row waits for this commit to
// end, and if one changed it first, the row is checked again in its new
// version (generation and expiry), so a takeover and a stale commit are
// never both kept. expires_at > now() is judged by the database's clock,
// at the start of the transaction. The last columns are the lease as the
// statement's snapshot saw it, to say why a fenced commit was refused.
const commitStatement = `WITH fence AS (
		SELECT 1 FROM leases
		WHERE stream_id = $1 AND $12::bigint <> 0 AND generation = $12::bigint AND expires_at > now()
		FOR SHARE
	), ok AS (
		SELECT $12::bigint = 0 OR EXISTS (SELECT FROM fence) AS ok
	), cp AS (
		INSERT INTO checkpoints AS c (stream_id, cursor, sinks, event_time, event_time_ns, records, updated, updated_ns)
		SELECT $1::integer, $2::bytea, $3::jsonb, $4::timestamptz, $5::smallint, $6::bigint, coalesce($7::timestamptz, now()), $8::smallint
		WHERE (SELECT ok FROM ok)
		ON CONFLICT (stream_id) DO UPDATE SET
			cursor = excluded.cursor, sinks = excluded.sinks,
			event_time = excluded.event_time, event_time_ns = excluded.event_time_ns,
			records = excluded.records, updated = excluded.updated, updated_ns = excluded.updated_ns
	), marks AS (
		INSERT INTO seen_marks (stream_id, hour, mark_id)
		SELECT $1, u.hour, u.mark_id FROM unnest($9::integer[], $10::bytea[]) AS u (hour, mark_id)
		WHERE (SELECT ok FROM ok)
		ON CONFLICT DO NOTHING
	), pruned AS (
		DELETE FROM seen_marks WHERE stream_id = $1 AND hour < $11::bigint AND (SELECT ok FROM ok)
	)
	SELECT (SELECT ok FROM ok), l.owner, l.generation, l.expires_at, coalesce(l.expires_at > now(), false)
	FROM (SELECT) AS one LEFT JOIN leases l ON l.stream_id = $1`

// Commit replaces the checkpoint, adds its seen marks and prunes old ones
// in one statement, so one transaction: either all of it is committed, or
// nothing. Marks older than the cutoff are not sent (the same commit would
// drop them). A zero Updated is stamped with the database's clock. Unless
// c.Generation is 0, the statement writes only while the lease of that
// generation is held and unexpired by the database's clock
// (commitStatement); otherwise it writes nothing and Commit fails with
// state.ErrFenced.
func (s *Store) Commit(id record.StreamID, c state.Checkpoint) error {
	if c.Records > math.MaxInt64 {
		return s.fail("commit checkpoint", id, fmt.Errorf("records %d out of range", c.Records))
	}
	if c.Generation > math.MaxInt64 {
		return s.fail("commit checkpoint", id, fmt.Errorf("%w: generation %d was never granted", state.ErrFenced, c.Generation))
	}
	cutoff := int64(-1) // prune nothing
	if !c.PruneSeenBefore.IsZero() {
		sec := c.PruneSeenBefore.Unix()
		cutoff = sec / 3600
		if sec%3600 < 0 {
			cutoff-- // floor: the hour that holds a time before 1970
		}
	}
	hours := make([]int32, 0, len(c.Seen))
	keys := make([][]byte, 0, len(c.Seen))
	for _, m := range c.Seen {
		h, ok := markHour(m.Time)
		if !ok {
			return s.fail("commit checkpoint", id, fmt.Errorf("seen mark %.64q: time %s cannot be stored (before 1970, or too far ahead)", m.ID, m.Time.UTC().Format(time.RFC3339)))
		}
		if int64(h) >= cutoff {
			hours, keys = append(hours, h), append(keys, markKey(m.ID))
		}
	}
	var sinks *string
	if len(c.Sinks) > 0 {
		b, err := json.Marshal(c.Sinks)
		if err != nil {
			return s.fail("commit checkpoint", id, err)
		}
		str := string(b)
		sinks = &str
	}
	var cursor []byte
	if len(c.Cursor) > 0 {
		cursor = c.Cursor
	}
	event, eventNs := splitTime(c.EventTime)
	updated, updatedNs := splitTime(c.Updated)
	var (
		written bool
		seen    dbLease
	)
	err := s.op(func(ctx context.Context) error {
		return s.withStream(ctx, id, func(sid int32) error {
			return s.pool.QueryRow(ctx, commitStatement,
				sid, cursor, sinks, event, eventNs, int64(c.Records), updated, updatedNs, hours, keys, cutoff, int64(c.Generation)).
				Scan(&written, &seen.owner, &seen.generation, &seen.expires, &seen.live)
		})
	})
	if err == nil && !written {
		err = seen.lease().Check(c.Generation)
		if err == nil { // the snapshot's lease was fine; its newest version was not
			err = fmt.Errorf("%w: the lease of generation %d passed to another tenure during the commit", state.ErrFenced, c.Generation)
		}
	}
	return s.fail("commit checkpoint", id, err)
}

// dbLease is a leases row as read.
type dbLease struct {
	owner      pgtype.Text
	generation pgtype.Int8
	expires    pgtype.Timestamptz
	live       bool
}

func (l dbLease) lease() state.Lease {
	out := state.Lease{Owner: l.owner.String, Live: l.live && l.owner.Valid}
	if l.generation.Valid && l.generation.Int64 > 0 {
		out.Generation = uint64(l.generation.Int64)
	}
	if l.expires.Valid && l.owner.Valid {
		out.Expires = l.expires.Time.UTC()
	}
	return out
}

// seenQuery answers, for keys $3 (hours) and $4 (ids) of stream $1/$2, the
// 1-based positions of those marked. LATERAL with LIMIT is not flattened
// into a join: the plan stays one primary-key probe per key, however many
// marks the stream has (a semi-join could read all of them into a hash).
const seenQuery = `SELECT k.ord FROM unnest($3::integer[], $4::bytea[]) WITH ORDINALITY AS k (hour, mark_id, ord)
	CROSS JOIN LATERAL (SELECT FROM seen_marks m
		WHERE m.stream_id = ` + streamID + ` AND m.hour = k.hour AND m.mark_id = k.mark_id LIMIT 1) AS hit`

// Seen asks about all keys in one statement: each (hour, id) is one probe
// of seen_marks' primary key.
func (s *Store) Seen(id record.StreamID, keys []state.SeenID) ([]bool, error) {
	out := make([]bool, len(keys))
	at := make([]int, 0, len(keys)) // the index in keys of each key sent
	hours := make([]int32, 0, len(keys))
	ids := make([][]byte, 0, len(keys))
	for i, k := range keys {
		if h, ok := markHour(k.Time); ok {
			at, hours, ids = append(at, i), append(hours, h), append(ids, markKey(k.ID))
		}
	}
	if len(at) == 0 {
		return out, nil
	}
	err := s.op(func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, seenQuery,
			id.Source, id.Stream, hours, ids)
		if err != nil {
			return err
		}
		var ord int64
		_, err = pgx.ForEachRow(rows, []any{&ord}, func() error {
			if ord < 1 || int(ord) > len(at) {
				return fmt.Errorf("answer for key %d of %d", ord, len(at))
			}
			out[at[ord-1]] = true
			return nil
		})
		return err
	})
	if err != nil {
		return nil, s.fail("read seen marks", id, err)
	}
	return out, nil
}

// budgetColumns are a budgets row in the order scanBudget reads them.
const budgetColumns = `day, used, request_limit, remaining, blocked_until, blocked_until_ns, reason, pace_interval, last_sent, last_sent_ns,
	behind, catch_up_at, catch_up_at_ns, pace_every, page_size`

// dbBudget is a budgets row as read.
type dbBudget struct {
	b                            state.Budget
	used, limit, remaining, pace int64
	blocked, last, catchUp       pgtype.Timestamptz
	blockedNs, lastNs, catchUpNs int16
	behind, paceEvery            int64
	pageSize                     int32
}

func (d *dbBudget) dest() []any {
	return []any{&d.b.Day, &d.used, &d.limit, &d.remaining, &d.blocked, &d.blockedNs, &d.b.Reason, &d.pace, &d.last, &d.lastNs,
		&d.behind, &d.catchUp, &d.catchUpNs, &d.paceEvery, &d.pageSize}
}

func (d *dbBudget) budget() state.Budget {
	b := d.b
	b.Used, b.Limit, b.Remaining = int(d.used), int(d.limit), int(d.remaining)
	b.BlockedUntil, b.Last, b.Interval = joinTime(d.blocked, d.blockedNs), joinTime(d.last, d.lastNs), time.Duration(d.pace)
	b.Behind, b.CatchUpAt = d.behind, joinTime(d.catchUp, d.catchUpNs)
	b.PaceEvery, b.PageSize = time.Duration(d.paceEvery), int(d.pageSize)
	return b
}

// budgetArgs are b's columns after the stream id, in budgetColumns' order.
func budgetArgs(sid int32, b state.Budget) []any {
	blocked, blockedNs := splitTime(b.BlockedUntil)
	last, lastNs := splitTime(b.Last)
	catchUp, catchUpNs := splitTime(b.CatchUpAt)
	return []any{sid, b.Day, int64(b.Used), int64(b.Limit), int64(b.Remaining), blocked, blockedNs, b.Reason, int64(b.Interval), last, lastNs,
		b.Behind, catchUp, catchUpNs, int64(b.PaceEvery), int32(b.PageSize)}
}

const upsertBudget = `INSERT INTO budgets (stream_id, ` + budgetColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
	ON CONFLICT (stream_id) DO UPDATE SET
		day = excluded.day, used = excluded.used, request_limit = excluded.request_limit,
		remaining = excluded.remaining, blocked_until = excluded.blocked_until,
		blocked_until_ns = excluded.blocked_until_ns, reason = excluded.reason,
		pace_interval = excluded.pace_interval, last_sent = excluded.last_sent, last_sent_ns = excluded.last_sent_ns,
		behind = excluded.behind, catch_up_at = excluded.catch_up_at, catch_up_at_ns = excluded.catch_up_at_ns,
		pace_every = excluded.pace_every, page_size = excluded.page_size`

// Budget returns the stream's ledger, or a zero one with Remaining -1
// (unknown) when the stream has none.
func (s *Store) Budget(id record.StreamID) (state.Budget, error) {
	b := state.Budget{Remaining: -1}
	err := s.op(func(ctx context.Context) error {
		var d dbBudget
		err := s.pool.QueryRow(ctx, `SELECT `+budgetColumns+` FROM budgets WHERE stream_id = `+streamID, id.Source, id.Stream).Scan(d.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err == nil {
			b = d.budget()
		}
		return err
	})
	if err != nil {
		return state.Budget{Remaining: -1}, s.fail("read budget", id, err)
	}
	return b, nil
}

// SetBudget replaces the stream's ledger.
func (s *Store) SetBudget(id record.StreamID, b state.Budget) error {
	err := s.op(func(ctx context.Context) error {
		return s.withStream(ctx, id, func(sid int32) error {
			_, err := s.pool.Exec(ctx, upsertBudget, budgetArgs(sid, b)...)
			return err
		})
	})
	return s.fail("save budget", id, err)
}

// UpdateBudget changes the ledger in one transaction that holds its row
// locked (FOR UPDATE, after creating it when absent): a concurrent update,
// from any instance, waits for it and then reads what it stored.
func (s *Store) UpdateBudget(id record.StreamID, fn func(*state.Budget) error) (state.Budget, error) {
	var b state.Budget
	var fnErr error
	err := s.op(func(ctx context.Context) error {
		return s.withStream(ctx, id, func(sid int32) error {
			return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO budgets (stream_id, day, used, request_limit, remaining)
					VALUES ($1, '', 0, 0, -1) ON CONFLICT (stream_id) DO NOTHING`, sid); err != nil {
					return err
				}
				var d dbBudget
				if err := tx.QueryRow(ctx, `SELECT `+budgetColumns+` FROM budgets WHERE stream_id = $1 FOR UPDATE`, sid).Scan(d.dest()...); err != nil {
					return err
				}
				b = d.budget()
				if fnErr = fn(&b); fnErr != nil {
					return fnErr
				}
				_, err := tx.Exec(ctx, upsertBudget, budgetArgs(sid, b)...)
				return err
			})
		})
	})
	if fnErr != nil {
		return state.Budget{}, fnErr
	}
	if err != nil {
		return state.Budget{}, s.fail("update budget", id, err)
	}
	return b, nil
}

// Leases reads every held lease in one statement, Live by the database's
// clock.
func (s *Store) Leases() (map[record.StreamID]state.Lease, error) {
	out := map[record.StreamID]state.Lease{}
	err := s.op(func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT s.source, s.stream, l.owner, l.generation, l.expires_at, l.expires_at > now()
			FROM leases l JOIN streams s ON s.id = l.stream_id WHERE l.owner IS NOT NULL`)
		if err != nil {
			return err
		}
		var (
			id record.StreamID
			l  dbLease
		)
		_, err = pgx.ForEachRow(rows, []any{&id.Source, &id.Stream, &l.owner, &l.generation, &l.expires, &l.live}, func() error {
			out[id] = l.lease()
			return nil
		})
		return err
	})
	if err != nil {
		return nil, s.mask.redact(fmt.Errorf("read leases: %w", err))
	}
	return out, nil
}

// Heartbeat upserts owner's row and lists the live ones in one statement,
// by the database's clock; lapsed rows are deleted on the way.
func (s *Store) Heartbeat(owner string, ttl time.Duration) ([]state.Instance, error) {
	if owner == "" || ttl <= 0 {
		return nil, fmt.Errorf("heartbeat: need an owner and a positive ttl (got %q, %s)", owner, ttl)
	}
	micros := int64((ttl + time.Microsecond - 1) / time.Microsecond)
	var out []state.Instance
	err := s.op(func(ctx context.Context) error {
		if _, err := s.pool.Exec(ctx, `WITH gone AS (DELETE FROM instances WHERE expires_at <= now() AND owner <> $1)
			INSERT INTO instances AS i (owner, started_at, expires_at) VALUES ($1, now(), now() + $2::bigint * interval '1 microsecond')
			ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at,
				started_at = CASE WHEN i.expires_at > now() THEN i.started_at ELSE now() END`, owner, micros); err != nil {
			return err
		}
		rows, err := s.pool.Query(ctx, `SELECT owner, started_at, expires_at FROM instances WHERE expires_at > now() ORDER BY owner`)
		if err != nil {
			return err
		}
		var in state.Instance
		_, err = pgx.ForEachRow(rows, []any{&in.Owner, &in.Started, &in.Expires}, func() error {
			in.Started, in.Expires = in.Started.UTC(), in.Expires.UTC()
			out = append(out, in)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, s.mask.redact(fmt.Errorf("heartbeat of %s: %w", owner, err))
	}
	return out, nil
}

// Leave deletes owner's heartbeat.
func (s *Store) Leave(owner string) error {
	err := s.op(func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `DELETE FROM instances WHERE owner = $1`, owner)
		return err
	})
	if err != nil {
		return s.mask.redact(fmt.Errorf("leave as %s: %w", owner, err))
	}
	return nil
}

// Acquire takes or renews the lease in one statement, judged by the
// database's clock: the row is written only when nobody holds it, its
// holder is owner, or its holder's lease has expired (expires_at <= now()).
// A new tenure (see migrations/0002_leases.sql) bumps the generation; a
// renewal of owner's live lease keeps it.
func (s *Store) Acquire(id record.StreamID, owner string, ttl time.Duration) (state.Lease, error) {
	if owner == "" || ttl <= 0 {
		return state.Lease{}, s.fail("acquire lease", id, fmt.Errorf("need an owner and a positive ttl (got %q, %s)", owner, ttl))
	}
	micros := int64((ttl + time.Microsecond - 1) / time.Microsecond)
	var (
		generation pgtype.Int8
		expires    pgtype.Timestamptz
		holder     pgtype.Text
		until      pgtype.Timestamptz
	)
	err := s.op(func(ctx context.Context) error {
		return s.withStream(ctx, id, func(sid int32) error {
			return s.pool.QueryRow(ctx, `WITH taken AS (
				INSERT INTO leases AS l (stream_id, owner, expires_at, generation, acquired_at)
				VALUES ($1, $2, now() + $3::bigint * interval '1 microsecond', 1, now())
				ON CONFLICT (stream_id) DO UPDATE SET
					owner = excluded.owner,
					expires_at = excluded.expires_at,
					generation = CASE WHEN l.owner = excluded.owner AND l.expires_at > now()
						THEN l.generation ELSE l.generation + 1 END,
					acquired_at = CASE WHEN l.owner = excluded.owner AND l.expires_at > now()
						THEN l.acquired_at ELSE now() END
				WHERE l.owner IS NULL OR l.owner = excluded.owner OR l.expires_at <= now()
				RETURNING generation, expires_at)
			SELECT (SELECT generation FROM taken), (SELECT expires_at FROM taken),
				(SELECT owner FROM leases WHERE stream_id = $1),
				(SELECT expires_at FROM leases WHERE stream_id = $1)`,
				sid, owner, micros).Scan(&generation, &expires, &holder, &until)
		})
	})
	if err != nil {
		return state.Lease{}, s.fail("acquire lease", id, err)
	}
	if !generation.Valid {
		if !holder.Valid { // taken at this instant by a session this statement could not see
			return state.Lease{}, s.fail("acquire lease", id, state.ErrLeased)
		}
		return state.Lease{}, s.fail("acquire lease", id, fmt.Errorf("%w: held by %q until %s", state.ErrLeased, holder.String, until.Time.UTC().Format(time.RFC3339)))
	}
	return state.Lease{Owner: owner, Generation: uint64(generation.Int64), Expires: expires.Time.UTC(), Live: true}, nil
}

// Lease reads the stream's lease, Live judged by the database's clock.
func (s *Store) Lease(id record.StreamID) (state.Lease, error) {
	var l dbLease
	err := s.op(func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT owner, generation, expires_at, coalesce(expires_at > now(), false)
			FROM leases WHERE stream_id = `+streamID, id.Source, id.Stream).
			Scan(&l.owner, &l.generation, &l.expires, &l.live)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return state.Lease{}, s.fail("read lease", id, err)
	}
	return l.lease(), nil
}

// Release drops the lease if owner holds it; otherwise it changes nothing,
// so a process that lost its lease cannot free the new holder's. The row
// stays, with its generation.
func (s *Store) Release(id record.StreamID, owner string) error {
	err := s.op(func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `UPDATE leases SET owner = NULL, expires_at = NULL
			WHERE stream_id = `+streamID+` AND owner = $3`, id.Source, id.Stream, owner)
		return err
	})
	return s.fail("release lease", id, err)
}

// Reset forgets the stream's checkpoint, seen marks and lease in one
// statement; the budget (and the stream's row) stay.
func (s *Store) Reset(id record.StreamID) error {
	err := s.op(func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `WITH sid AS `+streamID+`,
			cp AS (DELETE FROM checkpoints WHERE stream_id IN (SELECT id FROM sid)),
			marks AS (DELETE FROM seen_marks WHERE stream_id IN (SELECT id FROM sid))
			UPDATE leases SET owner = NULL, expires_at = NULL
			WHERE stream_id IN (SELECT id FROM sid) AND owner IS NOT NULL`, id.Source, id.Stream)
		return err
	})
	return s.fail("reset", id, err)
}

// List returns every stream with a checkpoint, budget, held lease or seen
// marks, sorted by source then stream (byte-wise), from one statement, so
// one snapshot. SeenMarks are counted from seen_marks' primary key.
func (s *Store) List() ([]state.Entry, error) {
	var out []state.Entry
	err := s.op(func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT s.source, s.stream,
				c.stream_id IS NOT NULL, c.cursor, c.sinks, c.event_time, coalesce(c.event_time_ns, 0), coalesce(c.records, 0), c.updated, coalesce(c.updated_ns, 0),
				b.stream_id IS NOT NULL, coalesce(b.day, ''), coalesce(b.used, 0), coalesce(b.request_limit, 0), coalesce(b.remaining, 0),
				b.blocked_until, coalesce(b.blocked_until_ns, 0), coalesce(b.reason, ''),
				coalesce(b.pace_interval, 0), b.last_sent, coalesce(b.last_sent_ns, 0),
				coalesce(b.behind, 0), b.catch_up_at, coalesce(b.catch_up_at_ns, 0), coalesce(b.pace_every, 0), coalesce(b.page_size, 0),
				coalesce(l.owner, ''), l.expires_at, coalesce(g.generation, 0),
				coalesce(m.n, 0)
			FROM streams s
			LEFT JOIN checkpoints c ON c.stream_id = s.id
			LEFT JOIN budgets b ON b.stream_id = s.id
			LEFT JOIN leases l ON l.stream_id = s.id AND l.owner IS NOT NULL
			LEFT JOIN leases g ON g.stream_id = s.id
			LEFT JOIN (SELECT stream_id, count(*) AS n FROM seen_marks GROUP BY stream_id) m ON m.stream_id = s.id
			WHERE c.stream_id IS NOT NULL OR b.stream_id IS NOT NULL OR l.stream_id IS NOT NULL OR m.n > 0
			ORDER BY s.source, s.stream`)
		if err != nil {
			return err
		}
		var (
			e                                      state.Entry
			hasCP, hasBudget                       bool
			c                                      state.Checkpoint
			sinks                                  []byte
			event, updated, blocked, leaseUntil    pgtype.Timestamptz
			eventNs, updatedNs, blockedNs          int16
			records, used, limit, remaining, marks int64
			b                                      state.Budget
			pace, generation                       int64
			last, catchUp                          pgtype.Timestamptz
			lastNs, catchUpNs                      int16
			behind, paceEvery                      int64
			pageSize                               int32
		)
		_, err = pgx.ForEachRow(rows, []any{&e.ID.Source, &e.ID.Stream,
			&hasCP, &c.Cursor, &sinks, &event, &eventNs, &records, &updated, &updatedNs,
			&hasBudget, &b.Day, &used, &limit, &remaining, &blocked, &blockedNs, &b.Reason, &pace, &last, &lastNs,
			&behind, &catchUp, &catchUpNs, &paceEvery, &pageSize,
			&e.LeaseOwner, &leaseUntil, &generation, &marks,
		}, func() error {
			entry := state.Entry{ID: e.ID, LeaseOwner: e.LeaseOwner, SeenMarks: int(marks), LeaseGeneration: uint64(generation)}
			if leaseUntil.Valid {
				entry.LeaseUntil = leaseUntil.Time.UTC()
			}
			if hasCP {
				cp := state.Checkpoint{Cursor: c.Cursor, EventTime: joinTime(event, eventNs), Records: uint64(records), Updated: joinTime(updated, updatedNs)}
				if err := decodeSinks(sinks, &cp); err != nil {
					return fmt.Errorf("%s: %w", e.ID, err)
				}
				entry.Checkpoint = &cp
			}
			if hasBudget {
				entry.Budget = &state.Budget{Day: b.Day, Used: int(used), Limit: int(limit), Remaining: int(remaining),
					BlockedUntil: joinTime(blocked, blockedNs), Reason: b.Reason, Interval: time.Duration(pace), Last: joinTime(last, lastNs),
					Behind: behind, CatchUpAt: joinTime(catchUp, catchUpNs), PaceEvery: time.Duration(paceEvery), PageSize: int(pageSize)}
			}
			out = append(out, entry)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, s.mask.redact(fmt.Errorf("list state store: %w", err))
	}
	return out, nil
}
