import Foundation
import GRDB
import PostgresNIO

/// The read path on PostgreSQL: the queries of `RunDatabase+Reads`, decoded into the same
/// records.
extension PostgresRunStore {
  /// The records `sql` selects.
  private func fetch<Record: FetchableRecord & Sendable>(
    _ sql: String, _ parameters: [SQLValue] = [], as type: Record.Type
  ) throws -> [Record] {
    try read { connection in try await connection.run(sql, parameters).map(Record.init(row:)) }
  }

  private func values<T: DatabaseValueConvertible & Sendable>(
    _ sql: String, _ parameters: [SQLValue] = [], as type: T.Type
  ) throws -> [T] {
    try read { connection in try await connection.values(sql, parameters, as: T.self) }
  }

  public func run(_ id: Int64) throws -> Run {
    guard
      let run = try fetch("SELECT * FROM runs WHERE id = $1", [.integer(id)], as: Run.self).first
    else { throw TrackingError.runNotFound(id) }
    return run
  }

  public func runs(_ query: RunQuery) throws -> [Run] {
    var conditions: [String] = []
    var parameters: [SQLValue] = []
    func bind(_ value: SQLValue) -> String {
      parameters.append(value)
      return "$\(parameters.count)"
    }
    if let sweep = query.sweep { conditions.append("sweep_id = \(bind(.integer(sweep)))") }
    if let statuses = query.statuses {
      let list = "{" + statuses.map(\.rawValue).joined(separator: ",") + "}"
      conditions.append("status = ANY(\(bind(.text(list)))::text[])")
    }
    if let ids = query.ids { conditions.append("id = ANY(\(bind(.integers(ids)))::bigint[])") }
    var sql = "SELECT * FROM runs"
    if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
    // Runs without a value last, either way, as on SQLite.
    sql += " ORDER BY \(query.sort.rawValue) \(query.descending ? "DESC" : "ASC") NULLS LAST, id"
    if let limit = query.limit { sql += " LIMIT \(bind(.integer(Int64(limit))))" }
    return try fetch(sql, parameters, as: Run.self)
  }

  public func statusCounts(in sweep: Int64?) throws -> [RunStatus: Int] {
    try read { connection in
      let rows = try await connection.run(
        "SELECT status, COUNT(id) AS n FROM runs WHERE $1::bigint IS NULL OR sweep_id = $1 GROUP BY status",
        [SQLValue(sweep)])
      return Dictionary(
        uniqueKeysWithValues: rows.map { (RunStatus(rawValue: $0["status"]) ?? .queued, $0["n"]) })
    }
  }

  public func epochs(of run: Int64) throws -> [Epoch] {
    try fetch(
      "SELECT * FROM epochs WHERE run_id = $1 ORDER BY epoch", [.integer(run)], as: Epoch.self)
  }

  public func epoch(_ epoch: Int, of run: Int64) throws -> Epoch? {
    try fetch(
      "SELECT * FROM epochs WHERE run_id = $1 AND epoch = $2",
      [.integer(run), .integer(Int64(epoch))],
      as: Epoch.self
    ).first
  }

  public func layerEpochs(of run: Int64) throws -> [LayerEpoch] {
    try fetch(
      "SELECT * FROM layer_epochs WHERE run_id = $1 ORDER BY epoch, layer", [.integer(run)],
      as: LayerEpoch.self)
  }

  public func snapshot(of run: Int64, atOrBefore epoch: Int?) throws -> [WeightSnapshot] {
    try fetch(
      """
      SELECT * FROM weight_snapshots WHERE run_id = $1 AND epoch = (
        SELECT MAX(epoch) FROM weight_snapshots WHERE run_id = $1 AND ($2::bigint IS NULL OR epoch <= $2))
      ORDER BY layer
      """, [.integer(run), SQLValue(epoch.map(Int64.init))], as: WeightSnapshot.self)
  }

  public func snapshotEpochs(of run: Int64) throws -> [Int] {
    try values(
      "SELECT DISTINCT epoch FROM weight_snapshots WHERE run_id = $1 ORDER BY epoch",
      [.integer(run)], as: Int.self)
  }

  public func gradientChecks(of run: Int64) throws -> [GradientCheckRow] {
    try fetch(
      "SELECT * FROM gradient_checks WHERE run_id = $1 ORDER BY epoch, layer", [.integer(run)],
      as: GradientCheckRow.self)
  }

  public func tags(of run: Int64) throws -> [String: String] {
    Dictionary(
      uniqueKeysWithValues: try fetch(
        "SELECT * FROM tags WHERE run_id = $1", [.integer(run)], as: Tag.self
      ).map { ($0.key, $0.value) })
  }

  public func sweep(_ id: Int64?) throws -> Sweep? {
    try fetch(
      "SELECT * FROM sweeps WHERE $1::bigint IS NULL OR id = $1 ORDER BY id DESC LIMIT 1",
      [SQLValue(id)], as: Sweep.self
    ).first
  }

  public func sweeps() throws -> [Sweep] {
    try fetch("SELECT * FROM sweeps ORDER BY id", as: Sweep.self)
  }

  public func dataSources() throws -> [String] {
    try values(
      "SELECT DISTINCT data_source FROM runs WHERE data_source IS NOT NULL", as: String.self)
  }
}
