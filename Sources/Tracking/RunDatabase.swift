import Foundation
import GRDB

/// The one type that owns an nnlab database (GRDB's `AppDatabase` pattern): it opens the file
/// as a WAL `DatabasePool`, applies the migrations of `migrations/`, and offers each write as
/// one named transaction and each read as a focused query.
///
/// Several processes may hold the same file: writers wait up to `busyTimeout` for the lock.
/// Each process writes the epochs of the runs it holds: `process` is who it is.
public struct RunDatabase: Sendable {
  /// How long a write waits for another process's transaction before failing.
  public static let busyTimeout: TimeInterval = 30
  /// `PRAGMA application_id` of an nnlab database ("nnlb"), set by the first migration.
  static let applicationID: Int32 = 0x6E6E_6C62

  let writer: any DatabaseWriter
  /// The file, or nil for an in-memory database.
  public let path: String?
  /// The process this connection writes for: it records epochs only of runs it holds.
  public let process: ProcessIdentity

  /// How a database is opened.
  public enum Access: Sendable {
    /// Read and write, creating a missing file and migrating it to this nnlab's schema.
    case readWrite
    /// Read and write an existing file, migrated (`nnlab resume`: a missing file is an error).
    case existing
    /// Read and write an existing file without migrating it (`nnlab db migrate`, `vacuum`).
    case existingWithoutMigrating
    /// Read only: the file is not changed at all (`nnlab db info`, `check`).
    case readOnly
  }

