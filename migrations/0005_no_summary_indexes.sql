-- A run's summary changes with every epoch's write, and so does every index on its figures:
-- the two on best_validation_error and final_validation_error were a fifth of the cost of an
-- epoch committed alone (240,000 metric values a second with them, 305,000 without). Listings
-- sorted on those figures sort in memory instead, as they do on the others.

DROP INDEX IF EXISTS runs_by_best_validation_error;
DROP INDEX IF EXISTS runs_by_final_validation_error;
