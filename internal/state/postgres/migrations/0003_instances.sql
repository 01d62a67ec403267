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

-- A paced stream's plan (Forcepoint) as of its latest request, for `gatelog
-- state show`: the records it estimates it is behind (-1 unknown), when it
-- expects to have caught up (NULL: caught up, or not at this budget), the
-- wait between its requests in nanoseconds, and the page size it learned.
ALTER TABLE budgets ADD COLUMN behind bigint NOT NULL DEFAULT 0 CHECK (behind >= -1);
ALTER TABLE budgets ADD COLUMN catch_up_at timestamptz;
ALTER TABLE budgets ADD COLUMN catch_up_at_ns smallint NOT NULL DEFAULT 0 CHECK (catch_up_at_ns BETWEEN 0 AND 999);
ALTER TABLE budgets ADD COLUMN pace_every bigint NOT NULL DEFAULT 0 CHECK (pace_every >= 0);
ALTER TABLE budgets ADD COLUMN page_size integer NOT NULL DEFAULT 0 CHECK (page_size >= 0);
