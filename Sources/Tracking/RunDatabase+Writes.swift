import Foundation
import GRDB

/// How a run ended.
public enum RunOutcome: Sendable, Equatable {
  /// All planned epochs were recorded.
  case finished
  /// Training stopped on an error, with its message.
  case failed(String)
  /// A figure became NaN or infinite at `epoch`; `reason` names it ("cost is nan").
  case diverged(epoch: Int, reason: String)
  /// The process was stopped or died.
  case interrupted(String?)

  var status: RunStatus {
    switch self {
    case .finished: .finished
    case .failed: .failed
    case .diverged: .diverged
    case .interrupted: .interrupted
    }
  }

  var error: String? {
    switch self {
    case .finished: nil
    case .failed(let message): message
    case .diverged(let epoch, let reason): "diverged at epoch \(epoch): \(reason)"
    case .interrupted(let message): message
    }
  }
}

/// The write path: each method is one transaction.
extension RunDatabase {
  /// A new sweep whose grid is `spec` (JSON).
  public func createSweep(name: String?, spec: String) throws -> Sweep {
    try write { db in
      let createdAt = Timestamp.now()
      try db.execute(
        sql: "INSERT INTO sweeps (name, spec, created_at) VALUES (?, ?, ?)",
        arguments: [name, spec, createdAt])
      return Sweep(id: db.lastInsertedRowID, name: name, spec: spec, createdAt: createdAt)
    }
  }

