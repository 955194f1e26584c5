-- The λ × α grid of a sweep: final and best validation error per cell, mean ± std over seeds.
-- param: sweep = latest    a sweep's id, or latest
-- view: grid
--
-- One row per cell: the sweep's other axes (layers, activation, batch size, train examples),
-- then λ and α. Runs that differ only in their seed share a cell, which gives the mean of its
-- finished runs' final and best errors and their sample standard deviations (NULL for fewer
-- than two). The errors are run_summary's: validation errors — train errors for a sweep
-- without a validation split, which measured_on says (NULL for a cell without a finished run). runs, finished, diverged and failed count the cell's runs;
-- best = 1 marks the cell of lowest mean final error.
--
-- Runs on SQLite and PostgreSQL alike: the sweep's id is compared as text, as PostgreSQL
-- receives the parameter, and NULLS FIRST keeps SQLite's order of NULLs.

WITH members AS (
  SELECT
    r.layers, r.activation, r.batch_size, r.train_examples, r.lambda, r.learning_rate AS lr,
    r.status,
    CASE WHEN r.status = 'finished' THEN s.measured_on END AS measured_on,
    CASE WHEN r.status = 'finished' THEN s.final_error END AS final_error,
    CASE WHEN r.status = 'finished' THEN s.best_error END AS best_error
  FROM runs r
  JOIN run_summary s ON s.run_id = r.id
  WHERE CAST(r.sweep_id AS TEXT) =
    CASE WHEN :sweep = 'latest' THEN CAST((SELECT MAX(id) FROM sweeps) AS TEXT) ELSE :sweep END
),
centred AS (
  SELECT
    m.*,
    m.final_error - AVG(m.final_error) OVER cell AS final_deviation,
    m.best_error - AVG(m.best_error) OVER cell AS best_deviation
  FROM members m
  WINDOW cell AS (PARTITION BY layers, activation, batch_size, train_examples, lambda, lr)
),
cells AS (
  SELECT
    layers, activation, batch_size, train_examples, lambda, lr,
    COUNT(*) AS runs,
    COUNT(CASE WHEN status = 'finished' THEN 1 END) AS finished,
    COUNT(CASE WHEN status = 'diverged' THEN 1 END) AS diverged,
    COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed,
    MIN(measured_on) AS measured_on,
    AVG(final_error) AS final_error,
    CASE WHEN COUNT(final_error) > 1
      THEN sqrt(SUM(final_deviation * final_deviation) / (COUNT(final_error) - 1))
    END AS final_error_std,
    AVG(best_error) AS best_error,
    CASE WHEN COUNT(best_error) > 1
      THEN sqrt(SUM(best_deviation * best_deviation) / (COUNT(best_error) - 1))
    END AS best_error_std
  FROM centred
  GROUP BY layers, activation, batch_size, train_examples, lambda, lr
)
SELECT
  cells.*,
  CASE WHEN final_error = MIN(final_error) OVER () THEN 1 ELSE 0 END AS best
FROM cells
ORDER BY layers, activation, batch_size NULLS FIRST, train_examples NULLS FIRST, lambda, lr
