import Foundation

/// A sweep or runs read from one store to be written into another (`nnlab db copy`): every
/// row as the source holds it, each value of the same type and bits, but for the ids, which
/// the target gives anew.
public struct RunCopy: Sendable {
  /// A run's row without its id and sweep, and the rows of its tables.
  public struct CopiedRun: Sendable {
    public var sourceID: Int64
    public var columns: [String: SQLValue]
    /// The rows of `RunCopy.runTables`, by table, each without its run id.
    public var rows: [String: [[String: SQLValue]]]
  }

  /// The sweep's row without its id; nil when runs are copied without their sweep.
  public var sweep: [String: SQLValue]?
  public var runs: [CopiedRun]

  /// The tables holding a run's rows, parents before children.
  public static let runTables = [
    "epochs", "layer_epochs", "weight_snapshots", "gradient_checks", "tags",
  ]

  /// Reads the sweep `sweep` with its runs, or the one run `run`, or (both nil) every sweep
  /// and run of `store`, as one copy per sweep (and one for the runs of no sweep).
  /// - Throws: `TrackingError.sweepNotFound`, `.runNotFound`, `.olderDatabase`.
  public static func read(
    from store: any RunStore, sweep: Int64? = nil, run: Int64? = nil
  ) throws -> [RunCopy] {
    try store.requireCurrentSchema()
    if let run {
      _ = try store.run(run)
      return [RunCopy(sweep: nil, runs: [try read(run: run, from: store)])]
    }
    let sweeps = try sweep.map { [try store.existingSweep($0)] } ?? store.sweeps()
    var copies = try sweeps.map { sweep in
      RunCopy(
        sweep: try rows("SELECT * FROM sweeps WHERE id = :id", ["id": .integer(sweep.id)], store)
          .first.map(withoutID),
        runs: try store.runs(RunQuery(sweep: sweep.id)).map { try read(run: $0.id, from: store) })
    }
    if sweep == nil {
      let loose = try rows("SELECT id FROM runs WHERE sweep_id IS NULL ORDER BY id", [:], store)
      if !loose.isEmpty {
        copies.append(
          RunCopy(
            sweep: nil,
            runs: try loose.compactMap { $0["id"].flatMap(\.integer) }.map {
              try read(run: $0, from: store)
            }))
      }
    }
    return copies
  }

  private static func read(run: Int64, from store: any RunStore) throws -> CopiedRun {
    let parameters: [String: SQLValue] = ["run": .integer(run)]
    guard var columns = try rows("SELECT * FROM runs WHERE id = :run", parameters, store).first
    else { throw TrackingError.runNotFound(run) }
    columns["id"] = nil
    columns["sweep_id"] = nil
    var tables: [String: [[String: SQLValue]]] = [:]
    for table in runTables {
      tables[table] = try rows(
        "SELECT * FROM \(table) WHERE run_id = :run", parameters, store
      ).map {
        var row = $0
        row["run_id"] = nil
        return row
      }
    }
    return CopiedRun(sourceID: run, columns: columns, rows: tables)
  }

  private static func rows(
    _ sql: String, _ parameters: [String: SQLValue], _ store: any RunStore
  ) throws -> [[String: SQLValue]] {
    let result = try store.select(sql, parameters: parameters)
    return result.rows.map { Dictionary(uniqueKeysWithValues: zip(result.columns, $0)) }
  }

  private static func withoutID(_ row: [String: SQLValue]) -> [String: SQLValue] {
    var row = row
    row["id"] = nil
    return row
  }
}

extension SQLValue {
  /// The value as an integer, when it is one.
  public var integer: Int64? {
    if case .integer(let value) = self { value } else { nil }
  }
}

extension RunCopy {
  /// What writing a copy gave: the new sweep's id, and each run's id in the source and in the
  /// target.
  public struct Written: Sendable, Equatable {
    public var sweep: Int64?
    public var runs: [(from: Int64, to: Int64)]

    public static func == (a: Self, b: Self) -> Bool {
      a.sweep == b.sweep && a.runs.map(\.from) == b.runs.map(\.from)
        && a.runs.map(\.to) == b.runs.map(\.to)
    }
  }

  /// The columns and values of `row`, in one order, with `extra` added.
  static func columns(
    _ row: [String: SQLValue], adding extra: [String: SQLValue] = [:]
  ) -> (names: [String], values: [SQLValue]) {
    let sorted = row.merging(extra) { $1 }.sorted { $0.key < $1.key }
    return (sorted.map(\.key), sorted.map(\.value))
  }
}
