import Foundation
import GRDB

/// What `nnlab db info` shows.
public struct DatabaseInfo: Sendable, Codable, Equatable {
  public var path: String?
  /// Bytes of the database file and of its write-ahead log.
  public var fileSize: Int64?
  public var walSize: Int64?
  public var sqliteVersion: String
  public var journalMode: String
  public var appliedMigrations: [String]
  public var pendingMigrations: [String]
  /// Rows per table, in schema order.
  public var tables: [TableRows]

  public struct TableRows: Sendable, Codable, Equatable {
    public var table: String
    public var rows: Int
  }
}

/// `nnlab db info`, `check` and `vacuum`.
extension RunDatabase {
  /// The tables of the schema, in the order of the migrations.
  public static let tables = [
    "sweeps", "runs", "epochs", "layer_epochs", "weight_snapshots", "gradient_checks", "tags",
  ]

  /// Path, sizes, SQLite version, journal mode, migrations and rows per table.
  public func info() throws -> DatabaseInfo {
    try read { db in
      let applied = try Self.migrator.appliedMigrations(db)
      let existing = try Set(
        String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
      let tables = try Self.tables.filter(existing.contains).map { table in
        DatabaseInfo.TableRows(
          table: table, rows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0)
      }
      return DatabaseInfo(
        path: path,
        fileSize: path.flatMap(Self.fileSize),
        walSize: path.flatMap { Self.fileSize($0 + "-wal") },
        sqliteVersion: try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?",
        journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?",
        appliedMigrations: applied,
        pendingMigrations: Self.migrator.migrations.filter { !applied.contains($0) },
        tables: tables)
    }
  }

  private static func fileSize(_ path: String) -> Int64? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
  }

  /// The problems `PRAGMA integrity_check` and `PRAGMA foreign_key_check` find; empty when none.
  public func check() throws -> [String] {
    try read { db in
      let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
      let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
        "row \(row["rowid"] as Int64? ?? 0) of \(row["table"] as String? ?? "?") refers to a missing row of \(row["parent"] as String? ?? "?")"
      }
      return integrity + foreignKeys
    }
  }

  /// Rebuilds the file without its free pages (after deleting runs).
  public func vacuum() throws {
    try translatingErrors { try writer.vacuum() }
  }
}
