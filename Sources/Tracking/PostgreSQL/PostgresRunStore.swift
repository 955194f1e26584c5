import Foundation
import GRDB
import Logging
import PostgresNIO

/// The PostgreSQL backend of `RunStore`: one database on a server that workers on many
/// machines share, through PostgresNIO's `PostgresClient` and its pool.
///
/// The schema and its meaning are SQLite's (`migrations/`, with `migrations/postgresql/` where
/// the dialect must differ), so the records decode through the same GRDB rows. Each write is
/// one transaction; a call that loses its connection (a server restarting, a dropped link) is
/// tried again with backoff for `reconnectingFor` seconds, and a write that may have committed
/// before the link dropped is recognised when tried again.
public struct PostgresRunStore: Sendable {
  let session: PostgresSession
  /// The URL without its password.
  public var path: String? { location.description }
  public let location: PostgresLocation
  public let process: ProcessIdentity
  public var queryLimits = QueryLimits.standard
  /// Seconds a call that lost its connection is tried again for.
  let reconnectingFor: TimeInterval

  /// The advisory lock migrations take: "nnlb", as SQLite's application_id.
  static let migrationLock: Int64 = 0x6E6E_6C62

  /// Opens the database at `url`, refusing what nnlab must not touch.
  /// - Throws: `TrackingError.invalidSetting` for a URL that cannot be used; `.unusable` when
  ///   the server cannot be reached, refuses the login or lacks the database (all naming the
  ///   URL without its password); `.missingDatabase` for a database without nnlab's tables
  ///   (unless `access` is `.readWrite`, which makes them); `.notAnNNLabDatabase` for another
  ///   application's; `.newerDatabase` for a newer nnlab's.
  public static func open(
    url: String, access: DatabaseAccess = .readWrite, as process: ProcessIdentity = .current,
    reconnectingFor: TimeInterval? = nil
  ) throws -> PostgresRunStore {
    let location = try PostgresLocation(url: url)
    let store = PostgresRunStore(
      session: PostgresSession(location: location),
      location: location, process: process, reconnectingFor: 0)
    let patience =
      reconnectingFor ?? Double(location.connectTimeout.components.seconds)
    do {
      try store.translatingErrors { try store.session.probe() }
      let applied = try store.appliedMigrations()
      guard let applied else {
        guard access == .readWrite else {
          throw TrackingError.missingDatabase(path: location.description)
        }
        try store.migrate()
        return store.reconnecting(for: patience)
      }
      let unknown = applied.filter { !knownMigrations.contains($0) }
      guard unknown.isEmpty else {
        throw TrackingError.newerDatabase(path: location.description, unknownMigrations: unknown)
      }
      if access == .readWrite || access == .existing { try store.migrate() }
      return store.reconnecting(for: patience)
    } catch {
      store.session.close()
      throw error
    }
  }

  private func reconnecting(for seconds: TimeInterval) -> PostgresRunStore {
    PostgresRunStore(
      session: session, location: location, process: process, reconnectingFor: seconds)
  }

  /// The migrations this build knows, in order: each `migrations/NNNN_name.sql`, in its
  /// `migrations/postgresql/` version where there is one.
  static let migrations: [(name: String, sql: String)] = EmbeddedSQL.files.map { file in
    (file.name, EmbeddedSQL.postgresql.first { $0.name == file.name }?.sql ?? file.sql)
  }

  public static var knownMigrations: [String] { migrations.map(\.name) }

  /// The migrations applied, or nil for a database without nnlab's tables (and no others).
  /// - Throws: `TrackingError.notAnNNLabDatabase` for a database holding other tables.
  func appliedMigrations() throws -> [String]? {
    try read { connection in
      // The catalog, not information_schema, whose views take milliseconds to plan.
      let found = try await connection.run(
        """
        SELECT to_regclass(quote_ident(current_schema()) || '.nnlab_migrations') IS NOT NULL AS ours,
          EXISTS (SELECT 1 FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace
            ON pg_namespace.oid = relnamespace
            WHERE nspname = current_schema() AND relkind IN ('r', 'p', 'v', 'm', 'f')) AS tables
        """)
      guard found.first?["ours"] == true else {
        if found.first?["tables"] == false { return nil }
        throw TrackingError.notAnNNLabDatabase(path: location.description)
      }
      return try await connection.values(
        "SELECT identifier FROM nnlab_migrations ORDER BY identifier", as: String.self)
    }
  }

