-- 2: leases, judged by the database's clock.
--
-- One row per stream that was ever leased. owner and expires_at are NULL
-- while nobody holds it (released, or the stream was reset): the row stays,
-- so generation never goes back. generation grows by one each time the lease
-- begins a new tenure (a new owner, or an owner whose lease had lapsed or
-- been released); a renewal by the live holder keeps it. It is the fencing
-- token that writes can be checked against when several gatelog instances
-- share this database.
CREATE TABLE leases (
    stream_id   integer PRIMARY KEY REFERENCES streams (id) ON DELETE CASCADE,
    owner       text,
    expires_at  timestamptz,
    generation  bigint NOT NULL DEFAULT 0,
    acquired_at timestamptz,  -- when the current tenure began
    CONSTRAINT leases_held_until CHECK ((owner IS NULL) = (expires_at IS NULL))
);
