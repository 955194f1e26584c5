-- Every run: its key hyperparameters, status, epochs done, final and best figures, duration.
-- param: sweep = all    a sweep's id, or all
-- view: table
--
-- PostgreSQL's version of runs.sql: the same columns and rows, but for two things.
-- A run still marked running shows as interrupted when its heartbeat has gone silent
-- (run_summary.silent) or its lease has expired (lease_expires_at in the past): the server
-- cannot see whether a process lives, on any host, so there is no nnlab_process_gone here.
-- seconds repeats SQLite's arithmetic (julianday: milliseconds / 86,400,000 as a double,
-- the difference times 86,400), so the two give the same double.

SELECT
  r.id,
  r.sweep_id AS sweep,
  r.name,
  CASE
    WHEN s.silent = 1
      OR (r.status = 'running'
        AND CAST(r.lease_expires_at AS TIMESTAMPTZ) < statement_timestamp())
    THEN 'interrupted'
    ELSE r.status
  END AS status,
  r.layers,
  r.activation,
  r.cost_function AS cost,
  r.learning_rate AS lr,
  r.lambda,
  r.epochs,
  r.batch_size,
  r.seed,
  r.validation_fraction AS validation,
  r.train_examples,
  r.dataset_name AS dataset,
  r.last_epoch,
  r.final_cost,
  r.final_train_error AS train_error,
  r.final_validation_error AS validation_error,
  r.final_train_accuracy AS train_accuracy,
  r.final_validation_accuracy AS validation_accuracy,
  r.best_train_error,
  r.best_validation_error,
  r.best_epoch,
  r.diverged_epoch,
  r.stopped_early,
  r.started_at,
  r.finished_at,
  (CAST(EXTRACT(EPOCH FROM CAST(COALESCE(r.finished_at, r.heartbeat_at) AS TIMESTAMPTZ)) * 1000
      + 210866760000000 AS DOUBLE PRECISION) / 86400000
    - CAST(EXTRACT(EPOCH FROM CAST(r.started_at AS TIMESTAMPTZ)) * 1000
      + 210866760000000 AS DOUBLE PRECISION) / 86400000) * 86400
    AS seconds
FROM runs r
JOIN run_summary s ON s.run_id = r.id
WHERE :sweep = 'all' OR CAST(r.sweep_id AS TEXT) = :sweep
ORDER BY r.id
