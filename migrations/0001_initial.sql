-- nnlab's first schema: sweeps, runs with their summary, and every epoch's series.
-- Times are ISO-8601 UTC text ('2026-11-29T03:50:25.123Z'). Released: never edit; add a
-- new migration instead.
--
-- Portable SQL where it costs nothing (a PostgreSQL store is planned): standard types, with
-- DOUBLE PRECISION for 64-bit floats. SQLite-only, and named here: INTEGER PRIMARY KEY (a
-- rowid alias; an identity column elsewhere), WITHOUT ROWID, BLOB (bytea elsewhere), GLOB in
-- one check, and the application_id that marks the file as nnlab's (0x6E6E6C62, "nnlb").

PRAGMA application_id = 1852730466;

CREATE TABLE sweeps (
  id                         INTEGER PRIMARY KEY,
  name                       TEXT,
  spec                       TEXT NOT NULL,               -- the grid as JSON
  created_at                 TEXT NOT NULL
);

CREATE TABLE runs (
  id                         INTEGER PRIMARY KEY,
  sweep_id                   INTEGER REFERENCES sweeps (id) ON DELETE CASCADE,
  name                       TEXT,
  status                     TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'finished', 'failed', 'diverged', 'interrupted')),
  -- hyperparameters
  layers                     TEXT NOT NULL                -- 's1-s2-…-sL', e.g. '400-25-10'
    CHECK (layers GLOB '[1-9]*-[1-9]*' AND layers NOT GLOB '*[^0-9-]*'),
  activation                 TEXT NOT NULL CHECK (activation IN ('sigmoid', 'tanh', 'relu')),
  cost_function              TEXT NOT NULL CHECK (cost_function IN ('cross-entropy', 'mse')),
  learning_rate              DOUBLE PRECISION NOT NULL CHECK (learning_rate > 0),
  lambda                     DOUBLE PRECISION NOT NULL CHECK (lambda >= 0),
  epochs                     INTEGER NOT NULL CHECK (epochs >= 0),
  batch_size                 INTEGER CHECK (batch_size >= 1),              -- NULL: full batch
  seed                       INTEGER NOT NULL,
  validation_fraction        DOUBLE PRECISION NOT NULL
    CHECK (validation_fraction >= 0 AND validation_fraction < 1),
  train_examples             INTEGER CHECK (train_examples >= 1),          -- NULL: the whole training split
  snapshot_every             INTEGER NOT NULL CHECK (snapshot_every >= 1),
  -- data
  dataset_name               TEXT NOT NULL,
  dataset_sha256             TEXT NOT NULL CHECK (length(dataset_sha256) = 64),
  scaling                    TEXT,                        -- method and fitted parameters as JSON
  -- life
  created_at                 TEXT NOT NULL,
  started_at                 TEXT,
  finished_at                TEXT,
  heartbeat_at               TEXT,
  host                       TEXT,
  pid                        INTEGER,
  nnlab_version              TEXT NOT NULL,
  command_line               TEXT,
  error                      TEXT,
  -- summary, kept current as epochs land
  last_epoch                 INTEGER CHECK (last_epoch >= 0),
  final_cost                 DOUBLE PRECISION,
  final_train_error          DOUBLE PRECISION,
  final_validation_error     DOUBLE PRECISION,
  final_train_accuracy       DOUBLE PRECISION,
  final_validation_accuracy  DOUBLE PRECISION,
  best_validation_error      DOUBLE PRECISION,
  best_epoch                 INTEGER CHECK (best_epoch >= 0),  -- lowest validation error (train error without a split)
  diverged_epoch             INTEGER CHECK (diverged_epoch >= 0)
);

-- Listing runs: by sweep and status, and by the figures a listing sorts on. (More indexes on
-- the summary would be updated with every epoch; other sorts are done in memory.)
CREATE INDEX runs_by_sweep_and_status ON runs (sweep_id, status);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_best_validation_error ON runs (best_validation_error);
CREATE INDEX runs_by_final_validation_error ON runs (final_validation_error);

CREATE TABLE epochs (
  run_id                     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch                      INTEGER NOT NULL CHECK (epoch >= 0),
  cost                       DOUBLE PRECISION NOT NULL,   -- J(Θ_e) on the training set, regularization included
  train_error                DOUBLE PRECISION NOT NULL,   -- the same cost without regularization
  validation_error           DOUBLE PRECISION,            -- NULL without a validation split
  train_accuracy             DOUBLE PRECISION CHECK (train_accuracy BETWEEN 0 AND 1),  -- NULL where targets are not classes
  validation_accuracy        DOUBLE PRECISION CHECK (validation_accuracy BETWEEN 0 AND 1),
  gradient_norm              DOUBLE PRECISION NOT NULL CHECK (gradient_norm >= 0),     -- ‖D(Θ_e)‖ over all layers
  seconds                    DOUBLE PRECISION NOT NULL CHECK (seconds >= 0),           -- wall time spent on this epoch
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE layer_epochs (
  run_id                     INTEGER NOT NULL,
  epoch                      INTEGER NOT NULL,
  layer                      INTEGER NOT NULL CHECK (layer >= 1),
  gradient_norm              DOUBLE PRECISION NOT NULL CHECK (gradient_norm >= 0),     -- ‖D^(l)‖ (Frobenius)
  weight_norm                DOUBLE PRECISION NOT NULL CHECK (weight_norm >= 0),       -- ‖Θ^(l)‖
  update_ratio               DOUBLE PRECISION NOT NULL CHECK (update_ratio >= 0),      -- α‖D^(l)‖ / ‖Θ^(l)‖
  saturation                 DOUBLE PRECISION CHECK (saturation BETWEEN 0 AND 1),      -- share of saturated units fed
  PRIMARY KEY (run_id, epoch, layer),
  FOREIGN KEY (run_id, epoch) REFERENCES epochs (run_id, epoch) ON DELETE CASCADE
) WITHOUT ROWID;

-- An ordinary rowid table: a snapshot is rows × cols × 8 bytes (82 KB for 400-25-10), and
-- SQLite advises WITHOUT ROWID only for rows under about a twentieth of a page.
CREATE TABLE weight_snapshots (
  run_id                     INTEGER NOT NULL,
  epoch                      INTEGER NOT NULL,
  layer                      INTEGER NOT NULL CHECK (layer >= 1),
  rows                       INTEGER NOT NULL CHECK (rows >= 1),
  cols                       INTEGER NOT NULL CHECK (cols >= 1),
  data                       BLOB NOT NULL CHECK (length(data) = rows * cols * 8),  -- float64 LE, row-major
  PRIMARY KEY (run_id, epoch, layer),
  FOREIGN KEY (run_id, epoch) REFERENCES epochs (run_id, epoch) ON DELETE CASCADE
);

CREATE TABLE gradient_checks (
  run_id                     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch                      INTEGER NOT NULL CHECK (epoch >= 0),
  layer                      INTEGER NOT NULL CHECK (layer >= 1),
  max_abs_difference         DOUBLE PRECISION NOT NULL CHECK (max_abs_difference >= 0),
  relative_difference        DOUBLE PRECISION NOT NULL CHECK (relative_difference >= 0),
  PRIMARY KEY (run_id, epoch, layer)
) WITHOUT ROWID;

CREATE TABLE tags (
  run_id                     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key                        TEXT NOT NULL,
  value                      TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