  /// Opens the database at `path`, refusing what nnlab must not touch.
  ///
  /// - Throws: `TrackingError.missingDatabase` (unless `access` is `.readWrite`, which
  ///   creates the file), `.notAnNNLabDatabase` for another kind of file, `.newerDatabase`
  ///   for a database with migrations this build does not know, `.damaged` and `.unusable`
  ///   when SQLite cannot use it. A refused file is left byte for byte as it was.
  public static func open(
    path: String, access: Access = .readWrite, as process: ProcessIdentity = .current
  ) throws -> RunDatabase {
    guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else {
      throw TrackingError.invalidValue("'\(path)' is not a database file name")
    }
    return try retryingWhileLocked {
      if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type]
        as? FileAttributeType
      {
        guard type == .typeRegular else {
          throw TrackingError.unusable(
            path: path,
            reason: type == .typeDirectory
              ? "is a directory, not a database file" : "is not a regular file")
        }
        try inspect(path: path)
      } else if access != .readWrite {
        throw TrackingError.missingDatabase(path: path)
      }
      return try translatingErrors(at: path) {
        try connect(path: path, access: access, as: process)
      }
    }
  }

  /// Opens the connection and migrates as `access` says.
  private static func connect(path: String, access: Access, as process: ProcessIdentity) throws
    -> RunDatabase
  {
    var configuration = configuration()
    let writer: any DatabaseWriter
    if access == .readOnly {
      configuration.readonly = true
      writer = try DatabaseQueue(path: path, configuration: configuration)
    } else {
      writer = try DatabasePool(path: path, configuration: configuration)
    }
    let database = RunDatabase(writer: writer, path: path, process: process)
    if access == .readWrite || access == .existing { try database.migrate() }
    return database
  }

  /// `body`, tried again while it fails for a lock, up to `busyTimeout`. Processes that open a
  /// new file together contend for it while setting up write-ahead logging, where SQLite
  /// answers "busy" at once instead of waiting.
  private static func retryingWhileLocked<T>(_ body: () throws -> T) throws -> T {
    let deadline = Date().addingTimeInterval(busyTimeout)
    while true {
      do {
        return try body()
      } catch TrackingError.locked where Date() < deadline {
        usleep(UInt32.random(in: 2_000...20_000))
      }
    }
  }

  /// An empty database in memory, for tests.
  public static func inMemory(as process: ProcessIdentity = .current) throws -> RunDatabase {
    let database = RunDatabase(
      writer: try DatabaseQueue(configuration: configuration()), path: nil, process: process)
    try database.migrate()
    return database
  }

  private init(writer: any DatabaseWriter, path: String?, process: ProcessIdentity) {
    self.writer = writer
    self.path = path
    self.process = process
  }

  static func configuration() -> Configuration {
    var configuration = Configuration()
    configuration.busyMode = .timeout(busyTimeout)
    configuration.foreignKeysEnabled = true
    configuration.prepareDatabase { db in
      if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
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

  /// The names of the migrations this build knows, in order.
  public static var knownMigrations: [String] { migrator.migrations }

  /// Applies the migrations the database lacks (`nnlab db migrate`); returns their names.
  ///
  /// Processes that open a new database together race to migrate it: the one that takes the
  /// write lock first applies a migration, and another that tried the same one finds it
  /// applied when it looks again.
  @discardableResult
  public func migrate() throws -> [String] {
    // Through the writer: a pool that only writes keeps no reader open, and its last
    // connection to close folds the write-ahead log back into the file.
    let applied = try write { db in try Self.migrator.appliedMigrations(db) }
    do {
      try translatingErrors { try Self.migrator.migrate(writer) }
    } catch {
      guard try write({ db in try Self.migrator.hasCompletedMigrations(db) }) else { throw error }
    }
    return Self.migrator.migrations.filter { !applied.contains($0) }
  }

  /// Closes the connections, checkpointing the write-ahead log into the file.
  public func close() throws {
    try translatingErrors { try writer.close() }
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
    try Self.translatingErrors(at: path ?? "the in-memory database", body)
  }

  private static func translatingErrors<T>(at place: String, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as DatabaseError {
      let message = error.message ?? "\(error)"
      switch error.resultCode {
      case .SQLITE_CONSTRAINT:
        throw TrackingError.invalidValue("\(place): \(message)")
      case .SQLITE_CORRUPT, .SQLITE_NOTADB:
        throw TrackingError.damaged(path: place, reason: message)
      case .SQLITE_FULL:
        throw TrackingError.unusable(path: place, reason: "the disk is full")
      case .SQLITE_BUSY, .SQLITE_LOCKED:
        throw TrackingError.locked(path: place)
      case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
        throw TrackingError.unusable(
          path: place, reason: "cannot be opened for writing (\(message))")
      default:
        throw TrackingError.unusable(path: place, reason: message)
      }
    }
  }

  /// Refuses an existing file that is not SQLite, is SQLite of another application, or was
  /// migrated by a newer nnlab — reading it only, so the file itself is not changed.
  private static func inspect(path: String) throws {
    let header = try readHeader(path: path)
    guard header.isEmpty || header == Data("SQLite format 3\u{0}".utf8) else {
      throw TrackingError.notAnNNLabDatabase(path: path)
    }
    guard !header.isEmpty else { return }  // SQLite takes an empty file as an empty database
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(busyTimeout)
    try translatingErrors(at: path) {
      let reader = try DatabaseQueue(path: path, configuration: configuration)
      defer { try? reader.close() }
      try reader.read { db in
        // Tables, and the tables that indexes, views and triggers belong to.
        let objects = try String.fetchAll(db, sql: "SELECT tbl_name FROM sqlite_master")
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let applied = objects.contains("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
        // Empty, or holding only GRDB's own tables (its migrations table, and the one it makes
        // and drops while switching to WAL) from a process that is creating the database, or
        // stopped while it did: an nnlab database not yet migrated.
        if applicationID == 0 && applied.isEmpty && objects.allSatisfy({ $0.hasPrefix("grdb_") }) {
          return
        }
        guard applicationID == Self.applicationID else {
          throw TrackingError.notAnNNLabDatabase(path: path)
        }
        let unknown = applied.subtracting(migrator.migrations).sorted()
        guard unknown.isEmpty else {
          throw TrackingError.newerDatabase(path: path, unknownMigrations: unknown)
        }
      }
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
