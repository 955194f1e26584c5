-- nnlab's first schema: sweeps, runs with their summary, and every epoch's series.
-- Times are ISO-8601 UTC text ('2026-11-29T03:50:25.123Z'). Released: never edit; add a
-- new migration instead.

CREATE TABLE sweeps (
  id          INTEGER PRIMARY KEY,
  name        TEXT,
  spec        TEXT    NOT NULL,                 -- the grid as JSON
  created_at  TEXT    NOT NULL
);

CREATE TABLE runs (
  id                   INTEGER PRIMARY KEY,
  sweep_id             INTEGER REFERENCES sweeps (id) ON DELETE CASCADE,
  name                 TEXT,
  status               TEXT    NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'running', 'finished', 'failed', 'diverged', 'interrupted')),
  -- hyperparameters
  layers               TEXT    NOT NULL,        -- 's1-s2-…-sL', e.g. '400-25-10'
  activation           TEXT    NOT NULL CHECK (activation IN ('sigmoid', 'tanh', 'relu')),
  cost_function        TEXT    NOT NULL CHECK (cost_function IN ('cross-entropy', 'mse')),
  learning_rate        REAL    NOT NULL CHECK (learning_rate > 0),
  lambda               REAL    NOT NULL CHECK (lambda >= 0),
  epochs               INTEGER NOT NULL CHECK (epochs >= 0),
  batch_size           INTEGER CHECK (batch_size >= 1),          -- NULL: full batch
  seed                 INTEGER NOT NULL,
  validation_fraction  REAL    NOT NULL CHECK (validation_fraction >= 0 AND validation_fraction < 1),
  train_examples       INTEGER CHECK (train_examples >= 1),      -- NULL: the whole training split
  snapshot_every       INTEGER NOT NULL CHECK (snapshot_every >= 1),
  -- data
  dataset_name         TEXT    NOT NULL,
  dataset_sha256       TEXT    NOT NULL,
  scaling              TEXT,                    -- method and fitted parameters as JSON
  -- life
  created_at           TEXT    NOT NULL,
  started_at           TEXT,
  finished_at          TEXT,
  heartbeat_at         TEXT,
  host                 TEXT,
  pid                  INTEGER,
  nnlab_version        TEXT    NOT NULL,
  command_line         TEXT,
  error                TEXT,
  -- summary, kept current as epochs land
  last_epoch           INTEGER CHECK (last_epoch >= 0),
  final_cost           REAL,
  final_train_error    REAL,
  final_validation_error     REAL,
  final_train_accuracy       REAL,
  final_validation_accuracy  REAL,
  best_validation_error      REAL,
  best_epoch           INTEGER CHECK (best_epoch >= 0),  -- lowest validation error (train error without a split)
  diverged_epoch       INTEGER CHECK (diverged_epoch >= 0)
);

CREATE INDEX runs_by_sweep_and_status ON runs (sweep_id, status);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_best_validation_error ON runs (best_validation_error);
CREATE INDEX runs_by_final_validation_error ON runs (final_validation_error);

CREATE TABLE epochs (
  run_id               INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch                INTEGER NOT NULL CHECK (epoch >= 0),
  cost                 REAL    NOT NULL,        -- J(Θ_e) on the training set, regularization included
  train_error          REAL    NOT NULL,        -- the same cost without regularization
  validation_error     REAL,                    -- NULL without a validation split
  train_accuracy       REAL,                    -- NULL where targets are not classes
  validation_accuracy  REAL,
  gradient_norm        REAL    NOT NULL,        -- ‖D(Θ_e)‖ over all layers
  seconds              REAL    NOT NULL CHECK (seconds >= 0),  -- wall time spent on this epoch
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE layer_epochs (
  run_id               INTEGER NOT NULL,
  epoch                INTEGER NOT NULL,
  layer                INTEGER NOT NULL CHECK (layer >= 1),
  gradient_norm        REAL    NOT NULL,        -- ‖D^(l)‖ (Frobenius)
  weight_norm          REAL    NOT NULL,        -- ‖Θ^(l)‖
  update_ratio         REAL    NOT NULL,        -- α‖D^(l)‖ / ‖Θ^(l)‖
  saturation           REAL    CHECK (saturation >= 0 AND saturation <= 1),
  PRIMARY KEY (run_id, epoch, layer),
  FOREIGN KEY (run_id, epoch) REFERENCES epochs (run_id, epoch) ON DELETE CASCADE
) WITHOUT ROWID;

-- An ordinary rowid table: a snapshot is rows × cols × 8 bytes (82 KB for 400-25-10), and
-- SQLite advises WITHOUT ROWID only for rows under about a twentieth of a page.
CREATE TABLE weight_snapshots (
  run_id               INTEGER NOT NULL,
  epoch                INTEGER NOT NULL,
  layer                INTEGER NOT NULL CHECK (layer >= 1),
  rows                 INTEGER NOT NULL CHECK (rows >= 1),
  cols                 INTEGER NOT NULL CHECK (cols >= 1),
  data                 BLOB    NOT NULL CHECK (length(data) = rows * cols * 8),  -- float64 LE, row-major
  PRIMARY KEY (run_id, epoch, layer),
  FOREIGN KEY (run_id, epoch) REFERENCES epochs (run_id, epoch) ON DELETE CASCADE
);

CREATE TABLE gradient_checks (
  run_id               INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch                INTEGER NOT NULL CHECK (epoch >= 0),
  layer                INTEGER NOT NULL CHECK (layer >= 1),
  max_abs_difference   REAL    NOT NULL,
  relative_difference  REAL    NOT NULL,
  PRIMARY KEY (run_id, epoch, layer)
) WITHOUT ROWID;

CREATE TABLE tags (
  run_id               INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key                  TEXT    NOT NULL,
  value                TEXT    NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
