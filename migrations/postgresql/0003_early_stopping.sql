-- PostgreSQL's version of 0003_early_stopping.sql: a run may stop once its validation error
-- has not improved for `patience` epochs; it then ends `finished` with `stopped_early` set.
-- The same columns; patience is BIGINT, as every integer a user gives (SQLite's INTEGER holds
-- 64 bits); stopped_early, a flag, stays INTEGER.

ALTER TABLE runs ADD COLUMN patience BIGINT CHECK (patience >= 1);
ALTER TABLE runs ADD COLUMN stopped_early INTEGER NOT NULL DEFAULT 0 CHECK (stopped_early IN (0, 1));
