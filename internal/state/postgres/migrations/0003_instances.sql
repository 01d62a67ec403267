-- 3: instances sharing the database, and request pacing shared by them.
--
-- Every gatelog run heartbeats here; the live rows (expires_at > now()) are
-- the instances the streams are divided between. A row whose heartbeat
-- lapsed is deleted by the next heartbeat of any instance.
CREATE TABLE instances (
    owner      text COLLATE "C" PRIMARY KEY,
    started_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

-- A customer's request pacing (Symantec): the least spacing learned from
-- the vendor's 429s, in nanoseconds, and when the latest request was let
-- through, kept with the budget row that stands for the customer.
ALTER TABLE budgets
    ADD COLUMN pace_interval bigint NOT NULL DEFAULT 0 CHECK (pace_interval >= 0),
    ADD COLUMN last_sent     timestamptz,
    ADD COLUMN last_sent_ns  smallint NOT NULL DEFAULT 0 CHECK (last_sent_ns BETWEEN 0 AND 999);
