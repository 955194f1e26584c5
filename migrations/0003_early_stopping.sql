-- Early stopping: a run may stop once its validation error has not improved for `patience`
-- epochs; it then ends `finished` with `stopped_early` set, its last epoch standing in for the
-- planned one.

ALTER TABLE runs ADD COLUMN patience INTEGER CHECK (patience >= 1);
ALTER TABLE runs ADD COLUMN stopped_early INTEGER NOT NULL DEFAULT 0 CHECK (stopped_early IN (0, 1));
