import Foundation
import GRDBSQLite

/// Queries given as SQL text — the report catalog's and users' own — run on a connection of
/// their own that can only read: opened read-only, with an authorizer that lets a statement
/// compile only if it selects, reads, calls functions and asks read-only pragmas, one statement
/// at a time, within `QueryLimits`. Whatever the text says, the database is not changed.
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

  /// Runs the one SELECT in `sql` with its named parameters (`:name`) bound to `parameters`,
  /// handing its column names to `columns` once, then each row to `row` as it is read, so a
  /// large result is never held whole.
  /// - Throws: `TrackingError.refusedQuery` for anything but one reading statement;
  ///   `.invalidQuery` for SQL SQLite rejects or a parameter without a value (or a value
  ///   without a parameter); `.queryTimedOut` and `.queryOutOfMemory` past `queryLimits`;
  ///   `.locked`, `.damaged`, `.unusable` as for any read.
  public func select(
    _ sql: String, parameters: [String: SQLValue], columns: ([String]) throws -> Void,
    row: ([SQLValue]) throws -> Void
  ) throws {
    guard let path else {
      throw TrackingError.invalidQuery("queries run on a database file, not in memory")
    }
    let connection = try QueryConnection(path: path, opening: location, limits: queryLimits)
    let statement = try connection.prepare(sql)
    defer { sqlite3_finalize(statement) }
    try connection.bind(parameters, to: statement)
    let count = sqlite3_column_count(statement)
    try columns((0..<count).map { String(cString: sqlite3_column_name(statement, $0)) })
    while true {
      let code = connection.step(statement)
      if code == SQLITE_DONE { return }
      guard code == SQLITE_ROW else { throw connection.error(code) }
      try row((0..<count).map { QueryConnection.value(of: statement, at: $0) })
    }
  }
}

/// What a query given as SQL may spend; past either limit it stops with an error.
public struct QueryLimits: Sendable, Equatable {
  /// Seconds of work (time spent inside SQLite, not waiting for whoever reads the rows), or nil
  /// for no limit.
  public var seconds: Double?
  /// Bytes SQLite may allocate for the query, and the longest text or blob it may make.
  public var bytes: Int64

  public init(seconds: Double?, bytes: Int64 = 256 << 20) {
    self.seconds = seconds
    self.bytes = bytes
  }

  /// A minute and 256 MiB: far more than any report of the catalog needs.
  public static let standard = QueryLimits(seconds: 60)
}

/// A read-only SQLite connection that compiles only reading statements; closed on release.
final class QueryConnection {
  let handle: OpaquePointer
  /// The file, for errors.
  let path: String
  let limits: QueryLimits
  /// What the authorizer refused while the statement compiled (SQLite stops at the first).
  var refusal: String?
  /// Nanoseconds spent in `step` before the current call, and when the current call began.
  private var worked: UInt64 = 0
  private var stepStarted: UInt64 = 0
  /// Whether the progress handler stopped the query for `limits.seconds`.
  private var timedOut = false

