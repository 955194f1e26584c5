// The Tracking module: the storage layer — SQLite through GRDB, the migrations, one record
// type per table, the atomic write of one epoch and the read queries reports need.
// It knows nothing of training: it takes plain values. Filled by the storage-layer issue.
