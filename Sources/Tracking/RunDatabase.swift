import Foundation
import GRDB

/// The one type that owns an nnlab database (GRDB's `AppDatabase` pattern): it opens the file
/// as a WAL `DatabasePool`, applies the migrations of `migrations/`, and offers each write as
/// one named transaction and each read as a focused query.
///
/// Several processes may hold the same file: writers wait up to `busyTimeout` for the lock.
/// Each process writes the epochs of the runs it holds: `process` is who it is.
public struct RunDatabase: Sendable {
  /// How long a write waits for another process's transaction before failing: 30 seconds, or
  /// the seconds in `NNLAB_BUSY_TIMEOUT` (a number ≥ 0).
  public static let busyTimeout: TimeInterval = {
    let given = ProcessInfo.processInfo.environment["NNLAB_BUSY_TIMEOUT"].flatMap(Double.init)
    // At most SQLite's limit, 2³¹ − 1 milliseconds.
    return given.flatMap { $0.isFinite && $0 >= 0 ? min($0, 2_000_000) : nil } ?? 30
  }()
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
      func attributes() -> [FileAttributeKey: Any]? {
        try? FileManager.default.attributesOfItem(atPath: path)
      }
      if access == .readWrite && attributes() == nil {
        try requireWritable(path: path)
        try create(path: path, as: process)
      }
      if let type = attributes()?[.type] as? FileAttributeType {
        guard type == .typeRegular else {
          throw TrackingError.unusable(
            path: path,
            reason: type == .typeDirectory
              ? "is a directory, not a database file" : "is not a regular file")
        }
        if access != .readOnly { try requireWritable(path: path) }
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

  /// Makes a new database at `path` whole: created and migrated beside it under a hidden name
  /// of its own (`.NAME.new-UUID`), then linked into place. Another process sees no file or a
  /// migrated one, never one half made (a reader would take it for a database of an older
  /// nnlab). A process that loses the race to link finds the winner's file, which `open` then
  /// inspects like any other. Where the name would be too long or the file system has no hard
  /// links, `path` is left missing, and `open` creates and migrates it in place.
  private static func create(path: String, as process: ProcessIdentity) throws {
    let url = URL(fileURLWithPath: path)
    let name = ".\(url.lastPathComponent).new-\(UUID().uuidString)"
    guard name.utf8.count <= 255 else { return }  // NAME_MAX
    let aside = url.deletingLastPathComponent().appendingPathComponent(name).path
    defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(aside + suffix) } }
    try translatingErrors(at: path) {
      try connect(path: aside, access: .readWrite, as: process).close()
    }
    // EEXIST: another process linked its database first; any other failure (no hard links
    // here) leaves the file to be made in place.
    _ = link(aside, path)
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
      // A checkpoint (copying the write-ahead log into the file, with an fsync) every 10,000
      // pages (40 MB) rather than SQLite's 1,000: a run that snapshots 82 KB of weights an
      // epoch would otherwise checkpoint every 12 epochs, and its writes cost a third more.
      if !db.configuration.readonly {
        try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000")
      }
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
  /// applied when it looks again, and goes on from there (each migration is its own
  /// transaction, so the winner may still be applying the next one).
  @discardableResult
  public func migrate() throws -> [String] {
    // Through the writer: a pool that only writes keeps no reader open, and its last
    // connection to close folds the write-ahead log back into the file.
    let applied = try write { db in try Self.migrator.appliedMigrations(db) }
    var seen = applied
    while true {
      do {
        try translatingErrors { try Self.migrator.migrate(writer) }
        return Self.migrator.migrations.filter { !applied.contains($0) }
      } catch {
        // Tried again only while migrations get applied: a migration that fails by itself
        // fails again with nothing new applied.
        let now = try write { db in try Self.migrator.appliedMigrations(db) }
        guard now.count > seen.count else { throw error }
        seen = now
      }
    }
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
        throw TrackingError.unusable(path: place, reason: writeFailure(at: place, message))
      case .SQLITE_IOERR where error.extendedResultCode == .SQLITE_IOERR_WRITE:
        throw TrackingError.unusable(path: place, reason: writeFailure(at: place, message))
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
    guard header.isEmpty || header.prefix(16) == Data("SQLite format 3\u{0}".utf8) else {
      throw TrackingError.notAnNNLabDatabase(path: path)
    }
    guard !header.isEmpty else { return }  // SQLite takes an empty file as an empty database
    let (objects, applicationID, applied) = try translatingErrors(at: path) {
      // A file at rest is read as it is on disk; one that a process may be writing (or left
      // a log for) through SQLite, which waits for it and recovers what it left.
      func inUse() -> Bool {
        ["-wal", "-journal"].contains { FileManager.default.fileExists(atPath: path + $0) }
      }
      guard !inUse() else { return try contentsInUse(path: path) }
      do {
        return try contentsAtRest(path: path, header: header)
      } catch TrackingError.damaged where inUse() {
        return try contentsInUse(path: path)  // a process began writing while this one looked
      }
    }
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

  /// What `inspect` looks at: the tables (and those that indexes, views and triggers belong
  /// to), `PRAGMA application_id` and the migrations applied.
  private typealias Contents = (objects: [String], applicationID: Int32, applied: Set<String>)

  /// The contents of a file with a write-ahead log beside it, which may hold the latest of them.
  private static func contentsInUse(path: String) throws -> Contents {
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(busyTimeout)
    let reader = try DatabaseQueue(path: path, configuration: configuration)
    defer { try? reader.close() }
    return try reader.read { db in
      let objects = try String.fetchAll(db, sql: "SELECT tbl_name FROM sqlite_master")
      let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
      let applied = objects.contains("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
      return (objects, applicationID, applied)
    }
  }

  /// The contents of a file without a write-ahead log: all in the file, read as it is on disk,
  /// so that looking makes no `-wal` or `-shm` file beside a file nnlab then refuses. A file
  /// shorter than its header says is refused first.
  private static func contentsAtRest(path: String, header: Data) throws -> Contents {
    try requireWhole(path: path, header: header)
    let connection = try QueryConnection(path: path, immutable: true)
    let objects = try connection.texts("SELECT tbl_name FROM sqlite_master")
    let applied =
      objects.contains("grdb_migrations")
      ? Set(try connection.texts("SELECT identifier FROM grdb_migrations")) : []
    // PRAGMA application_id reads these 4 bytes of the header.
    let applicationID = header.dropFirst(68).prefix(4).reduce(Int32(0)) { $0 << 8 | Int32($1) }
    return (objects, applicationID, applied)
  }

  /// Refuses a file at rest shorter than its header says it is (a copy cut short, a full disk).
  /// (Not a file in use: a checkpoint writes the header of a longer file before its pages.)
  private static func requireWhole(path: String, header: Data) throws {
    guard header.count == 100 else {
      throw TrackingError.damaged(
        path: path, reason: "\(header.count) bytes, shorter than SQLite's 100-byte header")
    }
    func number(at offset: Int, _ length: Int) -> UInt64 {
      header.dropFirst(offset).prefix(length).reduce(0) { $0 << 8 | UInt64($1) }
    }
    let pageSize = number(at: 16, 2) == 1 ? 65_536 : number(at: 16, 2)
    // The page count is valid when the change counter matches "version valid for".
    guard number(at: 92, 4) == number(at: 24, 4),
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? UInt64
    else { return }
    let expected = number(at: 28, 4) * pageSize
    guard size >= expected else {
      throw TrackingError.damaged(
        path: path, reason: "cut short: \(size) bytes where its header counts \(expected)")
    }
  }

  /// Why a write to the database at `path` failed, as far as the file system tells: SQLite
  /// reports a full disk and a file past the process's size limit (`ulimit -f`) alike as a
  /// failed write, so the free space and the limit are looked at afterwards.
  private static func writeFailure(at path: String, _ message: String) -> String {
    let directory = (path as NSString).deletingLastPathComponent
    var space = statvfs()
    if statvfs(directory.isEmpty ? "." : directory, &space) == 0,
      UInt64(space.f_bavail) * UInt64(space.f_frsize) < 1 << 20
    {
      return "disk full"
    }
    var limit = rlimit()
    #if os(Linux)
      let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
    #else
      let resource = RLIMIT_FSIZE
    #endif
    #if os(Linux)
      let unlimited = rlim_t.max  // RLIM_INFINITY, which Swift does not import on Linux
    #else
      let unlimited = RLIM_INFINITY
    #endif
    if getrlimit(resource, &limit) == 0, limit.rlim_cur != unlimited {
      let largest =
        [path, path + "-wal"].compactMap {
          (try? FileManager.default.attributesOfItem(atPath: $0)[.size]) as? UInt64
        }.max() ?? 0
      if largest + (1 << 16) >= UInt64(limit.rlim_cur) {
        return "file size limit reached (ulimit -f: \(limit.rlim_cur) bytes)"
      }
    }
    return "write failed (\(message))"
  }

  /// Refuses a file, or a directory, that this process may not write: SQLite would open the
  /// file read-only and fail at the first write, or fail to make its `-wal` and `-shm` files.
  private static func requireWritable(path: String) throws {
    let exists = FileManager.default.fileExists(atPath: path)
    if exists && access(path, W_OK) != 0 {
      throw TrackingError.unusable(
        path: path,
        reason:
          "cannot be written (\(String(cString: strerror(errno)))): nnlab records its runs in it")
    }
    let directory = (path as NSString).deletingLastPathComponent
    if access(directory.isEmpty ? "." : directory, W_OK) != 0 {
      let reason = String(cString: strerror(errno))
      guard FileManager.default.fileExists(atPath: path + "-wal") else {
        throw TrackingError.unusable(
          path: path,
          reason: "its directory cannot be written (\(reason)): "
            + (exists
              ? "SQLite makes its -wal and -shm files beside the database"
              : "the database cannot be created there"))
      }
    }
  }

  /// The first 100 bytes of the file, SQLite's header (fewer if it is shorter).
  private static func readHeader(path: String) throws -> Data {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw TrackingError.unusable(path: path, reason: "cannot be read (permission denied?)")
    }
    defer { try? handle.close() }
    do {
      return try handle.read(upToCount: 100) ?? Data()
    } catch {
      throw TrackingError.unusable(
        path: path, reason: "cannot be read (\(error.localizedDescription))")
    }
  }
}
