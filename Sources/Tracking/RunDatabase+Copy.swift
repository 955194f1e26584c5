import GRDB

extension RunDatabase {
  /// Writes `copy` in one transaction: the sweep and its runs get new ids.
  public func write(_ copy: RunCopy) throws -> RunCopy.Written {
    try write { db in
      func insert(
        _ table: String, _ row: [String: SQLValue], adding extra: [String: SQLValue] = [:]
      )
        throws
      {
        let (names, values) = RunCopy.columns(row, adding: extra)
        try db.execute(
          sql:
            "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
          arguments: StatementArguments(values.map(\.databaseValue)))
      }
      var sweep: Int64?
      if let row = copy.sweep {
        try insert("sweeps", row)
        sweep = db.lastInsertedRowID
      }
      var runs: [(from: Int64, to: Int64)] = []
      for run in copy.runs {
        try insert("runs", run.columns, adding: ["sweep_id": SQLValue(sweep)])
        let id = db.lastInsertedRowID
        for table in RunCopy.runTables {
          for row in run.rows[table] ?? [] {
            try insert(table, row, adding: ["run_id": .integer(id)])
          }
        }
        runs.append((run.sourceID, id))
      }
      return RunCopy.Written(sweep: sweep, runs: runs)
    }
  }
}
