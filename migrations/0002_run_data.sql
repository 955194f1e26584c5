-- What a run was trained on, as it is needed again to resume, evaluate and predict: where the
-- data came from, the feature columns, what the outputs mean, and the gradient-check policy.

ALTER TABLE runs ADD COLUMN data_source TEXT;      -- how to load the data again, as JSON
ALTER TABLE runs ADD COLUMN features TEXT;         -- the feature names in input order, as JSON
ALTER TABLE runs ADD COLUMN outputs TEXT;          -- {"classes": [...]} or {"targets": [...]}
ALTER TABLE runs ADD COLUMN gradcheck_every INTEGER CHECK (gradcheck_every >= 0);  -- NULL: once, before training; 0: never
