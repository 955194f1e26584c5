-- Every epoch's cost, train and validation error, in long form, for plotting elsewhere.
-- param: sweep = all | latest    a sweep's id, all, or latest
-- param: run = all      a run's id, or all
-- view: table
--
-- Runs on SQLite and PostgreSQL alike: ids are compared as text, as PostgreSQL receives the
-- parameters.

SELECT
  e.run_id AS run, r.lambda, r.learning_rate AS lr, e.epoch, e.cost, e.train_error,
  e.validation_error
FROM epochs e
JOIN runs r ON r.id = e.run_id
WHERE (:run = 'all' OR CAST(e.run_id AS TEXT) = :run)
  AND (:sweep = 'all' OR CAST(r.sweep_id AS TEXT) =
    CASE WHEN :sweep = 'latest' THEN CAST((SELECT MAX(id) FROM sweeps) AS TEXT) ELSE :sweep END)
ORDER BY e.run_id, e.epoch
