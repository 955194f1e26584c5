import Foundation

/// A file read whole, with the system's own words when it cannot be: a FIFO or a process
/// substitution (`--data <(zcat d.csv.gz)`) is read to its end like any file.
public enum FileContents {
  /// The bytes of the file at `path`.
  /// - Throws: `DatasetError.missingFile` for a missing file or a directory (no input file
  ///   there: exit 66), `.unreadable` for a file the system will not read, with its reason
  ///   ("Permission denied").
  public static func read(_ path: String) throws -> Data {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      guard errno != ENOENT else { throw DatasetError.missingFile("\(path): no such file") }
      throw failure(path)
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw failure(path) }
    guard info.st_mode & S_IFMT != S_IFDIR else {
      throw DatasetError.missingFile("\(path) is a directory, not a file")
    }
    var data = Data(capacity: info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes {
        Foundation.read(descriptor, $0.baseAddress, $0.count)
      }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure(path) }
      guard count > 0 else { return data }
      data.append(contentsOf: chunk.prefix(count))
    }
  }

  /// "PATH: cannot be read (REASON)", the reason from `errno`.
  private static func failure(_ path: String) -> DatasetError {
    .unreadable("\(path): cannot be read (\(String(cString: strerror(errno))))")
  }
}
