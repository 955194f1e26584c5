-- The lowest train error of a run's epochs, kept with the summary as epochs land, so that
-- listing runs never reads their epoch series. Filled in for the runs already recorded.

ALTER TABLE runs ADD COLUMN best_train_error DOUBLE PRECISION;

UPDATE runs SET best_train_error = (SELECT MIN(e.train_error) FROM epochs e WHERE e.run_id = runs.id);
