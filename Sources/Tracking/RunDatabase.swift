import Foundation
import GRDB

/// The SQLite backend of `RunStore`, and the one type that owns an nnlab database file (GRDB's
/// `AppDatabase` pattern): it opens the file
/// as a WAL `DatabasePool`, applies the migrations of `migrations/`, and offers each write as
/// one named transaction and each read as a focused query.
///
/// Several processes may hold the same file: writers wait up to `busyTimeout` for the lock.
/// Each process writes the epochs of the runs it holds: `process` is who it is.
public struct RunDatabase: Sendable {
  /// How long a write waits for another process's transaction before failing: 30 seconds, or
  /// the seconds in `NNLAB_BUSY_TIMEOUT` (`open` refuses a value that is not a number ≥ 0).
  public static var busyTimeout: TimeInterval { (try? configuredBusyTimeout.get()) ?? 30 }

  /// `NNLAB_BUSY_TIMEOUT`, read once: its seconds, 30 when it is unset or empty, or the error
  /// naming it when it is not a number of seconds ≥ 0.
  public static let configuredBusyTimeout = busyTimeout(
    from: ProcessInfo.processInfo.environment["NNLAB_BUSY_TIMEOUT"])

  static func busyTimeout(from text: String?) -> Result<TimeInterval, TrackingError> {
    EnvironmentSetting.seconds("NNLAB_BUSY_TIMEOUT", text, default: 30)
  }
  /// `PRAGMA application_id` of an nnlab database ("nnlb"), set by the first migration.
  static let applicationID: Int32 = 0x6E6E_6C62

  let writer: any DatabaseWriter
  /// The file, or nil for an in-memory database.
  public let path: String?
  /// What SQLite opens: `path`, or for a reader what `ReadLocation` chose (kept alive with it).
  let location: String?
  let privateCopy: PrivateCopy?
  /// The process this connection writes for: it records epochs only of runs it holds.
  public let process: ProcessIdentity
  /// What each query given as SQL (`select`) may spend.
  public var queryLimits = QueryLimits.standard

  /// Opens the database at `path`, refusing what nnlab must not touch.
  ///
  /// - Throws: `TrackingError.invalidSetting` for a wrong `NNLAB_BUSY_TIMEOUT`, before
  ///   anything is opened; `.missingDatabase` (unless `access` is `.readWrite`, which
  ///   creates the file), `.notAnNNLabDatabase` for another kind of file, `.newerDatabase`
  ///   for a database with migrations this build does not know, `.damaged` and `.unusable`
  ///   when SQLite cannot use it. A refused file is left byte for byte as it was.
  public static func open(
    path: String, access: DatabaseAccess = .readWrite, as process: ProcessIdentity = .current
  ) throws -> RunDatabase {
    guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else {
      throw TrackingError.invalidValue("'\(path)' is not a database file name")
    }
    _ = try configuredBusyTimeout.get()
    return try retryingWhileLocked {
      // A symbolic link is followed: what counts is the file it leads to.
      let file = resolvingLinks(path)
      func attributes() -> [FileAttributeKey: Any]? {
        try? FileManager.default.attributesOfItem(atPath: file)
      }
      if access == .readWrite && attributes() == nil {
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil {
          throw TrackingError.unusable(path: path, reason: "is a symbolic link to a missing file")
        }
        try requireWritable(path: path)
        try create(path: path, as: process)
      }
      var reading: ReadLocation?
      if let type = attributes()?[.type] as? FileAttributeType {
        guard type == .typeRegular else {
          throw TrackingError.unusable(
            path: path,
            reason: type == .typeDirectory
              ? "is a directory, not a database file" : "is not a regular file")
        }
        if access == .readOnly {
          reading = try ReadLocation.reading(path: path, file: file)
        } else {
          try requireWritable(path: file)
        }
        try inspect(path: path, file: file, location: reading?.location)
      } else if access != .readWrite {
        throw TrackingError.missingDatabase(path: path)
      }
      return try translatingErrors(at: path) {
        try connect(path: path, access: access, as: process, reading: reading)
      }
    }
  }

  /// Opens the connection (at `reading`'s location for a reader) and migrates as `access` says.
  static func connect(
    path: String, access: DatabaseAccess, as process: ProcessIdentity, reading: ReadLocation? = nil
  ) throws -> RunDatabase {
    var configuration = configuration()
    let writer: any DatabaseWriter
    let location = reading?.location ?? path
    if access == .readOnly {
      configuration.readonly = true
      writer = try DatabaseQueue(path: location, configuration: configuration)
    } else {
      writer = try DatabasePool(path: location, configuration: configuration)
    }
    let database = RunDatabase(
      writer: writer, path: path, location: location, privateCopy: reading?.copy,
      process: process)
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
    defer {
      unlink(aside)
      for companion in SQLiteFile.companions { unlink(aside + companion.suffix) }
    }
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
      writer: try DatabaseQueue(configuration: configuration()), path: nil, location: nil,
      privateCopy: nil, process: process)
    try database.migrate()
    return database
  }

  private init(
    writer: any DatabaseWriter, path: String?, location: String?, privateCopy: PrivateCopy?,
    process: ProcessIdentity
  ) {
    self.writer = writer
    self.path = path
    self.location = location
    self.privateCopy = privateCopy
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

  static func translatingErrors<T>(at place: String, _ body: () throws -> T) throws -> T {
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
}

extension RunDatabase: RunStore {
  public var dialect: SQLDialect { .sqlite }
  /// 20 ms: a commit in process costs little, and a small network's epochs, a millisecond
  /// each, still share their pages and their commit.
  public var gathering: Duration { .milliseconds(20) }
}
