-- Every run: its key hyperparameters, status, epochs done, final and best figures, duration.
-- param: sweep = all    a sweep's id, or all
-- view: table
--
-- These columns are also the fields of `nnlab runs --where` and `--sort`. A run still marked
-- running shows as interrupted when its process on this machine is gone (nnlab's own SQL
-- function nnlab_process_gone(host, pid); outside nnlab, read it as 0), its heartbeat has
-- gone silent (run_summary.silent) or its lease has ended, as Run.isStale decides. seconds: from the
-- start to the finish (or the last heartbeat). SQLite's own here: julianday() and strftime().

SELECT
  r.id,
  r.sweep_id AS sweep,
  r.name,
  CASE
    WHEN s.silent = 1 OR (r.status = 'running' AND nnlab_process_gone(r.host, r.pid))
      OR (r.status = 'running' AND r.lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
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
  (julianday(COALESCE(r.finished_at, r.heartbeat_at)) - julianday(r.started_at)) * 86400
    AS seconds
FROM runs r
JOIN run_summary s ON s.run_id = r.id
WHERE :sweep = 'all' OR r.sweep_id = :sweep
ORDER BY r.id
