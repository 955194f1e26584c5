-- Runs that diverged: their α and λ, and the epoch at which the cost stopped being finite or
-- grew past 10⁴ times its first value.
-- param: sweep = all    a sweep's id, or all
-- view: table
--
-- Runs on SQLite and PostgreSQL alike: the id is compared as text, as PostgreSQL receives
-- the parameter.

SELECT
  r.id AS run, r.sweep_id AS sweep, r.layers, r.learning_rate AS lr, r.lambda,
  r.diverged_epoch AS epoch, r.error
FROM runs r
WHERE r.status = 'diverged' AND (:sweep = 'all' OR CAST(r.sweep_id AS TEXT) = :sweep)
ORDER BY r.learning_rate DESC, r.lambda, r.id
