import Foundation
import GRDBSQLite

/// Queries given as SQL text — the report catalog's and users' own — run on a connection of
/// their own that can only read: opened read-only, with an authorizer that lets a statement
/// compile only if it selects, reads and calls functions, one statement at a time. Whatever
/// the text says, the database is not changed.
extension RunDatabase {
  /// Refuses a database without all of this build's migrations: the catalog's queries name
  /// the current schema's columns (a read-only command does not migrate).
  /// - Throws: `TrackingError.olderDatabase`.
  public func requireCurrentSchema() throws {
    let applied = try read { db in try Self.migrator.appliedIdentifiers(db) }
    let missing = Self.knownMigrations.filter { !applied.contains($0) }
    guard missing.isEmpty else {
      throw TrackingError.olderDatabase(
        path: path ?? "the in-memory database", missingMigrations: missing)
    }
  }

  /// Runs the one SELECT in `sql` with its named parameters (`:name`) bound to `parameters`
  /// and returns its columns and rows.
  /// - Throws: `TrackingError.refusedQuery` for anything but one reading statement;
  ///   `.invalidQuery` for SQL SQLite rejects or a parameter without a value (or a value
  ///   without a parameter); `.locked`, `.damaged`, `.unusable` as for any read.
  public func select(_ sql: String, parameters: [String: SQLValue] = [:]) throws -> QueryResult {
    var result = QueryResult(columns: [], rows: [])
    try select(sql, parameters: parameters) {
      result.columns = $0
    } row: {
      result.rows.append($0)
    }
    return result
  }

  /// Runs the one SELECT in `sql` like `select(_:parameters:)`, handing its column names to
  /// `columns` once, then each row to `row` as it is read, so a large result is never held whole.
  public func select(
    _ sql: String, parameters: [String: SQLValue] = [:], columns: ([String]) throws -> Void,
    row: ([SQLValue]) throws -> Void
  ) throws {
    guard let path else {
      throw TrackingError.invalidQuery("queries run on a database file, not in memory")
    }
    let connection = try QueryConnection(path: path)
    let statement = try connection.prepare(sql)
    defer { sqlite3_finalize(statement) }
    try connection.bind(parameters, to: statement)
    let count = sqlite3_column_count(statement)
    try columns((0..<count).map { String(cString: sqlite3_column_name(statement, $0)) })
    while true {
      let code = sqlite3_step(statement)
      if code == SQLITE_DONE { return }
      guard code == SQLITE_ROW else { throw connection.error(code) }
      try row((0..<count).map { QueryConnection.value(of: statement, at: $0) })
    }
  }
}

/// A read-only SQLite connection that compiles only reading statements; closed on release.
final class QueryConnection {
  let handle: OpaquePointer
  /// The file, for errors.
  let path: String
  /// What the authorizer refused while the statement compiled (SQLite stops at the first).
  var refusal: String?

