-- Per-layer gradient norm and update ratio over a run's epochs, and the first layer's gradient
-- norm over the last's.
-- param: run = latest    a run's id, or latest
-- param: every = 0       every Nth epoch (0: about 20 of them; 1: all), and the last
-- view: table
--
-- gradient_norm is ‖D(l)‖, update_ratio α‖D(l)‖ / ‖Θ(l)‖. first_to_last = ‖D(1)‖ / ‖D(L−1)‖ at
-- that epoch: far below 1, the gradient vanishes on its way back to the first layer; far
-- above 1, it explodes.
--
-- Runs on SQLite and PostgreSQL alike: the run's id is compared as text, as PostgreSQL
-- receives the parameter.

WITH chosen AS (
  SELECT id, last_epoch,
    CASE
      WHEN :every > 0 THEN :every
      WHEN last_epoch >= 40 THEN last_epoch / 20
      ELSE 1
    END AS step
  FROM runs
  WHERE CAST(id AS TEXT) =
    CASE WHEN :run = 'latest' THEN CAST((SELECT MAX(id) FROM runs) AS TEXT) ELSE :run END
),
layers AS (
  SELECT
    l.run_id, l.epoch, l.layer, l.gradient_norm, l.update_ratio, l.weight_norm,
    FIRST_VALUE(l.gradient_norm) OVER epoch_layers AS first_norm,
    LAST_VALUE(l.gradient_norm) OVER epoch_layers AS last_norm
  FROM layer_epochs l
  JOIN chosen c ON l.run_id = c.id
  WHERE l.epoch % c.step = 0 OR l.epoch = c.last_epoch
  WINDOW epoch_layers AS (
    PARTITION BY l.epoch ORDER BY l.layer
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT
  run_id AS run, epoch, layer, gradient_norm, update_ratio, weight_norm,
  first_norm / NULLIF(last_norm, 0) AS first_to_last
FROM layers
ORDER BY epoch, layer