  /// A connection to the file at `path`, or to what `location` names for it (a path or a
  /// `file:` URI, such as `immutableURI(path)`).
  init(path: String, opening location: String? = nil, limits: QueryLimits = .standard) throws {
    var handle: OpaquePointer?
    let code = sqlite3_open_v2(
      location ?? path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil)
    guard code == SQLITE_OK, let handle else {
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close_v2(handle)
      throw TrackingError.unusable(path: path, reason: "cannot be read (\(message))")
    }
    self.handle = handle
    self.path = path
    self.limits = limits
    sqlite3_busy_timeout(handle, Int32(RunDatabase.busyTimeout * 1000))
    sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, Int32(clamping: limits.bytes))
    if limits.seconds != nil {
      sqlite3_progress_handler(
        handle, 10_000, checkTime, Unmanaged.passUnretained(self).toOpaque())
    }
    sqlite3_create_function_v2(
      handle, "nnlab_process_gone", 2, SQLITE_UTF8, nil, processGone, nil, nil, nil)
    authorize()
  }

  /// Sets the authorizer that lets only reading statements compile.
  private func authorize() {
    sqlite3_set_authorizer(handle, authorizeReading, Unmanaged.passUnretained(self).toOpaque())
  }

  /// Declares the table of every pragma function (`pragma_table_info`, …). SQLite declares one
  /// when a statement first names it, through SQL that the authorizer would refuse as a change
  /// to the schema; declared beforehand, the authorizer judges the pragma itself.
  private func declarePragmaFunctions() {
    sqlite3_set_authorizer(handle, nil, nil)
    defer { authorize() }
    var list: OpaquePointer?
    sqlite3_prepare_v2(handle, "SELECT name FROM pragma_pragma_list", -1, &list, nil)
    defer { sqlite3_finalize(list) }
    while sqlite3_step(list) == SQLITE_ROW, let name = sqlite3_column_text(list, 0) {
      var statement: OpaquePointer?
      sqlite3_prepare_v2(
        handle, "SELECT * FROM pragma_\(String(cString: name))", -1, &statement, nil)
      sqlite3_finalize(statement)
    }
  }

  deinit { sqlite3_close_v2(handle) }

  /// The file at `path` read as it is on disk, with no lock and no `-wal` or `-shm` file made
  /// (SQLite's `immutable=1`), for a file no writer is at work on.
  static func immutableURI(_ path: String) -> String {
    // file:///abs/path, or file:relative/path
    "file:\(path.hasPrefix("/") ? "//" : "")\(uriEscaped(path))?immutable=1"
  }

  /// `path` with the characters a URI filename gives a meaning to percent-encoded.
  private static func uriEscaped(_ path: String) -> String {
    path.utf8.map { byte in
      let character = Character(Unicode.Scalar(byte))
      return byte < 0x80 && !"%?#\"".contains(character) && byte > 0x20
        ? String(character) : String(format: "%%%02X", byte)
    }.joined()
  }

  /// `sqlite3_step`, with the time it takes counted against `limits.seconds` and the memory it
  /// allocates held to `limits.bytes` more than SQLite used before. The heap limit is the
  /// process's: it is set only while a step runs, and nnlab runs no other SQLite work in a
  /// process while it runs a query.
  func step(_ statement: OpaquePointer) -> Int32 {
    let heapLimit = sqlite3_hard_heap_limit64(-1)
    sqlite3_hard_heap_limit64(sqlite3_memory_used() + limits.bytes)
    stepStarted = DispatchTime.now().uptimeNanoseconds
    defer {
      worked += DispatchTime.now().uptimeNanoseconds - stepStarted
      sqlite3_hard_heap_limit64(heapLimit)
    }
    return sqlite3_step(statement)
  }

  /// Whether the query has worked past `limits.seconds` (the progress handler asks).
  fileprivate func isPastTimeLimit() -> Bool {
    guard let seconds = limits.seconds else { return false }
    let now = DispatchTime.now().uptimeNanoseconds
    timedOut = Double(worked + now - stepStarted) / 1e9 > seconds
    return timedOut
  }

  /// The first column of every row of `sql` as text (no parameters).
  func texts(_ sql: String) throws -> [String] {
    let statement = try prepare(sql)
    defer { sqlite3_finalize(statement) }
    var texts: [String] = []
    while true {
      let code = step(statement)
      if code == SQLITE_DONE { return texts }
      guard code == SQLITE_ROW else { throw error(code) }
      texts.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
    }
  }

  /// Compiles the first statement of `sql`, refusing it unless it only reads and is alone.
  func prepare(_ sql: String) throws -> OpaquePointer {
    if sql.range(of: "pragma_", options: .caseInsensitive) != nil { declarePragmaFunctions() }
    return try sql.withCString { text in
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
    // A pragma function runs its pragma as it steps, under the authorizer.
    case _ where refusal != nil: return .refusedQuery(refusal ?? "")
    case SQLITE_INTERRUPT where timedOut:
      return .queryTimedOut(path: path, seconds: limits.seconds ?? 0)
    case SQLITE_NOMEM, SQLITE_TOOBIG: return .queryOutOfMemory(path: path, bytes: limits.bytes)
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

/// The progress handler of a `QueryConnection` with a time limit: non-zero stops the query.
private func checkTime(_ context: UnsafeMutableRawPointer?) -> Int32 {
  guard let context else { return 0 }
  return Unmanaged<QueryConnection>.fromOpaque(context).takeUnretainedValue().isPastTimeLimit()
    ? 1 : 0
}

/// The pragmas that only report (the schema, the build) and change nothing, whatever their
/// argument: a query may ask them, as `PRAGMA table_info(runs)` or `pragma_table_info('runs')`;
/// any other pragma is refused (some change settings or the file when given a value).
private let reportingPragmas: Set = [
  "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
  "foreign_key_list", "database_list", "collation_list", "function_list", "module_list",
  "pragma_list", "compile_options",
]

/// The authorizer of a `QueryConnection`: selecting, reading, calling functions, recursive
/// common table expressions and the `reportingPragmas` compile; anything else is denied and
/// named.
private func authorizeReading(
  _ context: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
  _ second: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?
) -> Int32 {
  guard let context else { return SQLITE_DENY }
  let connection = Unmanaged<QueryConnection>.fromOpaque(context).takeUnretainedValue()
  switch action {
  case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
    return SQLITE_OK
  case SQLITE_PRAGMA
  where first.map { reportingPragmas.contains(String(cString: $0).lowercased()) } == true:
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
  let gone = ProcessIdentity.isGone(
    host: String(cString: host), pid: Int(sqlite3_value_int64(values[1])), here: thisHost)
  sqlite3_result_int(context, gone ? 1 : 0)
}
