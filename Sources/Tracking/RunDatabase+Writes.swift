import Foundation
import GRDB

/// The write path: each method is one transaction.
extension RunDatabase {
  /// A new sweep whose grid is `spec` (JSON).
  public func createSweep(name: String?, spec: String) throws -> Sweep {
    try name?.requirePrintable(as: "the sweep name")
    return try write { db in
      let createdAt = Timestamp.now()
      try db.execute(
        sql: "INSERT INTO sweeps (name, spec, created_at) VALUES (?, ?, ?)",
        arguments: [name, spec, createdAt])
      return Sweep(id: db.lastInsertedRowID, name: name, spec: spec, createdAt: createdAt)
    }
  }

  /// A new run, `running` for this database's process (as `nnlab train` makes it), with its
  /// tags, in one transaction.
  public func createRun(_ spec: RunSpec, tags: [String: String]) throws -> Run {
    try spec.validate()
    for (key, value) in tags { try Tag.requirePrintable(key, value) }
    return try write { db in
      try NewRun(spec: spec, createdAt: Timestamp.now(), process: process).insert(db)
      let id = db.lastInsertedRowID
      for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
        try db.execute(
          sql: "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)",
          arguments: [id, key, value])
      }
      return try Self.run(id, db)
    }
  }

  /// A new sweep with its runs queued, in one transaction: all or nothing.
  public func createSweep(name: String?, spec: String, runs specs: [RunSpec]) throws -> (
    Sweep, [Run]
  ) {
    try name?.requirePrintable(as: "the sweep name")
    for spec in specs { try spec.validate() }
    return try write { db in
      let createdAt = Timestamp.now()
      try db.execute(
        sql: "INSERT INTO sweeps (name, spec, created_at) VALUES (?, ?, ?)",
        arguments: [name, spec, createdAt])
      let sweep = Sweep(id: db.lastInsertedRowID, name: name, spec: spec, createdAt: createdAt)
      let runs = try specs.map { spec in
        var spec = spec
        spec.sweepId = sweep.id
        try NewRun(spec: spec, createdAt: createdAt, process: nil).insert(db)
        return try Self.run(db.lastInsertedRowID, db)
      }
      return (sweep, runs)
    }
  }

  /// New `queued` runs of `sweep`, for workers to claim; all or none are queued.
  public func queueRuns(_ specs: [RunSpec], in sweep: Int64) throws -> [Run] {
    for spec in specs { try spec.validate() }
    return try write { db in
      try specs.map { spec in
        var spec = spec
        spec.sweepId = sweep
        try NewRun(spec: spec, createdAt: Timestamp.now(), process: nil).insert(db)
        return try Self.run(db.lastInsertedRowID, db)
      }
    }
  }

  /// Puts `interrupted` and `failed` runs back in the queue for a worker to claim and resume;
  /// their recorded epochs stay. Returns the ids re-queued (others are left as they are).
  @discardableResult
  public func requeueRuns(_ ids: [Int64]) throws -> [Int64] {
    try write { db in
      try ids.filter { id in
        try db.execute(
          sql: """
            UPDATE runs SET status = 'queued', host = NULL, pid = NULL, heartbeat_at = NULL,
              lease_expires_at = NULL, finished_at = NULL, error = NULL
            WHERE id = ? AND status IN ('interrupted', 'failed')
            """,
          arguments: [id])
        return db.changesCount == 1
      }
    }
  }

  /// Takes over an `interrupted` run, or a `running` one whose process is gone (see
  /// `staleRuns`) or that this process claimed, to resume it from its snapshot at `epoch`: the epochs after it are dropped,
  /// the summary is set from those that remain, and the run is `running` for this process.
  /// - Throws: `TrackingError.runNotFound`; `.runNotRunning` when the run is in another
  ///   status; `.runHeldElsewhere` when its process still runs; `.invalidValue` when there is
  ///   no snapshot at `epoch`.
  public func resumeRun(_ run: Int64, fromEpoch epoch: Int) throws -> Run {
    try write { db in
      try Self.run(run, db).requireResumable(by: process)
      let snapshots =
        try Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM weight_snapshots WHERE run_id = ? AND epoch = ?",
          arguments: [run, epoch]) ?? 0
      guard snapshots > 0 else {
        throw TrackingError.invalidValue(
          "run \(run) has no weight snapshot at epoch \(epoch) to resume from")
      }
      try db.execute(
        sql: "DELETE FROM epochs WHERE run_id = ? AND epoch > ?", arguments: [run, epoch])
      try db.execute(
        sql: "DELETE FROM gradient_checks WHERE run_id = ? AND epoch > ?", arguments: [run, epoch])
      let summary = SeriesSummary(
        try Row.fetchAll(
          db,
          sql:
            "SELECT epoch, train_error, validation_error FROM epochs WHERE run_id = ? ORDER BY epoch",
          arguments: [run]
        ).map { ($0["epoch"], $0["train_error"], $0["validation_error"]) })
      let now = Timestamp.now()
      try db.execute(
        sql: """
          UPDATE runs SET status = 'running', host = ?, pid = ?, heartbeat_at = ?, finished_at = NULL,
            error = NULL, diverged_epoch = NULL, lease_expires_at = ?,
            attempts = attempts + (CASE WHEN status = 'running' AND host = ? AND pid = ? THEN 0 ELSE 1 END), last_epoch = e.epoch, final_cost = e.cost,
            final_train_error = e.train_error, final_validation_error = e.validation_error,
            final_train_accuracy = e.train_accuracy, final_validation_accuracy = e.validation_accuracy,
            best_epoch = ?, best_validation_error = ?, best_train_error = ?
          FROM (SELECT * FROM epochs WHERE run_id = ? AND epoch = ?) AS e
          WHERE runs.id = ?
          """,
        arguments: [
          process.host, process.pid, now, Lease.end(), process.host, process.pid,
          summary.best.epoch, summary.best.validationError,
          summary.bestTrainError, run, epoch, run,
        ])
      return try Self.run(run, db)
    }
  }

  static func run(_ id: Int64, _ db: Database) throws -> Run {
    guard let run = try Run.fetchOne(db, key: id) else { throw TrackingError.runNotFound(id) }
    return run
  }

  /// Records consecutive epochs of a running run in one transaction, each whole; for a writer
  /// that falls behind and groups the epochs waiting for it.
  /// - Throws: `TrackingError.nonFiniteValue` / `.invalidValue` before anything is written;
  ///   `.runNotFound`, `.runNotRunning`, `.runHeldElsewhere` (another process holds the run)
  ///   or `.invalidValue` (epochs out of order) with nothing written.
  public func recordEpochs(_ records: [EpochRecord], of run: Int64) throws {
    for record in records { try record.validate(run: run) }
    guard let last = records.last else { return }
    try write { db in
      var summary = try holdingSummary(of: run, db)
      try summary.note(records, of: run)
      for record in records { try Self.insertEpoch(record, of: run, db) }
      let assignments = (SeriesSummary.summaryColumns + ["heartbeat_at", "lease_expires_at"])
        .map { "\($0) = ?" }.joined(separator: ", ")
      try db.cachedStatement(sql: "UPDATE runs SET \(assignments) WHERE id = ?").execute(
        arguments: StatementArguments(
          (summary.summaryValues(after: last)
            + [.text(Timestamp.now()), .text(Lease.end()), .integer(run)]).map(\.databaseValue)))
    }
  }

  /// The summary of a run this process holds, or why it may not write the run's epochs.
  private func holdingSummary(of run: Int64, _ db: Database) throws -> SeriesSummary {
    let statement = try db.cachedStatement(
      sql: "SELECT \(SeriesSummary.holderColumns) FROM runs WHERE id = ?")
    return try SeriesSummary.holding(
      try Row.fetchOne(statement, arguments: [run]), of: run, by: process)
  }

  /// Inserts one epoch's rows with cached statements.
  private static func insertEpoch(_ record: EpochRecord, of run: Int64, _ db: Database) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO epochs (run_id, epoch, cost, train_error, validation_error, train_accuracy,
          validation_accuracy, gradient_norm, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).run(in: db) { row in
      row.bind(1, run)
      row.bind(2, record.epoch)
      row.bind(3, record.cost)
      row.bind(4, record.trainError)
      row.bind(5, record.validationError)
      row.bind(6, record.trainAccuracy)
      row.bind(7, record.validationAccuracy)
      row.bind(8, record.gradientNorm)
      row.bind(9, record.seconds)
    }

    let layerStatement = try db.cachedStatement(
      sql: """
        INSERT INTO layer_epochs (run_id, epoch, layer, gradient_norm, weight_norm, update_ratio, saturation)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
    for layer in record.layers {
      try layerStatement.run(in: db) { row in
        row.bind(1, run)
        row.bind(2, record.epoch)
        row.bind(3, layer.layer)
        row.bind(4, layer.gradientNorm)
        row.bind(5, layer.weightNorm)
        row.bind(6, layer.updateRatio)
        row.bind(7, layer.saturation)
      }
    }

    let snapshotStatement = try db.cachedStatement(
      sql:
        "INSERT INTO weight_snapshots (run_id, epoch, layer, rows, cols, data) VALUES (?, ?, ?, ?, ?, ?)"
    )
    for snapshot in record.snapshots {
      try snapshotStatement.run(in: db) { row in
        row.bind(1, run)
        row.bind(2, record.epoch)
        row.bind(3, snapshot.layer)
        row.bind(4, snapshot.rows)
        row.bind(5, snapshot.columns)
        row.bind(6, SnapshotEncoding.data(from: snapshot.values))
      }
    }
  }

  /// Ends a run this process holds: its status, finish time and error text (and the epoch
  /// it diverged at).
  /// - Throws: `TrackingError.runNotFound`, `.runNotRunning`, `.runHeldElsewhere`.
  public func finishRun(_ run: Int64, outcome: RunOutcome) throws {
    try write { db in
      _ = try holdingSummary(of: run, db)
      var divergedEpoch: Int?
      if case .diverged(let epoch, _) = outcome { divergedEpoch = epoch }
      var stoppedEarly = false
      if case .stoppedEarly = outcome { stoppedEarly = true }
      try db.execute(
        sql: """
          UPDATE runs SET status = ?, finished_at = ?, error = ?, diverged_epoch = ?, stopped_early = ?,
            lease_expires_at = NULL
          WHERE id = ?
          """,
        arguments: [
          outcome.status, Timestamp.now(), outcome.error, divergedEpoch, stoppedEarly, run,
        ])
    }
  }

  /// Deletes runs and everything recorded of them; returns how many there were.
  @discardableResult
  public func deleteRuns(_ ids: [Int64]) throws -> Int {
    try write { db in try Run.deleteAll(db, keys: ids) }
  }

  /// Deletes a sweep with its runs; returns how many runs went with it.
  @discardableResult
  public func deleteSweep(_ id: Int64) throws -> Int {
    try write { db in
      let runs = try Run.filter(Run.Columns.sweepId == id).fetchCount(db)
      try Sweep.deleteOne(db, key: id)
      return runs
    }
  }

  /// Sets (or replaces) the tag `key` of a run.
  public func setTag(_ key: String, to value: String, of run: Int64) throws {
    try Tag.requirePrintable(key, value)
    return try write { db in
      _ = try Self.run(run, db)
      try db.execute(
        sql:
          "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
        arguments: [run, key, value])
    }
  }

  /// Removes the tag `key` of a run; returns whether it had one.
  @discardableResult
  public func removeTag(_ key: String, of run: Int64) throws -> Bool {
    try write { db in
      _ = try Self.run(run, db)
      return try Tag.filter(Tag.Columns.runId == run && Tag.Columns.key == key).deleteAll(db) > 0
    }
  }

  /// Records a gradient check of a run at `epoch`: per layer, (layer, max |num − D|, relative difference).
  public func recordGradientCheck(
    _ layers: [(layer: Int, maxAbsDifference: Double, relativeDifference: Double)], of run: Int64,
    epoch: Int
  ) throws {
    try EpochRecord.validateGradientCheck(layers, of: run, epoch: epoch)
    try write { db in
      _ = try Self.run(run, db)
      for layer in layers {
        try db.execute(
          sql: """
            INSERT INTO gradient_checks (run_id, epoch, layer, max_abs_difference, relative_difference)
            VALUES (?, ?, ?, ?, ?)
            """,
          arguments: [run, epoch, layer.layer, layer.maxAbsDifference, layer.relativeDifference])
      }
    }
  }
}
