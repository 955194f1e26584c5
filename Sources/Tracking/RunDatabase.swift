import Foundation
import GRDB

/// The one type that owns an nnlab database (GRDB's `AppDatabase` pattern): it opens the file
/// as a WAL `DatabasePool`, applies the migrations of `migrations/`, and offers each write as
/// one named transaction and each read as a focused query.
///
/// Several processes may hold the same file: writers wait up to `busyTimeout` for the lock.
public struct RunDatabase: Sendable {
  /// How long a write waits for another process's transaction before failing.
  public static let busyTimeout: TimeInterval = 30

  let writer: any DatabaseWriter
  /// The file, or nil for an in-memory database.
  public let path: String?

  /// Opens the database at `path`, refusing what nnlab must not touch, and migrates it.
  ///
  /// - Parameters:
  ///   - create: whether a missing file is created (otherwise it is an error).
  ///   - migrate: whether to apply the migrations it lacks (`nnlab db info` and `check`
  ///     only look).
  /// - Throws: `TrackingError.missingDatabase`, `.notAnNNLabDatabase` for another kind of
  ///   file, `.newerDatabase` for a database with migrations this build does not know, and
  ///   `.unusable` when SQLite cannot open it. A refused file is left byte for byte as it was.
  public static func open(path: String, create: Bool = true, migrate: Bool = true) throws
    -> RunDatabase
  {
    if FileManager.default.fileExists(atPath: path) {
      try inspect(path: path)
    } else if !create {
      throw TrackingError.missingDatabase(path: path)
    }
    do {
      let pool = try DatabasePool(path: path, configuration: configuration())
      return try RunDatabase(writer: pool, path: path, migrate: migrate)
    } catch let error as DatabaseError {
      throw TrackingError.unusable(path: path, reason: error.message ?? "\(error)")
    }
  }

  /// An empty database in memory, for tests.
  public static func inMemory() throws -> RunDatabase {
    try RunDatabase(writer: DatabaseQueue(configuration: configuration()), path: nil, migrate: true)
  }

  private init(writer: any DatabaseWriter, path: String?, migrate: Bool) throws {
    self.writer = writer
    self.path = path
    if migrate { try self.migrate() }
  }

  static func configuration() -> Configuration {
    var configuration = Configuration()
    configuration.busyMode = .timeout(busyTimeout)
    configuration.foreignKeysEnabled = true
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    return configuration
  }

  /// The migrations of `migrations/NNNN_name.sql`, compiled in: each registered under its
  /// file name, applied in order, each in its own transaction.
  static let migrator: DatabaseMigrator = {
    var migrator = DatabaseMigrator()
    for file in EmbeddedSQL.files {
      migrator.registerMigration(file.name) { db in try db.execute(sql: file.sql) }
    }
    return migrator
  }()

  /// Applies the migrations the database lacks (`nnlab db migrate`); returns their names.
  @discardableResult
  public func migrate() throws -> [String] {
    let applied = try read { db in try Self.migrator.appliedMigrations(db) }
    try Self.migrator.migrate(writer)
    return Self.migrator.migrations.filter { !applied.contains($0) }
  }

  /// Runs `body` in a write transaction; SQLite's errors come out as `TrackingError`.
  func write<T>(_ body: (Database) throws -> T) throws -> T {
    try translatingErrors { try writer.write(body) }
  }

  /// Runs `body` on a read-only snapshot; SQLite's errors come out as `TrackingError`.
  func read<T>(_ body: (Database) throws -> T) throws -> T {
    try translatingErrors { try writer.read(body) }
  }

  /// `body`, with a `DatabaseError` turned into the `TrackingError` a user can act on.
  func translatingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as DatabaseError {
      let place = path ?? "the in-memory database"
      let message = error.message ?? "\(error)"
      switch error.resultCode {
      case .SQLITE_CONSTRAINT:
        throw TrackingError.invalidValue("\(place): \(message)")
      case .SQLITE_FULL:
        throw TrackingError.unusable(path: place, reason: "the disk is full")
      case .SQLITE_BUSY, .SQLITE_LOCKED:
        throw TrackingError.unusable(
          path: place,
          reason: "locked by another process for more than \(Int(Self.busyTimeout)) seconds")
      case .SQLITE_READONLY:
        throw TrackingError.unusable(
          path: place, reason: "cannot be written (read-only file or folder)")
      default:
        throw TrackingError.unusable(path: place, reason: message)
      }
    }
  }

  /// Closes the connections, checkpointing the write-ahead log into the file.
  public func close() throws {
    try writer.close()
  }

  /// The names of the migrations this build knows, in order.
  public static var knownMigrations: [String] { migrator.migrations }

  /// Refuses an existing file that is not SQLite, is SQLite of another application, or was
  /// migrated by a newer nnlab — reading it only, so a refused file is not changed.
  private static func inspect(path: String) throws {
    let header = try readHeader(path: path)
    guard header.isEmpty || header == Data("SQLite format 3\u{0}".utf8) else {
      throw TrackingError.notAnNNLabDatabase(path: path)
    }
    guard !header.isEmpty else { return }  // SQLite takes an empty file as an empty database
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(busyTimeout)
    do {
      let reader = try DatabaseQueue(path: path, configuration: configuration)
      defer { try? reader.close() }
      try reader.read { db in
        let tables = try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        guard !tables.isEmpty else { return }
        let applied = tables.contains("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
        guard let first = migrator.migrations.first, applied.contains(first) else {
          throw TrackingError.notAnNNLabDatabase(path: path)
        }
        let unknown = applied.subtracting(migrator.migrations).sorted()
        guard unknown.isEmpty else {
          throw TrackingError.newerDatabase(path: path, unknownMigrations: unknown)
        }
      }
    } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
      throw TrackingError.notAnNNLabDatabase(path: path)
    } catch let error as DatabaseError {
      throw TrackingError.unusable(path: path, reason: error.message ?? "\(error)")
    }
  }

  /// The first 16 bytes of the file (fewer if it is shorter).
  private static func readHeader(path: String) throws -> Data {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw TrackingError.unusable(path: path, reason: "cannot be read (permission denied?)")
    }
    defer { try? handle.close() }
    do {
      return try handle.read(upToCount: 16) ?? Data()
    } catch {
      throw TrackingError.unusable(
        path: path, reason: "cannot be read (\(error.localizedDescription))")
    }
  }
}