  /// Applies the migrations the database lacks, all in one transaction under an advisory
  /// lock, so processes that open a new database together apply each once; returns their names.
  @discardableResult
  public func migrate() throws -> [String] {
    try write { connection in
      _ = try await connection.run(
        "SELECT 1 FROM pg_advisory_xact_lock($1)", [.integer(Self.migrationLock)])
      _ = try await connection.run(
        "CREATE TABLE IF NOT EXISTS nnlab_migrations (identifier TEXT PRIMARY KEY)")
      let applied = Set(
        try await connection.values("SELECT identifier FROM nnlab_migrations", as: String.self))
      var done: [String] = []
      for migration in Self.migrations where !applied.contains(migration.name) {
        for statement in PositionalSQL.statements(in: migration.sql) {
          try await connection.run(statement)
        }
        _ = try await connection.run(
          "INSERT INTO nnlab_migrations (identifier) VALUES ($1)", [.text(migration.name)])
        done.append(migration.name)
      }
      return done
    }
  }

  public func close() throws { session.close() }

  // MARK: Transactions

  /// Runs `body` in a read-write transaction, committed when it returns.
  func write<T: Sendable>(
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
  ) throws -> T {
    try transaction("BEGIN") { connection, _ in try await body(connection) }
  }

  /// Runs `body` in a read-only transaction that sees one snapshot.
  func read<T: Sendable>(
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
  ) throws -> T {
    try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection, _ in
      try await body(connection)
    }
  }

  /// `body` between `begin` and COMMIT (ROLLBACK when it throws; nil: a statement that is a
  /// transaction of its own), given up as lost after
  /// `stallAfter` seconds without an end (nil: never), tried again with backoff
  /// while the connection is what failed, for `reconnectingFor` seconds; `body` is told whether it is
  /// being tried again (its first try may have committed before the connection dropped).
  func transaction<T: Sendable>(
    _ begin: String?, stallAfter: TimeInterval? = 15,
    _ body: @escaping @Sendable (PostgresConnection, Bool) async throws -> T
  ) throws -> T {
    let deadline = Date().addingTimeInterval(reconnectingFor)
    var pause = 0.05
    var retried = false
    while true {
      do {
        return try translatingErrors {
          try session.wait(stallAfter: stallAfter) { [retried] connection in
            guard let begin else { return try await body(connection, retried) }
            _ = try await connection.run(begin)
            do {
              let result = try await body(connection, retried)
              _ = try await connection.run("COMMIT")
              return result
            } catch {
              _ = try? await connection.run("ROLLBACK")
              throw error
            }
          }
        }
      } catch let error as TrackingError where error.isLostConnection && Date() < deadline {
        usleep(UInt32(pause * 1_000_000))
        pause = min(pause * 2, 2)
        retried = true
      }
    }
  }

  /// `body`, with PostgresNIO's errors turned into the `TrackingError` a user can act on,
  /// naming the URL without its password.
  func translatingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as TrackingError {
      throw error
    } catch PostgresFailure.unreachable {
      throw TrackingError.connectionLost(
        path: location.description,
        reason: "no connection within \(session.connectTimeout.components.seconds) seconds")
    } catch PostgresFailure.stalled {
      throw TrackingError.connectionLost(path: location.description, reason: "no answer")
    } catch PostgresFailure.closed {
      throw TrackingError.connectionLost(
        path: location.description, reason: "the server closed the connection")
    } catch let error as PSQLError {
      throw Self.trackingError(error, at: location.description)
    } catch let error as PostgresDecodingError {
      throw TrackingError.unusable(
        path: location.description, reason: "a value could not be read (\(error.code))")
    } catch {
      throw TrackingError.unusable(path: location.description, reason: "\(error)")
    }
  }

  /// The `TrackingError` for a PostgresNIO error at `place`.
  static func trackingError(_ error: PSQLError, at place: String) -> TrackingError {
    guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
      let cause =
        error.underlying.map { "\($0)" }
        ?? (error.code == .serverClosedConnection
          ? "the server closed the connection" : "\(error.code)")
      switch error.code {
      case .sslUnsupported:
        return .unusable(path: place, reason: "the server does not offer TLS (sslmode=require)")
      case .authMechanismRequiresPassword:
        return .unusable(
          path: place,
          reason: "the server asks for a password (in the URL, PGPASSWORD or ~/.pgpass)")
      default:
        return .connectionLost(path: place, reason: Self.plain(cause))
      }
    }
    let message = error.serverInfo?[.message] ?? state
    switch state {
    case "28P01", "28000": return .unusable(path: place, reason: message)
    case "3D000": return .unusable(path: place, reason: message)
    case "53100": return .unusable(path: place, reason: "disk full (\(message))")
    case "57014": return .queryTimedOut(path: place, seconds: 0)
    case "25006", "42501": return .refusedQuery(message)
    case "40001", "40P01": return .connectionLost(path: place, reason: message)
    default:
      if state.hasPrefix("23") { return .invalidValue("\(place): \(message)") }
      if state.hasPrefix("08") || state.hasPrefix("57P") {
        return .connectionLost(path: place, reason: message)
      }
      if state.hasPrefix("42") || state.hasPrefix("22") { return .invalidQuery(message) }
      return .unusable(path: place, reason: message)
    }
  }

  /// NIO's description of a connection error, shortened to what a user reads: "connection
  /// refused", "no route to host".
  private static func plain(_ text: String) -> String {
    for known in ["Connection refused", "No route to host", "Network is unreachable", "timed out"]
    where text.localizedCaseInsensitiveContains(known) {
      return known.lowercased()
    }
    if text.contains("NXDOMAIN") || text.contains("resolve") { return "the host name is unknown" }
    return text
  }
}

