-- The facts derived from a run, defined once: the reports read them here, and Run's
-- measuredOn, finalError, bestError and isSilent in Swift hold the same (a test keeps them
-- equal on real runs).
--   measured_on   'validation' when the run's last epoch has a validation error, 'train'
--                 when it has none (no validation split), NULL before its first epoch.
--   final_error   the error the run is judged by: its validation error, else its train
--                 error, at its last epoch;
--   best_error    the same at its best epoch (the lowest one).
--   silent        1 for a running run with no heartbeat for 600 seconds (Run.staleAfter;
--                 TrackingTests' RunSummaryTests.theViewsSilentWindowIsRunStaleAfter holds
--                 the two equal): its process is taken for stopped, on any host.
--                 SQLite's own here: strftime(), giving the stored time format.

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
        < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-600 seconds')
    THEN 1
    ELSE 0
  END AS silent
FROM runs r;
