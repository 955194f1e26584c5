-- Train and validation error against the training-set size m (a sweep over --train-examples).
-- param: sweep = latest    a sweep's id, or latest
-- view: learning-curve
--
-- Final errors (the costs without regularization) of the finished runs that have a validation
-- split, averaged over seeds; train_examples NULL is the whole training split, placed last.
-- gap and diagnosis as in validation-curve: 'high variance' (validation well above train:
-- more examples should help), 'high bias' (close, and a quarter or more of the untrained
-- network's error or no lower than the curve's best validation error: more examples will not
-- help), else 'good fit'.
--
-- Runs on SQLite and PostgreSQL alike: the sweep's id is compared as text, as PostgreSQL
-- receives the parameter, and NULLS FIRST keeps SQLite's order of a NULL batch size.

WITH members AS (
  SELECT
    r.layers, r.activation, r.batch_size, r.learning_rate AS lr, r.lambda, r.train_examples,
    r.final_train_error, r.final_validation_error,
    (SELECT e.train_error FROM epochs e WHERE e.run_id = r.id AND e.epoch = 0) AS untrained_error
  FROM runs r
  WHERE r.status = 'finished' AND r.final_validation_error IS NOT NULL
    AND CAST(r.sweep_id AS TEXT) =
      CASE WHEN :sweep = 'latest' THEN CAST((SELECT MAX(id) FROM sweeps) AS TEXT) ELSE :sweep END
),
points AS (
  SELECT
    layers, activation, batch_size, lr, lambda, train_examples,
    COUNT(*) AS runs,
    AVG(final_train_error) AS train_error,
    AVG(final_validation_error) AS validation_error,
    AVG(untrained_error) AS untrained_error
  FROM members
  GROUP BY layers, activation, batch_size, lr, lambda, train_examples
)
SELECT
  layers, activation, batch_size, lr, lambda, train_examples, runs, train_error,
  validation_error, untrained_error,
  (validation_error - train_error) / NULLIF(validation_error, 0) AS gap,
  CASE
    WHEN validation_error - train_error > 0.2 * validation_error
      AND validation_error - train_error > 0.05 * untrained_error THEN 'high variance'
    WHEN train_error >= 0.25 * untrained_error
      OR train_error >= MIN(validation_error) OVER curve THEN 'high bias'
    ELSE 'good fit'
  END AS diagnosis
FROM points
WINDOW curve AS (PARTITION BY layers, activation, batch_size, lr, lambda)
ORDER BY layers, activation, batch_size NULLS FIRST, lr, lambda, train_examples NULLS LAST