  /// A connection to the file at `path`; `immutable`: read as it is on disk, with no lock and
  /// no `-wal` or `-shm` file made (SQLite's `immutable=1`), for a file not in use.
  init(path: String, immutable: Bool = false) throws {
    var handle: OpaquePointer?
    let code =
      immutable
      ? sqlite3_open_v2(
        // file:///abs/path, or file:relative/path
        "file:\(path.hasPrefix("/") ? "//" : "")\(Self.uriEscaped(path))?immutable=1", &handle,
        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil)
      : sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil)
    guard code == SQLITE_OK, let handle else {
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close_v2(handle)
      throw TrackingError.unusable(path: path, reason: "cannot be read (\(message))")
    }
    self.handle = handle
    self.path = path
    sqlite3_busy_timeout(handle, Int32(RunDatabase.busyTimeout * 1000))
    sqlite3_create_function_v2(
      handle, "nnlab_process_gone", 2, SQLITE_UTF8, nil, processGone, nil, nil, nil)
    sqlite3_set_authorizer(handle, authorizeReading, Unmanaged.passUnretained(self).toOpaque())
  }

  deinit { sqlite3_close_v2(handle) }

  /// `path` with the characters a URI filename gives a meaning to percent-encoded.
  private static func uriEscaped(_ path: String) -> String {
    path.utf8.map { byte in
      let character = Character(Unicode.Scalar(byte))
      return byte < 0x80 && !"%?#\"".contains(character) && byte > 0x20
        ? String(character) : String(format: "%%%02X", byte)
    }.joined()
  }

  /// The first column of every row of `sql` as text (no parameters).
  func texts(_ sql: String) throws -> [String] {
    let statement = try prepare(sql)
    defer { sqlite3_finalize(statement) }
    var texts: [String] = []
    while true {
      let code = sqlite3_step(statement)
      if code == SQLITE_DONE { return texts }
      guard code == SQLITE_ROW else { throw error(code) }
      texts.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
    }
  }

  /// Compiles the first statement of `sql`, refusing it unless it only reads and is alone.
  func prepare(_ sql: String) throws -> OpaquePointer {
    try sql.withCString { text in
      var statement: OpaquePointer?
      var tail: UnsafePointer<CChar>?
      let code = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
      guard code == SQLITE_OK else {
        if let refusal { throw TrackingError.refusedQuery(refusal) }
        // The file, not the query, when SQLite cannot read the schema.
        if [
          SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN,
        ]
        .contains(code & 0xFF) {
          throw error(code)
        }
        throw TrackingError.invalidQuery(String(cString: sqlite3_errmsg(handle)))
      }
      guard let statement else { throw TrackingError.invalidQuery("the query is empty") }
      // Only whitespace and comments may follow: compiled (never run, and under the same
      // authorizer), anything else is a second statement.
      var next: OpaquePointer?
      let nextCode = sqlite3_prepare_v2(handle, tail, -1, &next, nil)
      sqlite3_finalize(next)
      guard nextCode == SQLITE_OK, next == nil else {
        sqlite3_finalize(statement)
        throw TrackingError.refusedQuery("several statements (one SELECT at a time)")
      }
      guard sqlite3_stmt_readonly(statement) != 0 else {
        sqlite3_finalize(statement)
        throw TrackingError.refusedQuery("a statement that writes")
      }
      return statement
    }
  }

  /// Binds each named parameter of `statement` to its value in `parameters`.
  func bind(_ parameters: [String: SQLValue], to statement: OpaquePointer) throws {
    var unused = Set(parameters.keys)
    for index in stride(from: 1, through: sqlite3_bind_parameter_count(statement), by: 1) {
      guard let cName = sqlite3_bind_parameter_name(statement, index) else {
        throw TrackingError.invalidQuery("a parameter without a name (?): name it, as :sweep")
      }
      let name = String(String(cString: cName).dropFirst())
      guard let value = parameters[name] else {
        throw TrackingError.invalidQuery("the query's parameter :\(name) has no value")
      }
      unused.remove(name)
      let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
      switch value {
      case .null: sqlite3_bind_null(statement, index)
      case .integer(let value): sqlite3_bind_int64(statement, index, value)
      case .real(let value): sqlite3_bind_double(statement, index, value)
      case .text(let value): sqlite3_bind_text(statement, index, value, -1, transient)
      case .blob(let value):
        _ = value.withUnsafeBytes {
          sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient)
        }
      }
    }
    if let name = unused.sorted().first {
      throw TrackingError.invalidQuery("the query has no parameter :\(name)")
    }
  }

  /// The error SQLite reported for a step that failed with `code`.
  func error(_ code: Int32) -> TrackingError {
    let message = String(cString: sqlite3_errmsg(handle))
    switch code & 0xFF {
    case SQLITE_BUSY, SQLITE_LOCKED: return .locked(path: path)
    case SQLITE_CORRUPT, SQLITE_NOTADB: return .damaged(path: path, reason: message)
    case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PERM: return .unusable(path: path, reason: message)
    default: return .invalidQuery(message)
    }
  }

  /// The value in column `index` of the current row.
  static func value(of statement: OpaquePointer, at index: Int32) -> SQLValue {
    switch sqlite3_column_type(statement, index) {
    case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
    case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
    case SQLITE_TEXT:
      let bytes = UnsafeRawBufferPointer(
        start: sqlite3_column_text(statement, index),
        count: Int(sqlite3_column_bytes(statement, index)))
      return .text(String(decoding: bytes, as: UTF8.self))
    case SQLITE_BLOB:
      let count = Int(sqlite3_column_bytes(statement, index))
      guard count > 0, let bytes = sqlite3_column_blob(statement, index) else {
        return .blob(Data())
      }
      return .blob(Data(bytes: bytes, count: count))
    default: return .null
    }
  }
}

