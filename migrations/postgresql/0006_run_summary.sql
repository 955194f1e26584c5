-- PostgreSQL's version of 0006_run_summary.sql: the facts derived from a run, defined once
-- (measured_on, final_error, best_error, silent: as 0006_run_summary.sql says). The same
-- view; only the time 600 seconds ago differs: to_char() of statement_timestamp() at UTC in
-- the stored format ('2026-11-29T03:50:25.123Z'), where SQLite's has strftime().

CREATE VIEW run_summary AS
SELECT
  r.id AS run_id,
  CASE
    WHEN r.final_train_error IS NULL THEN NULL
    WHEN r.final_validation_error IS NULL THEN 'train'
    ELSE 'validation'
  END AS measured_on,
  COALESCE(r.final_validation_error, r.final_train_error) AS final_error,
  COALESCE(r.best_validation_error, r.best_train_error) AS best_error,
  CASE
    WHEN r.status = 'running'
      AND COALESCE(r.heartbeat_at, r.created_at)
        < to_char((statement_timestamp() - interval '600 seconds') AT TIME ZONE 'UTC',
            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    THEN 1
    ELSE 0
  END AS silent
FROM runs r;
