-- PostgreSQL's version of 0002_run_data.sql: what a run was trained on, as it is needed again
-- to resume, evaluate and predict. The same columns; gradcheck_every is BIGINT, as every
-- integer a user gives (SQLite's INTEGER holds 64 bits), and the texts are COLLATE "C" as in
-- 0001.

ALTER TABLE runs ADD COLUMN data_source TEXT COLLATE "C";      -- how to load the data again, as JSON
ALTER TABLE runs ADD COLUMN features TEXT COLLATE "C";         -- the feature names in input order, as JSON
ALTER TABLE runs ADD COLUMN outputs TEXT COLLATE "C";          -- {"classes": [...]} or {"targets": [...]}
ALTER TABLE runs ADD COLUMN gradcheck_every BIGINT CHECK (gradcheck_every >= 0);  -- NULL: once, before training; 0: never
