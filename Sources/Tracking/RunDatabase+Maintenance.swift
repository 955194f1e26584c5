import Foundation
import GRDB

/// What `nnlab db info` shows.
public struct DatabaseInfo: Sendable, Codable, Equatable {
  public var path: String?
  /// Bytes of the database file and of its write-ahead log.
  public var fileSize: Int64?
  public var walSize: Int64?
  /// The database engine and its version: `SQLite 3.40.1`, `PostgreSQL 15.18`.
  public var engine: String
  /// SQLite's journal mode (`wal`); nil on PostgreSQL.
  public var journalMode: String?
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

  public var knownMigrations: [String] { Self.knownMigrations }

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
        engine: "SQLite " + (try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?"),
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
  /// On a damaged file SQLite may report some problems and then fail: both are returned.
  public func check() throws -> [String] {
    try read { db in
      var problems: [String] = []
      do {
        let integrity = try String.fetchCursor(db, sql: "PRAGMA integrity_check")
        while let line = try integrity.next() {
          if line != "ok" { problems.append(line) }
        }
        let foreignKeys = try Row.fetchCursor(db, sql: "PRAGMA foreign_key_check")
        while let row = try foreignKeys.next() {
          let table: String = row["table"] ?? "?"
          let parent: String = row["parent"] ?? "?"
          problems.append("a row of \(table) refers to a missing row of \(parent)")
        }
      } catch let error as DatabaseError {
        problems.append(error.message ?? "\(error)")
      }
      return problems
    }
  }

  /// Rebuilds the file without its free pages (after deleting runs).
  public func vacuum() throws {
    try translatingErrors { try writer.vacuum() }
  }
}
