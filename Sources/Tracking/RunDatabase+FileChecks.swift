import Foundation
import GRDB

/// What `RunDatabase.open` checks of a file before it connects: that nnlab may write it, and
/// that it is an nnlab database this build can read — looking only, so a refused file is left
/// byte for byte as it was.
extension RunDatabase {
  /// Refuses an existing file that is not SQLite, is SQLite of another application, or was
  /// migrated by a newer nnlab — reading it only, so the file itself is not changed. `file` is
  /// `path` with its links resolved, beside which SQLite keeps the `-wal` file; a reader's
  /// `location` is where SQLite reads a file in use (see `ReadLocation`).
  static func inspect(path: String, file: String, location: String? = nil) throws {
    let header = try readHeader(path: path)
    guard header.isEmpty || SQLiteFile.kind(ofHeader: header) == .database else {
      throw TrackingError.notAnNNLabDatabase(path: path)
    }
    guard !header.isEmpty else { return }  // SQLite takes an empty file as an empty database
    let (objects, applicationID, applied) = try translatingErrors(at: path) {
      // A file at rest is read as it is on disk; one that a process may be writing (or left
      // a log for) through SQLite, which waits for it and recovers what it left.
      func inUse() -> Bool {
        ["-wal", "-journal"].contains { FileManager.default.fileExists(atPath: file + $0) }
      }
      guard !inUse() else { return try contentsInUse(path: location ?? path) }
      do {
        return try contentsAtRest(path: path, file: file, header: header)
      } catch TrackingError.damaged where inUse() {
        // a process began writing while this one looked
        return try contentsInUse(path: location ?? path)
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
  private static func contentsAtRest(path: String, file: String, header: Data) throws -> Contents {
    try requireWhole(path: path, file: file, header: header)
    let connection = try QueryConnection(path: path, opening: QueryConnection.immutableURI(file))
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
  private static func requireWhole(path: String, file: String, header: Data) throws {
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
      let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? UInt64
    else { return }
    let expected = number(at: 28, 4) * pageSize
    guard size >= expected else {
      throw TrackingError.damaged(
        path: path, reason: "cut short: \(size) bytes where its header counts \(expected)")
    }
  }

  /// Refuses a file, or a directory, that this process may not write: SQLite would open the
  /// file read-only and fail at the first write, or fail to make its `-wal` and `-shm` files.
  static func requireWritable(path: String) throws {
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
    func failure() -> TrackingError {
      .unusable(path: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
    }
    let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure() }
    defer { Foundation.close(descriptor) }
    var header = [UInt8](repeating: 0, count: 100)
    let count = Foundation.read(descriptor, &header, header.count)
    guard count >= 0 else { throw failure() }
    return Data(header.prefix(count))
  }
}
