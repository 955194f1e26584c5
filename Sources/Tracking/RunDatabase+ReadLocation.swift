import Foundation

/// Where a read-only `RunDatabase` opens its file. SQLite reads a database in WAL mode through
/// its `-shm` file, which it makes beside the database: in a folder this process cannot write
/// (a read-only folder or mount), a reader opens the file another way.
extension RunDatabase {
  /// What SQLite opens for a reader, and the private copy that holds it when it is one.
  struct ReadLocation {
    /// A path or a `file:` URI.
    let location: String
    let copy: PrivateCopy?

    /// Where to read the database at `path` (`file`: the same with its links resolved):
    /// - an empty file: a new database of this nnlab's schema, made in a private folder, since
    ///   an empty file is an empty database;
    /// - in a folder this process can write: `path`, as usual;
    /// - without a `-wal` file: `path` as immutable (`immutable=1`: no `-shm`, no locks). No
    ///   writer can be at work then: one would need to make the `-wal` file in that folder;
    /// - with a `-wal` and a `-shm` file: `path`, SQLite reading the `-shm` read-only;
    /// - with a `-wal` file alone (a writer stopped without folding it in): a private copy of
    ///   the database and its `-wal`, so that the changes committed to the log are read; with
    ///   no `-shm` no writer is at work, so the copy is whole.
    static func reading(path: String, file: String) throws -> ReadLocation {
      var info = stat()
      guard stat(file, &info) == 0 else {
        throw TrackingError.unusable(
          path: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
      }
      if info.st_size == 0 {
        let copy = try PrivateCopy(of: path)
        try connect(path: copy.database, access: .readWrite, as: .current).close()
        return ReadLocation(location: copy.database, copy: copy)
      }
      let directory = (file as NSString).deletingLastPathComponent
      let exists = { FileManager.default.fileExists(atPath: file + $0) }
      if access(directory.isEmpty ? "." : directory, W_OK) == 0 || exists("-wal") && exists("-shm")
      {
        return ReadLocation(location: path, copy: nil)
      }
      guard exists("-wal") else {
        return ReadLocation(location: QueryConnection.immutableURI(path), copy: nil)
      }
      let copy = try PrivateCopy(of: path)
      for suffix in ["", "-wal"] {
        guard
          (try? FileManager.default.copyItem(atPath: file + suffix, toPath: copy.database + suffix))
            != nil
        else {
          throw TrackingError.unusable(
            path: path,
            reason: "its folder is read-only, and it and its -wal file could not be copied to "
              + "\(copy.directory) to be read")
        }
      }
      return ReadLocation(location: copy.database, copy: copy)
    }
  }

  /// A private folder that holds a database to read instead of the one named, removed with
  /// the last `RunDatabase` that reads it.
  final class PrivateCopy: Sendable {
    let directory: String
    /// The database file in it.
    var database: String { directory + "/nnlab.sqlite" }

    /// A new empty folder (mkdtemp: made by this process alone) for a copy of the database
    /// at `path`.
    init(of path: String) throws {
      var template = Array(
        FileManager.default.temporaryDirectory.appendingPathComponent("nnlab-read-XXXXXX").path
          .utf8CString)
      let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap(mkdtemp) }
      guard made != nil else {
        throw TrackingError.unusable(
          path: path,
          reason: "cannot be read in place, and no private copy can be made"
            + " (\(String(cString: strerror(errno))))")
      }
      directory = String(
        decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
  }

  /// `path` with its symbolic links resolved (itself when it cannot be resolved): SQLite keeps
  /// a database's `-wal` and `-shm` files beside the file a link leads to.
  public static func resolvingLinks(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
