import Foundation

/// What SQLite keeps on disk for a database, known by name and by its first bytes.
public enum SQLiteFile {
  /// The files SQLite keeps beside a database `NAME`: `NAME-wal`, `NAME-shm` and `NAME-journal`.
  public static let companions: [(suffix: String, role: String)] = [
    ("-wal", "write-ahead log"), ("-shm", "shared-memory index"), ("-journal", "rollback journal"),
  ]

  /// The files SQLite marks by their first bytes (a `-shm` file has no mark of its own).
  public enum Kind: String, Sendable {
    case database = "a SQLite database"
    case writeAheadLog = "a SQLite write-ahead log"
    case rollbackJournal = "a SQLite rollback journal"
  }

  /// What a file that begins with `header` is, or nil when it is none of SQLite's; the magic
  /// numbers are those of SQLite's file format documentation (sqlite.org/fileformat.html).
  public static func kind(ofHeader header: Data) -> Kind? {
    if header.starts(with: Data("SQLite format 3\u{0}".utf8)) { return .database }
    if header.starts(with: [0x37, 0x7F, 0x06, 0x82])
      || header.starts(with: [0x37, 0x7F, 0x06, 0x83])
    {
      return .writeAheadLog
    }
    if header.starts(with: [0xD9, 0xD5, 0x05, 0xF9, 0x20, 0xA1, 0x63, 0xD7]) {
      return .rollbackJournal
    }
    return nil
  }

  /// What the regular file at `path` is, by its first bytes (see `kind(ofHeader:)`); nil for
  /// any other file, one that cannot be read, or anything but a regular file, which is never
  /// opened for longer than it takes to see that (a FIFO is not waited on).
  public static func kind(ofFileAt path: String) -> Kind? {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    var header = [UInt8](repeating: 0, count: 16)
    let count = read(descriptor, &header, header.count)
    return count > 0 ? kind(ofHeader: Data(header.prefix(count))) : nil
  }
}
