-- Claims that read only what they take: a worker's claim (RunStore.claimQueuedRun) asks for the
-- oldest queued run of a sweep, or a running one whose lease has ended. The index of 0001 on
-- (sweep_id, status) did not order by id, so each claim read and sorted every run of its sweep,
-- the claimed ones included: O(n²) over a queue of n. With id in the index the oldest queued run
-- is its first entry, and the partial index finds an ended lease among the running runs alone.
-- Portable: SQLite's version of the PostgreSQL file beside it, without its storage setting.

DROP INDEX IF EXISTS runs_by_sweep_and_status;
CREATE INDEX runs_queue ON runs (sweep_id, status, id);
CREATE INDEX runs_leases ON runs (sweep_id, lease_expires_at) WHERE status = 'running';
