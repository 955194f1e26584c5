import Foundation
import GRDB
import PostgresNIO

/// The write path on PostgreSQL: each method one transaction, as on SQLite. The run a write
/// concerns is locked (`FOR UPDATE`) and its holder checked in the same transaction, so a
/// worker that has lost its run to another cannot write to it.
extension PostgresRunStore {
  /// `now() + seconds`, on the server's clock, in the stored time format.
  static func serverTime(plus seconds: String = "0") -> String {
    """
    to_char((clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => \(seconds)), \
    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    """
  }

  public func createSweep(name: String?, spec: String) throws -> Sweep {
    try name?.requirePrintable(as: "the sweep name")
    return try write { connection in
      try await Self.insertSweep(name: name, spec: spec, connection)
    }
  }

  public func createRun(_ spec: RunSpec, tags: [String: String]) throws -> Run {
    try spec.validate()
    for (key, value) in tags { try Tag.requirePrintable(key, value) }
    let process = process
    return try write { connection in
      let run = try await Self.insert(
        NewRun(spec: spec, createdAt: Timestamp.now(), process: process), connection)
      for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
        try await connection.run(
          "INSERT INTO tags (run_id, key, value) VALUES ($1, $2, $3)",
          [.integer(run.id), .text(key), .text(value)])
      }
      return run
    }
  }

  public func createSweep(name: String?, spec: String, runs specs: [RunSpec]) throws -> (
    Sweep, [Run]
  ) {
    try name?.requirePrintable(as: "the sweep name")
    for spec in specs { try spec.validate() }
    return try write { connection in
      let sweep = try await Self.insertSweep(name: name, spec: spec, connection)
      var runs: [Run] = []
      for var spec in specs {
        spec.sweepId = sweep.id
        runs.append(
          try await Self.insert(
            NewRun(spec: spec, createdAt: sweep.createdAt, process: nil), connection))
      }
      return (sweep, runs)
    }
  }

  public func queueRuns(_ specs: [RunSpec], in sweep: Int64) throws -> [Run] {
    for spec in specs { try spec.validate() }
    return try write { connection in
      var runs: [Run] = []
      for var spec in specs {
        spec.sweepId = sweep
        runs.append(
          try await Self.insert(
            NewRun(spec: spec, createdAt: Timestamp.now(), process: nil), connection))
      }
      return runs
    }
  }

  private static func insertSweep(
    name: String?, spec: String, _ connection: PostgresConnection
  ) async throws -> Sweep {
    let rows = try await connection.run(
      "INSERT INTO sweeps (name, spec, created_at) VALUES ($1, $2, $3) RETURNING *",
      [SQLValue(name), .text(spec), .text(Timestamp.now())])
    return try Sweep(row: rows[0])
  }

  /// Inserts a new `runs` row, its columns as GRDB encodes them for SQLite; returns the run.
  private static func insert(_ run: NewRun, _ connection: PostgresConnection) async throws -> Run {
    let columns = try run.databaseDictionary.sorted { $0.key < $1.key }
    let placeholders = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
    let rows = try await connection.run(
      "INSERT INTO runs (\(columns.map(\.key).joined(separator: ", "))) VALUES (\(placeholders)) RETURNING *",
      columns.map { SQLValue($0.value) })
    return try Run(row: rows[0])
  }

  @discardableResult
  public func requeueRuns(_ ids: [Int64]) throws -> [Int64] {
    let requeued = try write { connection in
      try await connection.values(
        """
        UPDATE runs SET status = 'queued', host = NULL, pid = NULL, heartbeat_at = NULL,
          lease_expires_at = NULL, finished_at = NULL, error = NULL
        WHERE id = ANY($1::bigint[]) AND status IN ('interrupted', 'failed') RETURNING id
        """, [.integers(ids)], as: Int64.self)
    }
    return ids.filter(Set(requeued).contains)
  }

  public func resumeRun(_ run: Int64, fromEpoch epoch: Int) throws -> Run {
    let process = process
    return try write { connection in
      try await Self.lockedRun(run, connection).requireResumable(by: process)
      let snapshots = try await connection.values(
        "SELECT COUNT(*) FROM weight_snapshots WHERE run_id = $1 AND epoch = $2",
        [.integer(run), .integer(Int64(epoch))], as: Int64.self)
      guard snapshots.first ?? 0 > 0 else {
        throw TrackingError.invalidValue(
          "run \(run) has no weight snapshot at epoch \(epoch) to resume from")
      }
      let bounds: [SQLValue] = [.integer(run), .integer(Int64(epoch))]
      try await connection.run("DELETE FROM epochs WHERE run_id = $1 AND epoch > $2", bounds)
      try await connection.run(
        "DELETE FROM gradient_checks WHERE run_id = $1 AND epoch > $2", bounds)
      let summary = SeriesSummary(
        try await connection.run(
          "SELECT epoch, train_error, validation_error FROM epochs WHERE run_id = $1 ORDER BY epoch",
          [.integer(run)]
        ).map { ($0["epoch"], $0["train_error"], $0["validation_error"]) })
      let rows = try await connection.run(
        """
        UPDATE runs SET status = 'running', host = $1, pid = $2, heartbeat_at = $3,
          finished_at = NULL, error = NULL, diverged_epoch = NULL,
          lease_expires_at = \(Self.serverTime(plus: "$4")),
          attempts = runs.attempts
            + (CASE WHEN runs.status = 'running' AND runs.host = $1 AND runs.pid = $2 THEN 0 ELSE 1 END),
          last_epoch = e.epoch, final_cost = e.cost, final_train_error = e.train_error,
          final_validation_error = e.validation_error, final_train_accuracy = e.train_accuracy,
          final_validation_accuracy = e.validation_accuracy,
          best_epoch = $5, best_validation_error = $6, best_train_error = $7
        FROM (SELECT * FROM epochs WHERE run_id = $8 AND epoch = $9) AS e
        WHERE runs.id = $8
        RETURNING runs.*
        """,
        [
          .text(process.host), .integer(Int64(process.pid)), .text(Timestamp.now()),
          .real(Lease.seconds), SQLValue(summary.best.epoch.map(Int64.init)),
          SQLValue(summary.best.validationError), SQLValue(summary.bestTrainError),
          .integer(run), .integer(Int64(epoch)),
        ])
      return try Run(row: rows[0])
    }
  }

  /// The run, its row locked until the transaction ends.
  static func lockedRun(_ run: Int64, _ connection: PostgresConnection) async throws -> Run {
    let rows = try await connection.run(
      "SELECT * FROM runs WHERE id = $1 FOR UPDATE", [.integer(run)])
    guard let row = rows.first else { throw TrackingError.runNotFound(run) }
    return try Run(row: row)
  }

  /// Records epochs as on SQLite, each whole, with multi-row inserts, and renews the lease. A
  /// batch tried again after its connection dropped, which had committed, is not written twice.
  public func recordEpochs(_ records: [EpochRecord], of run: Int64) throws {
    for record in records { try record.validate(run: run) }
    guard let first = records.first, let last = records.last else { return }
    let process = process
    try transaction("BEGIN") { connection, retried in
      let row = try await connection.run(
        "SELECT \(SeriesSummary.holderColumns) FROM runs WHERE id = $1 FOR UPDATE",
        [.integer(run)]
      ).first
      var summary = try SeriesSummary.holding(row, of: run, by: process)
      if retried && last.epoch < summary.nextEpoch && first.epoch <= last.epoch { return }
      try summary.note(records, of: run)
      try await Self.insertEpochs(records, of: run, connection)
      let columns = SeriesSummary.summaryColumns
      let assignments = columns.enumerated().map { "\($1) = $\($0 + 1)" }.joined(separator: ", ")
      let next = columns.count + 1
      try await connection.run(
        """
        UPDATE runs SET \(assignments), heartbeat_at = $\(next),
          lease_expires_at = \(Self.serverTime(plus: "$\(next + 1)")) WHERE id = $\(next + 2)
        """,
        summary.summaryValues(after: last)
          + [.text(Timestamp.now()), .real(Lease.seconds), .integer(run)])
    }
  }

  /// Inserts the rows of `records`: one statement per table.
  private static func insertEpochs(
    _ records: [EpochRecord], of run: Int64, _ connection: PostgresConnection
  ) async throws {
    let id = SQLValue.integer(run)
    try await insertRows(
      into: "epochs",
      columns: [
        "run_id", "epoch", "cost", "train_error", "validation_error", "train_accuracy",
        "validation_accuracy", "gradient_norm", "seconds",
      ],
      records.map { record in
        [
          id, .integer(Int64(record.epoch)), .real(record.cost), .real(record.trainError),
          SQLValue(record.validationError), SQLValue(record.trainAccuracy),
          SQLValue(record.validationAccuracy), .real(record.gradientNorm), .real(record.seconds),
        ]
      }, connection)
    try await insertRows(
      into: "layer_epochs",
      columns: [
        "run_id", "epoch", "layer", "gradient_norm", "weight_norm", "update_ratio", "saturation",
      ],
      records.flatMap { record in
        record.layers.map { layer in
          [
            id, .integer(Int64(record.epoch)), .integer(Int64(layer.layer)),
            .real(layer.gradientNorm), .real(layer.weightNorm), .real(layer.updateRatio),
            SQLValue(layer.saturation),
          ]
        }
      }, connection)
    try await insertRows(
      into: "weight_snapshots", columns: ["run_id", "epoch", "layer", "rows", "cols", "data"],
      records.flatMap { record in
        record.snapshots.map { snapshot in
          [
            id, .integer(Int64(record.epoch)), .integer(Int64(snapshot.layer)),
            .integer(Int64(snapshot.rows)), .integer(Int64(snapshot.columns)),
            .blob(SnapshotEncoding.data(from: snapshot.values)),
          ]
        }
      }, connection)
  }

  /// `INSERT INTO table (columns) VALUES (…), (…), …`, in statements of at most 30,000
  /// parameters (the protocol allows 65,535).
  static func insertRows(
    into table: String, columns: [String], _ rows: [[SQLValue]], _ connection: PostgresConnection
  ) async throws {
    let perStatement = max(1, 30_000 / columns.count)
    for start in stride(from: 0, to: rows.count, by: perStatement) {
      let chunk = rows[start..<min(start + perStatement, rows.count)]
      let tuples = (0..<chunk.count).map { row in
        "(" + (1...columns.count).map { "$\(row * columns.count + $0)" }.joined(separator: ", ")
          + ")"
      }
      try await connection.run(
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))",
        chunk.flatMap { $0 })
    }
  }

  /// Ends a run this process holds. Tried again after a dropped connection, a finish that had
  /// committed is recognised.
  public func finishRun(_ run: Int64, outcome: RunOutcome) throws {
    let process = process
    try transaction("BEGIN") { connection, retried in
      let current = try await Self.lockedRun(run, connection)
      if retried, current.status == outcome.status, current.host == process.host,
        current.pid == process.pid
      {
        return
      }
      let row = try await connection.run(
        "SELECT \(SeriesSummary.holderColumns) FROM runs WHERE id = $1", [.integer(run)]
      ).first
      _ = try SeriesSummary.holding(row, of: run, by: process)
      var divergedEpoch: Int64?
      if case .diverged(let epoch, _) = outcome { divergedEpoch = Int64(epoch) }
      var stoppedEarly: Int64 = 0
      if case .stoppedEarly = outcome { stoppedEarly = 1 }
      try await connection.run(
        """
        UPDATE runs SET status = $1, finished_at = $2, error = $3, diverged_epoch = $4,
          stopped_early = $5, lease_expires_at = NULL
        WHERE id = $6
        """,
        [
          .text(outcome.status.rawValue), .text(Timestamp.now()), SQLValue(outcome.error),
          SQLValue(divergedEpoch), .integer(stoppedEarly), .integer(run),
        ])
    }
  }

  @discardableResult
  public func deleteRuns(_ ids: [Int64]) throws -> Int {
    try write { connection in
      try await connection.values(
        "WITH gone AS (DELETE FROM runs WHERE id = ANY($1::bigint[]) RETURNING id) SELECT COUNT(*) FROM gone",
        [.integers(ids)], as: Int.self
      ).first ?? 0
    }
  }

  @discardableResult
  public func deleteSweep(_ id: Int64) throws -> Int {
    try write { connection in
      let runs = try await connection.values(
        "SELECT COUNT(*) FROM runs WHERE sweep_id = $1", [.integer(id)], as: Int.self)
      try await connection.run("DELETE FROM sweeps WHERE id = $1", [.integer(id)])
      return runs.first ?? 0
    }
  }

  public func setTag(_ key: String, to value: String, of run: Int64) throws {
    try Tag.requirePrintable(key, value)
    try write { connection in
      _ = try await Self.lockedRun(run, connection)
      try await connection.run(
        """
        INSERT INTO tags (run_id, key, value) VALUES ($1, $2, $3)
        ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value
        """, [.integer(run), .text(key), .text(value)])
    }
  }

  @discardableResult
  public func removeTag(_ key: String, of run: Int64) throws -> Bool {
    try write { connection in
      _ = try await Self.lockedRun(run, connection)
      return
        !(try await connection.run(
          "DELETE FROM tags WHERE run_id = $1 AND key = $2 RETURNING key",
          [.integer(run), .text(key)]
        ).isEmpty)
    }
  }

  public func recordGradientCheck(
    _ layers: [(layer: Int, maxAbsDifference: Double, relativeDifference: Double)], of run: Int64,
    epoch: Int
  ) throws {
    try EpochRecord.validateGradientCheck(layers, of: run, epoch: epoch)
    let rows: [[SQLValue]] = layers.map {
      [
        .integer(run), .integer(Int64(epoch)), .integer(Int64($0.layer)),
        .real($0.maxAbsDifference), .real($0.relativeDifference),
      ]
    }
    try write { connection in
      _ = try await Self.lockedRun(run, connection)
      try await Self.insertRows(
        into: "gradient_checks",
        columns: ["run_id", "epoch", "layer", "max_abs_difference", "relative_difference"], rows,
        connection)
    }
  }

  // MARK: Claims

  /// Claims a `running` run of `sweep` whose lease has ended on the server's clock (reclaimed:
  /// resumed from its snapshot, its attempts counted), else the oldest `queued` one: one
  /// `UPDATE … WHERE id = COALESCE((SELECT … FOR UPDATE SKIP LOCKED), …) RETURNING`, its own
  /// transaction (no BEGIN and COMMIT: two round trips fewer), so workers never wait for each
  /// other's rows and never get the same run. The indexes of migration 0008 find either run
  /// without reading those claimed before it. Tried again after its connection dropped, a
  /// claim that had committed is found by its heartbeat and returned, not made twice.
  ///
  /// Nil when no run is left. A queued run another transaction holds locked for a moment is
  /// skipped, so a claim that finds none while one is still queued looks again for up to
  /// `lockedFor` seconds: another claim's recheck of a changed row (EvalPlanQual, which runs
  /// both sub-selects) locks a queued run it does not take until its statement ends.
  public func claimQueuedRun(in sweep: Int64) throws -> Run? {
    let deadline = Date().addingTimeInterval(Self.lockedFor)
    while true {
      if let run = try claimOnce(in: sweep) { return run }
      let queued = try read { connection in
        try await connection.values(
          "SELECT COUNT(*) FROM runs WHERE sweep_id = $1 AND status = 'queued'",
          [.integer(sweep)], as: Int64.self
        ).first ?? 0
      }
      guard queued > 0, Date() < deadline else { return nil }
      usleep(10_000)
    }
  }

  /// Seconds a claim looks again for a queued run that was locked when it looked.
  static let lockedFor: TimeInterval = 2

  private func claimOnce(in sweep: Int64) throws -> Run? {
    let process = process
    let claimedAt = Timestamp.now()
    let holder: [SQLValue] = [
      .text(process.host), .integer(Int64(process.pid)), .text(claimedAt), .integer(sweep),
    ]
    return try transaction(nil) { connection, retried in
      if retried,
        let row = try await connection.run(
          """
          SELECT * FROM runs WHERE host = $1 AND pid = $2 AND heartbeat_at = $3 AND sweep_id = $4
            AND status = 'running'
          """, holder
        ).first
      {
        return try Run(row: row)
      }
      let rows = try await connection.run(
        """
        UPDATE runs SET status = 'running', host = $1, pid = $2, heartbeat_at = $3,
          started_at = COALESCE(started_at, $3), finished_at = NULL, error = NULL,
          lease_expires_at = \(Self.serverTime(plus: "$5")), attempts = attempts + 1
        WHERE id = COALESCE(
          (SELECT id FROM runs
           WHERE sweep_id = $4 AND status = 'running'
             AND lease_expires_at < (SELECT \(Self.serverTime()))
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED),
          (SELECT id FROM runs WHERE sweep_id = $4 AND status = 'queued'
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED))
        RETURNING *
        """, holder + [.real(Lease.seconds)])
      return try rows.first.map(Run.init(row:))
    }
  }

  @discardableResult
  public func interruptStaleRuns(staleAfter: TimeInterval, isAlive: (Int) -> Bool) throws -> [Run] {
    let stale = try staleRuns(on: process.host, staleAfter: staleAfter, isAlive: isAlive)
    return try write { connection in
      var interrupted: [Run] = []
      for run in stale {
        let rows = try await connection.run(
          """
          UPDATE runs SET status = 'interrupted', error = $1
          WHERE id = $2 AND status = 'running' AND heartbeat_at IS NOT DISTINCT FROM $3
          RETURNING *
          """,
          [
            .text("its process stopped without finishing the run"), .integer(run.id),
            SQLValue(run.heartbeatAt),
          ])
        interrupted += try rows.map(Run.init(row:))
      }
      return interrupted
    }
  }
}