/// The authorizer of a `QueryConnection`: selecting, reading, calling functions and
/// recursive common table expressions compile; anything else is denied and named.
private func authorizeReading(
  _ context: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
  _ second: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?
) -> Int32 {
  guard let context else { return SQLITE_DENY }
  let connection = Unmanaged<QueryConnection>.fromOpaque(context).takeUnretainedValue()
  switch action {
  case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
    return SQLITE_OK
  default:
    let object = (first ?? second).map { String(cString: $0) }
    let change =
      (deniedActions[action] ?? "an operation that is not a read") + (object.map { " " + $0 } ?? "")
    // DROP, CREATE and the like first write SQLite's own table of the schema.
    connection.refusal =
      object?.hasPrefix("sqlite_") == true ? "a change to the schema (\(change))" : change
    return SQLITE_DENY
  }
}

/// Names of what the authorizer refuses, for the message.
private let deniedActions: [Int32: String] = [
  SQLITE_INSERT: "INSERT into", SQLITE_UPDATE: "UPDATE of", SQLITE_DELETE: "DELETE from",
  SQLITE_CREATE_TABLE: "CREATE TABLE", SQLITE_CREATE_TEMP_TABLE: "CREATE TEMP TABLE",
  SQLITE_CREATE_INDEX: "CREATE INDEX", SQLITE_CREATE_VIEW: "CREATE VIEW",
  SQLITE_CREATE_TRIGGER: "CREATE TRIGGER", SQLITE_DROP_TABLE: "DROP TABLE",
  SQLITE_DROP_INDEX: "DROP INDEX", SQLITE_DROP_VIEW: "DROP VIEW",
  SQLITE_DROP_TRIGGER: "DROP TRIGGER", SQLITE_ALTER_TABLE: "ALTER TABLE",
  SQLITE_PRAGMA: "PRAGMA", SQLITE_ATTACH: "ATTACH", SQLITE_DETACH: "DETACH",
  SQLITE_TRANSACTION: "a transaction", SQLITE_SAVEPOINT: "a savepoint",
  SQLITE_REINDEX: "REINDEX", SQLITE_ANALYZE: "ANALYZE",
  SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE",
  SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE",
]

/// This machine's name, as runs record it (looked up once: it may ask the resolver).
private let thisHost = ProcessIdentity.current.host

/// The SQL function `nnlab_process_gone(host, pid)`: 1 when a run's process ran on this machine
/// and is no longer alive, else 0 (and for another machine's run, which cannot be checked).
/// The `runs` report shows such a run as interrupted at once, before its heartbeat is old.
private func processGone(
  _ context: OpaquePointer?, _ count: Int32, _ values: UnsafeMutablePointer<OpaquePointer?>?
) {
  guard count == 2, let values, let host = sqlite3_value_text(values[0]),
    sqlite3_value_type(values[1]) == SQLITE_INTEGER
  else { return sqlite3_result_int(context, 0) }
  let pid = Int(sqlite3_value_int64(values[1]))
  let gone = String(cString: host) == thisHost && !ProcessIdentity.isAlive(pid: pid)
  sqlite3_result_int(context, gone ? 1 : 0)
}
