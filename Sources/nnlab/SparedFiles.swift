import Foundation
import Tracking
import Training

/// A file's device and inode: the same file whatever name, link or hard link reaches it.
struct FileIdentity: Hashable {
  let device: UInt64
  let inode: UInt64

  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }

  /// The identity of the file `path` leads to, if it exists.
  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    self.init(info)
  }
}

/// The files no output may be written over, by any route: the command's database and the
/// files SQLite keeps beside it, the data the command reads, the files the database's runs
/// were trained on, and any other SQLite database or log.
struct SparedFiles {
  /// What each spared file is, by identity (for the files that exist) and by name with its
  /// folder's links resolved (for those that may appear: a `-wal` made by the next write).
  private var byIdentity: [FileIdentity: String] = [:]
  private var byName: [String: String] = [:]

  /// Spares the database of `store` (and its companions), the CSV files its runs were trained
  /// on, and `inputs`, the data files the command reads.
  init(_ store: any RunStore, inputs: [String] = []) throws {
    try self.init(database: store.path, runs: store, inputs: inputs)
  }

  /// Spares the database at `database` (and its companions), the CSV files the runs of `runs`
  /// were trained on, and `inputs`.
  init(database: String?, runs: (any RunStore)? = nil, inputs: [String] = []) throws {
    if let database, !PostgresLocation.isPostgres(database) {
      for name in Set([database, RunDatabase.resolvingLinks(database)]) {
        spare(name, as: "the database")
        for companion in SQLiteFile.companions {
          spare(name + companion.suffix, as: "the database's \(companion.role)")
        }
      }
    }
    for input in inputs { spare(input, as: "the data this command reads") }
    for source in try runs?.dataSources() ?? [] {
      if case .csv(let path, _) = try? DataSource(json: source) {
        spare(path, as: "the training data of a run in the database")
      }
    }
  }

  private mutating func spare(_ path: String, as role: String) {
    if let identity = FileIdentity(path: path) { byIdentity[identity] = role }
    byName[Self.canonicalName(path)] = role
  }

  /// What the file at `path` (not a link) is, when it must be spared; nil when it may be
  /// written.
  func protection(of path: String) -> String? {
    if let identity = FileIdentity(path: path), let role = byIdentity[identity] { return role }
    if let role = byName[Self.canonicalName(path)] { return role }
    if let kind = SQLiteFile.kind(ofFileAt: path) { return kind.rawValue }
    // The companion of another database, which may not exist yet or have no mark (-shm).
    for companion in SQLiteFile.companions where path.hasSuffix(companion.suffix) {
      let database = String(path.dropLast(companion.suffix.count))
      if SQLiteFile.kind(ofFileAt: database) == .database {
        return "the \(companion.role) of the SQLite database \(database)"
      }
    }
    return nil
  }

  /// What the file of `identity` is, when it must be spared.
  func protection(of identity: FileIdentity) -> String? { byIdentity[identity] }

  /// `path` with its folder's links resolved (`realpath`), its last component kept.
  private static func canonicalName(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    guard let resolved = realpath(folder, nil) else { return url.standardizedFileURL.path }
    defer { free(resolved) }
    return (String(cString: resolved) as NSString).appendingPathComponent(url.lastPathComponent)
  }
}