extension PostgresRunStore: RunStore {
  public var dialect: SQLDialect { .postgresql }
  /// 200 ms: each transaction is round trips to the server and the server's time to parse,
  /// plan and commit its statements, which fewer, larger transactions share. An epoch still
  /// reaches the server within a fifth of a second and a write's time, and a worker that stops
  /// loses no more.
  public var gathering: Duration { .milliseconds(200) }
}

// MARK: Values

extension PostgresConnection {
  /// Runs one statement with its parameters bound; returns its rows as GRDB rows, so that the
  /// records decode from them as they do from SQLite's.
  @discardableResult
  func run(_ sql: String, _ parameters: [SQLValue] = []) async throws -> [GRDB.Row] {
    guard !isClosed else { throw PostgresFailure.closed }
    var bindings = PostgresBindings(capacity: parameters.count)
    for parameter in parameters { bindings.append(parameter) }
    let rows = try await query(
      PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgresRunStore.logger)
    var result: [GRDB.Row] = []
    for try await row in rows {
      var values: [String: (any DatabaseValueConvertible)?] = [:]
      for cell in row { values[cell.columnName] = try SQLValue(cell).databaseValue }
      result.append(GRDB.Row(values))
    }
    return result
  }

  /// The first column of each row `sql` returns, as `T`.
  func values<T: DatabaseValueConvertible>(
    _ sql: String, _ parameters: [SQLValue] = [], as type: T.Type
  ) async throws -> [T] {
    try await run(sql, parameters).compactMap { row in
      row.databaseValues.first.flatMap(T.fromDatabaseValue)
    }
  }
}

extension PostgresRunStore {
  static let logger = Logger(label: "nnlab.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}

extension PostgresBindings {
  /// Binds `value` with the type that holds it exactly: int8, float8 (binary, every bit),
  /// text or bytea.
  mutating func append(_ value: SQLValue) {
    switch value {
    case .null: appendNull()
    case .integer(let integer): append(integer)
    case .real(let real): append(real)
    case .text(let text): append(text)
    case .blob(let data): append(ByteBuffer(bytes: data))
    }
  }
}

extension SQLValue {
  /// The value of a cell the server sent, as SQLite would hold it: integers, floats, text and
  /// bytes as themselves, a boolean as 0 or 1, a numeric as a float, times and UUIDs as text.
  /// - Throws: `TrackingError.invalidQuery` for a column of another type.
  init(_ cell: PostgresCell) throws {
    guard cell.bytes != nil else {
      self = .null
      return
    }
    switch cell.dataType {
    case .int2, .int4, .int8, .oid: self = .integer(try cell.decode(Int64.self))
    case .float4, .float8: self = .real(try cell.decode(Double.self))
    case .numeric: self = .real(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
    case .bool: self = .integer(try cell.decode(Bool.self) ? 1 : 0)
    case .text, .varchar, .name, .bpchar, .unknown: self = .text(try cell.decode(String.self))
    case .bytea: self = .blob(Data(buffer: try cell.decode(ByteBuffer.self)))
    case .uuid: self = .text(try cell.decode(UUID.self).uuidString.lowercased())
    case .timestamp, .timestamptz, .date: self = .text(Timestamp.string(try cell.decode(Date.self)))
    case .json, .jsonb:
      var bytes = try cell.decode(ByteBuffer.self)
      if cell.dataType == .jsonb, cell.format == .binary { bytes.moveReaderIndex(forwardBy: 1) }
      self = .text(String(buffer: bytes))
    default:
      throw TrackingError.invalidQuery(
        "column '\(cell.columnName)' has a type nnlab cannot show (\(cell.dataType)); cast it to text"
      )
    }
  }

  /// The value as GRDB holds it.
  var databaseValue: DatabaseValue {
    switch self {
    case .null: .null
    case .integer(let integer): integer.databaseValue
    case .real(let real): real.databaseValue
    case .text(let text): text.databaseValue
    case .blob(let data): data.databaseValue
    }
  }

  /// The value GRDB holds.
  init(_ value: DatabaseValue) {
    switch value.storage {
    case .null: self = .null
    case .int64(let integer): self = .integer(integer)
    case .double(let real): self = .real(real)
    case .string(let text): self = .text(text)
    case .blob(let data): self = .blob(data)
    }
  }
}
