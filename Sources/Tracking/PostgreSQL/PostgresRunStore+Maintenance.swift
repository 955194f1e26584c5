import Foundation
import GRDB
import PostgresNIO

/// `nnlab db info`, `check` and `vacuum` on PostgreSQL.
extension PostgresRunStore {
  public var knownMigrations: [String] { Self.knownMigrations }

  public func info() throws -> DatabaseInfo {
    let location = location
    return try read { connection in
      let applied = try await connection.values(
        "SELECT identifier FROM nnlab_migrations ORDER BY identifier", as: String.self)
      let version = try await connection.values("SHOW server_version", as: String.self).first
      let size = try await connection.values(
        "SELECT pg_database_size(current_database())", as: Int64.self
      ).first
      var tables: [DatabaseInfo.TableRows] = []
      for table in RunDatabase.tables {
        let rows = try await connection.values("SELECT COUNT(*) FROM \(table)", as: Int.self)
        tables.append(DatabaseInfo.TableRows(table: table, rows: rows.first ?? 0))
      }
      return DatabaseInfo(
        path: location.description, fileSize: size, walSize: nil,
        engine: "PostgreSQL \(version ?? "?")", journalMode: nil, appliedMigrations: applied,
        pendingMigrations: Self.knownMigrations.filter { !applied.contains($0) }, tables: tables)
    }
  }

  /// The server keeps the schema's checks and foreign keys itself; this reads every table
  /// whole and reports a constraint left unvalidated and a snapshot whose size is not
  /// rows × cols × 8 bytes.
  public func check() throws -> [String] {
    try read { connection in
      var problems: [String] = []
      for table in RunDatabase.tables {
        _ = try await connection.run("SELECT COUNT(*) FROM (SELECT * FROM \(table)) AS rows_read")
      }
      for name in try await connection.values(
        """
        SELECT conname::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = current_schema() AND NOT c.convalidated
        """, as: String.self)
      {
        problems.append("the constraint \(name) is not validated")
      }
      let wrong =
        try await connection.values(
          "SELECT COUNT(*) FROM weight_snapshots WHERE octet_length(data) <> rows * cols * 8",
          as: Int.self
        ).first ?? 0
      if wrong > 0 { problems.append("\(wrong) weight snapshots have the wrong size") }
      return problems
    }
  }

  /// `VACUUM`, which runs outside a transaction.
  public func vacuum() throws {
    _ = try translatingErrors {
      try session.wait { connection in _ = try await connection.simpleQuery("VACUUM").get() }
    }
  }
}
