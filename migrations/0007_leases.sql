-- Leases: a run held by a worker on another machine is its worker's only until
-- lease_expires_at, which the worker moves forward as it beats; past it, another worker may
-- take the run over (reclaim it), since no one can see whether a process on another host is
-- still alive. attempts counts the times a process took the run: created running, claimed
-- from the queue, reclaimed, resumed; a run that had started counts one already.
-- Portable: one file for SQLite and PostgreSQL.

-- ISO-8601 UTC like the other times; NULL: no lease (not running, or an older nnlab's run).
ALTER TABLE runs ADD COLUMN lease_expires_at TEXT;
ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);

UPDATE runs SET attempts = 1 WHERE started_at IS NOT NULL;
