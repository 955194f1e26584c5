-- Train and validation error against λ at each α, for a sweep: the course's tool for choosing λ.
-- param: sweep = latest    a sweep's id, or latest
-- view: validation-curve
--
-- Final errors (the costs without regularization) of the finished runs that have a validation
-- split, averaged over seeds; untrained_error is their train error at epoch 0. gap =
-- (validation − train) / validation. diagnosis: 'high variance' where the validation error is
-- well above the train error (by more than 20 % of the validation error and 5 % of the
-- untrained error); 'high bias' where they are closer and the train error is still a quarter
-- or more of the untrained error, or no lower than the curve's best validation error (the
-- network fits its own training set worse than the best λ generalizes); else 'good fit'.
-- best = 1 marks the λ of lowest validation error at its α (and other axes).
--
-- Runs on SQLite and PostgreSQL alike: the sweep's id is compared as text, as PostgreSQL
-- receives the parameter, and NULLS FIRST keeps SQLite's order of NULLs.

WITH members AS (
  SELECT
    r.layers, r.activation, r.batch_size, r.train_examples, r.learning_rate AS lr, r.lambda,
    r.final_train_error, r.final_validation_error,
    (SELECT e.train_error FROM epochs e WHERE e.run_id = r.id AND e.epoch = 0) AS untrained_error
  FROM runs r
  WHERE r.status = 'finished' AND r.final_validation_error IS NOT NULL
    AND CAST(r.sweep_id AS TEXT) =
      CASE WHEN :sweep = 'latest' THEN CAST((SELECT MAX(id) FROM sweeps) AS TEXT) ELSE :sweep END
),
points AS (
  SELECT
    layers, activation, batch_size, train_examples, lr, lambda,
    COUNT(*) AS runs,
    AVG(final_train_error) AS train_error,
    AVG(final_validation_error) AS validation_error,
    AVG(untrained_error) AS untrained_error
  FROM members
  GROUP BY layers, activation, batch_size, train_examples, lr, lambda
)
SELECT
  layers, activation, batch_size, train_examples, lr, lambda, runs, train_error,
  validation_error, untrained_error,
  (validation_error - train_error) / NULLIF(validation_error, 0) AS gap,
  CASE
    WHEN validation_error - train_error > 0.2 * validation_error
      AND validation_error - train_error > 0.05 * untrained_error THEN 'high variance'
    WHEN train_error >= 0.25 * untrained_error
      OR train_error >= MIN(validation_error) OVER curve THEN 'high bias'
    ELSE 'good fit'
  END AS diagnosis,
  CASE
    WHEN validation_error = MIN(validation_error) OVER curve THEN 1 ELSE 0
  END AS best
FROM points
WINDOW curve AS (PARTITION BY layers, activation, batch_size, train_examples, lr)
ORDER BY layers, activation, batch_size NULLS FIRST, train_examples NULLS FIRST, lr, lambda
