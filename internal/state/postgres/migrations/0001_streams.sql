-- 1: streams, their checkpoints, seen marks and request budgets.
--
-- Every table names its stream by streams.id; a stream's row is created by
-- its first write and never deleted by gatelog (Reset keeps it, with the
-- budget), so the id is stable. Names sort and compare byte-wise (COLLATE
-- "C"), as the store's List promises, whatever the database's collation.
--
-- A Go time.Time has nanoseconds; timestamptz keeps microseconds. Where a
-- caller's time must come back exactly, the column holds it truncated to the
-- microsecond and <column>_ns the nanoseconds past it (0-999). A zero
-- time.Time is NULL.

CREATE TABLE streams (
    id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text COLLATE "C" NOT NULL,
    stream text COLLATE "C" NOT NULL,
    CONSTRAINT streams_source_stream_key UNIQUE (source, stream)
);

-- A stream's durably delivered position, replaced whole by each commit.
CREATE TABLE checkpoints (
    stream_id     integer PRIMARY KEY REFERENCES streams (id) ON DELETE CASCADE,
    cursor        bytea,  -- the source's resume position; NULL when empty
    sinks         jsonb,  -- sink name -> base64 position; NULL when none
    event_time    timestamptz,
    event_time_ns smallint NOT NULL DEFAULT 0 CHECK (event_time_ns BETWEEN 0 AND 999),
    records       bigint NOT NULL CHECK (records >= 0),
    updated       timestamptz NOT NULL,
    updated_ns    smallint NOT NULL DEFAULT 0 CHECK (updated_ns BETWEEN 0 AND 999)
);

-- Ids of delivered records, filed under the UTC hour of their event time:
-- hour is floor(Unix seconds / 3600). The primary key answers Seen for a
-- batch of (hour, id) keys with one index probe each, and serves pruning
-- (stream_id, hour < cutoff) and counting by stream.
CREATE TABLE seen_marks (
    stream_id integer NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    hour      integer NOT NULL CHECK (hour >= 0),
    mark_id   bytea NOT NULL,
    PRIMARY KEY (stream_id, hour, mark_id)
);

-- A stream's request ledger against the vendor's daily limit.
CREATE TABLE budgets (
    stream_id        integer PRIMARY KEY REFERENCES streams (id) ON DELETE CASCADE,
    day              text NOT NULL,
    used             bigint NOT NULL,
    request_limit    bigint NOT NULL,
    remaining        bigint NOT NULL,
    blocked_until    timestamptz,
    blocked_until_ns smallint NOT NULL DEFAULT 0 CHECK (blocked_until_ns BETWEEN 0 AND 999),
    reason           text NOT NULL DEFAULT ''
);