  /// A new run, `running` for `process` (as `nnlab train` makes it).
  public func createRun(_ spec: RunSpec, runningIn process: ProcessIdentity) throws -> Run {
    try spec.validate()
    return try write { db in
      try NewRun(spec: spec, createdAt: Timestamp.now(), process: process).insert(db)
      return try Self.run(db.lastInsertedRowID, db)
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

  /// A `runs` row as it is first inserted: the spec, and either queued or already running.
  private struct NewRun: PersistableRecord {
    static let databaseTableName = "runs"
    let spec: RunSpec
    let createdAt: String
    let process: ProcessIdentity?

    func encode(to container: inout PersistenceContainer) throws {
      try spec.encode(to: &container)
      container["created_at"] = createdAt
      container["status"] = process == nil ? RunStatus.queued : .running
      if let process {
        container["started_at"] = createdAt
        container["heartbeat_at"] = createdAt
        container["host"] = process.host
        container["pid"] = process.pid
      }
    }
  }

  static func run(_ id: Int64, _ db: Database) throws -> Run {
    guard let run = try Run.fetchOne(db, key: id) else { throw TrackingError.runNotFound(id) }
    return run
  }

  /// Records one epoch of a running run: its row, layer rows, snapshot rows, the run's
  /// summary and heartbeat, in one transaction — in the database whole or not at all.
  public func recordEpoch(_ record: EpochRecord, of run: Int64) throws {
    try recordEpochs([record], of: run)
  }

  /// Records consecutive epochs of a running run in one transaction, each whole; for a writer
  /// that falls behind and groups the epochs waiting for it.
  /// - Throws: `TrackingError.nonFiniteValue` / `.invalidValue` before anything is written,
  ///   `.runNotRunning` when the run is not `running` (nothing is written then either).
  public func recordEpochs(_ records: [EpochRecord], of run: Int64) throws {
    for record in records { try record.validate(run: run) }
    guard let last = records.last else { return }
    try write { db in
      let status = try RunStatus.fetchOne(
        db.cachedStatement(sql: "SELECT status FROM runs WHERE id = ?"), arguments: [run])
      guard let status else { throw TrackingError.runNotFound(run) }
      guard status == .running else { throw TrackingError.runNotRunning(run, status: status) }
      for record in records { try Self.insertEpoch(record, of: run, db) }
      try db.cachedStatement(
        sql: """
          UPDATE runs SET last_epoch = ?, final_cost = ?, final_train_error = ?,
            final_validation_error = ?, final_train_accuracy = ?, final_validation_accuracy = ?,
            heartbeat_at = ?
          WHERE id = ?
          """
      ).execute(arguments: [
        last.epoch, last.cost, last.trainError, last.validationError, last.trainAccuracy,
        last.validationAccuracy, Timestamp.now(), run,
      ])
    }
  }

  /// Inserts one epoch's rows with cached statements, and moves the run's best epoch to it
  /// when its selection error is lower.
  private static func insertEpoch(_ record: EpochRecord, of run: Int64, _ db: Database) throws {
    let epochStatement = try db.cachedStatement(
      sql: """
        INSERT INTO epochs (run_id, epoch, cost, train_error, validation_error, train_accuracy,
          validation_accuracy, gradient_norm, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    epochStatement.setUncheckedArguments([
      run, record.epoch, record.cost, record.trainError, record.validationError,
      record.trainAccuracy,
      record.validationAccuracy, record.gradientNorm, record.seconds,
    ])
    try epochStatement.execute()

    let layerStatement = try db.cachedStatement(
      sql: """
        INSERT INTO layer_epochs (run_id, epoch, layer, gradient_norm, weight_norm, update_ratio, saturation)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
    for layer in record.layers {
      layerStatement.setUncheckedArguments([
        run, record.epoch, layer.layer, layer.gradientNorm, layer.weightNorm, layer.updateRatio,
        layer.saturation,
      ])
      try layerStatement.execute()
    }

    let snapshotStatement = try db.cachedStatement(
      sql:
        "INSERT INTO weight_snapshots (run_id, epoch, layer, rows, cols, data) VALUES (?, ?, ?, ?, ?, ?)"
    )
    for snapshot in record.snapshots {
      snapshotStatement.setUncheckedArguments([
        run, record.epoch, snapshot.layer, snapshot.rows, snapshot.columns,
        SnapshotEncoding.data(from: snapshot.values),
      ])
      try snapshotStatement.execute()
    }

    // The best epoch: the lowest validation error, or train error without a split; ties keep
    // the earlier epoch.
    try db.cachedStatement(
      sql: """
        UPDATE runs SET best_epoch = ?, best_validation_error = ?
        WHERE id = ? AND (best_epoch IS NULL OR ? < (
          SELECT COALESCE(validation_error, train_error) FROM epochs
          WHERE epochs.run_id = runs.id AND epochs.epoch = runs.best_epoch))
        """
    ).execute(arguments: [record.epoch, record.validationError, run, record.selectionError])
  }

  /// Ends a run: its status, finish time and error text (and the epoch it diverged at).
  public func finishRun(_ run: Int64, outcome: RunOutcome) throws {
    try write { db in
      var divergedEpoch: Int?
      if case .diverged(let epoch, _) = outcome { divergedEpoch = epoch }
      try db.execute(
        sql:
          "UPDATE runs SET status = ?, finished_at = ?, error = ?, diverged_epoch = ? WHERE id = ?",
        arguments: [outcome.status, Timestamp.now(), outcome.error, divergedEpoch, run])
      guard db.changesCount == 1 else { throw TrackingError.runNotFound(run) }
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
    try write { db in
      try db.execute(
        sql:
          "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
        arguments: [run, key, value])
    }
  }

  /// Records a gradient check of a run at `epoch`: per layer, (layer, max |num − D|, relative difference).
  public func recordGradientCheck(
    _ layers: [(layer: Int, maxAbsDifference: Double, relativeDifference: Double)], of run: Int64,
    epoch: Int
  ) throws {
    for layer in layers where !layer.maxAbsDifference.isFinite || !layer.relativeDifference.isFinite
    {
      throw TrackingError.nonFiniteValue(
        "the gradient check of run \(run), epoch \(epoch), layer \(layer.layer) is not finite")
    }
    try write { db in
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

extension RunSpec {
  /// Refuses values the `runs` checks would refuse, with a message naming the value.
  func validate() throws {
    for (name, value) in [
      ("learning_rate", learningRate), ("lambda", lambda),
      ("validation_fraction", validationFraction),
    ]
    where !value.isFinite {
      throw TrackingError.nonFiniteValue("\(name) is \(value)")
    }
    let problems: [(Bool, String)] = [
      (learningRate > 0, "learning_rate must be greater than 0, got \(learningRate)"),
      (lambda >= 0, "lambda must be 0 or more, got \(lambda)"),
      (epochs >= 0, "epochs must be 0 or more, got \(epochs)"),
      ((batchSize ?? 1) >= 1, "batch_size must be 1 or more, got \(batchSize ?? 0)"),
      (
        (0..<1).contains(validationFraction),
        "validation_fraction must be in [0, 1), got \(validationFraction)"
      ),
      ((trainExamples ?? 1) >= 1, "train_examples must be 1 or more, got \(trainExamples ?? 0)"),
      (snapshotEvery >= 1, "snapshot_every must be 1 or more, got \(snapshotEvery)"),
    ]
    if let problem = problems.first(where: { !$0.0 }) {
      throw TrackingError.invalidValue(problem.1)
    }
  }
}
