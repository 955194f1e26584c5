import PostgresNIO

extension PostgresRunStore {
  /// Writes `copy` in one transaction: the sweep and its runs get new ids; a run's rows go in
  /// one multi-row insert per table.
  public func write(_ copy: RunCopy) throws -> RunCopy.Written {
    try transaction("BEGIN", stallAfter: nil) { connection, _ in
      /// Inserts the row of a sweep or run; its new id.
      func insert(_ table: String, _ row: [String: SQLValue], adding extra: [String: SQLValue])
        async throws -> Int64
      {
        let (names, values) = RunCopy.columns(row, adding: extra)
        let placeholders = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
        let ids = try await connection.values(
          "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders)) RETURNING id",
          values, as: Int64.self)
        guard let id = ids.first else { throw TrackingError.invalidValue("\(table): no id given") }
        return id
      }
      var sweep: Int64?
      if let row = copy.sweep { sweep = try await insert("sweeps", row, adding: [:]) }
      var runs: [(from: Int64, to: Int64)] = []
      for run in copy.runs {
        let id = try await insert("runs", run.columns, adding: ["sweep_id": SQLValue(sweep)])
        for table in RunCopy.runTables {
          let rows = (run.rows[table] ?? []).map {
            RunCopy.columns($0, adding: ["run_id": .integer(id)])
          }
          guard let columns = rows.first?.names else { continue }
          try await Self.insertRows(into: table, columns: columns, rows.map(\.values), connection)
        }
        runs.append((run.sourceID, id))
      }
      return RunCopy.Written(sweep: sweep, runs: runs)
    }
  }
}
