import Foundation
import Tracking

/// Where a path named for output (`--output`, `--html`, the demo's report) is written, and how:
/// the one place that knows what writing a file can destroy (docs/files.md).
///
/// - `-` is standard output; `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N`
///   are the descriptor they name, written where it stands.
/// - A FIFO, a character device or a socket is opened and written in place: never read, never
///   renamed over, never replaced (`>(gzip > e.gz)`, a named pipe, `/dev/null`).
/// - A symlink is followed to its target, missing or not, which is written as a file is; the
///   link stays a link.
/// - A file, or a missing path, is written whole or not at all: to a temporary file beside it,
///   renamed over it once complete (keeping an existing file's permissions).
/// - Refused: a directory, a block device, a file the process may not write, and whatever
///   `SparedFiles` protects.
enum OutputTarget {
  case standardOutput
  /// A descriptor written where it stands: `name` is the path given, for messages.
  case inPlace(descriptor: Int32, name: String)
  /// A file replaced whole: `path` after following links, `mode` its permissions.
  case file(path: String, mode: mode_t)

  /// How `path` is written, or why it may not be.
  /// - Throws: `CommandFailure` naming `path`: exit 64 for a target nnlab refuses (a
  ///   directory, a database), 74 for one the system refuses (permissions, a missing folder).
  static func resolve(_ path: String, sparing spared: SparedFiles) throws -> OutputTarget {
    if path == "-" { return .standardOutput }
    if let descriptor = ownDescriptor(named: path) {
      return try inPlace(descriptor: descriptor, path: path, spared: spared)
    }
    var info = stat()
    if stat(path, &info) == 0 {
      switch info.st_mode & S_IFMT {
      case S_IFIFO, S_IFCHR:
        let descriptor = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, systemError()) }
        // What was opened, not what the name was a moment ago: a file put in its place is
        // written as a file (whole, by rename), never in place.
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, [S_IFIFO, S_IFCHR].contains(opened.st_mode & S_IFMT)
        else {
          close(descriptor)
          return try resolve(path, sparing: spared)
        }
        return .inPlace(descriptor: descriptor, name: path)
      case S_IFSOCK:
        return .inPlace(descriptor: try connect(toSocket: path), name: path)
      case S_IFDIR:
        throw refusal(path, "is a directory: name a file in it")
      case S_IFBLK:
        throw refusal(path, "is a block device: nnlab writes no report onto a disk")
      default:
        break
      }
    }
    let target = try followingLinks(path)
    let name = target == path ? path : "\(path) (a link to \(target))"
    if let protected = spared.protection(of: target) {
      throw refusal(name, "is \(protected): nnlab never writes over it (choose another file)")
    }
    var existing = stat()
    guard stat(target, &existing) == 0 else { return .file(path: target, mode: newFileMode) }
    guard access(target, W_OK) == 0 else { throw failure(name, systemError()) }
    return .file(path: target, mode: existing.st_mode & 0o7777)
  }

  /// The descriptor that `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N` names,
  /// when this process has it open.
  private static func ownDescriptor(named path: String) -> Int32? {
    let number: Int32? =
      switch path {
      case "/dev/stdout": 1
      case "/dev/stderr": 2
      default:
        ["/dev/fd/", "/proc/self/fd/"].lazy.compactMap { prefix in
          path.hasPrefix(prefix) ? Int32(path.dropFirst(prefix.count)) : nil
        }.first
      }
    guard let number, fcntl(number, F_GETFD) != -1 else { return nil }
    return number
  }

  /// A copy of a descriptor this process holds, unless it is a file that must be spared.
  private static func inPlace(descriptor: Int32, path: String, spared: SparedFiles) throws
    -> OutputTarget
  {
    var info = stat()
    if fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
      let protected = spared.protection(of: FileIdentity(info))
        // Opened anew for reading through /dev/fd (on Linux a new open of the same file),
        // since the descriptor itself may be open for writing only (`> file`).
        ?? SQLiteFile.kind(ofFileAt: "/dev/fd/\(descriptor)")?.rawValue
    {
      throw refusal(path, "is \(protected): nnlab never writes over it (choose another file)")
    }
    let copy = dup(descriptor)
    guard copy >= 0 else { throw failure(path, systemError()) }
    return .inPlace(descriptor: copy, name: path)
  }

  /// A connection to the Unix stream socket at `path`.
  private static func connect(toSocket path: String) throws -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else {
      throw failure(path, "the socket's path is longer than \(capacity - 1) bytes")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    #if os(Linux)
      let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw failure(path, systemError()) }
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard connected == 0 else {
      let reason = systemError()
      close(descriptor)
      throw failure(path, reason)
    }
    return descriptor
  }

  /// The path `path` leads to through symbolic links (itself when it is none); the last may
  /// not exist yet.
  static func followingLinks(_ path: String) throws -> String {
    var current = path
    for _ in 0..<40 {  // Linux's limit (ELOOP)
      var info = stat()
      guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink(current, &buffer, buffer.count - 1)
      guard count >= 0 else { throw failure(path, systemError()) }
      let destination = String(
        decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current =
        destination.hasPrefix("/")
        ? destination
        : (current as NSString).deletingLastPathComponent.appendingPathComponentOrSelf(destination)
    }
    throw failure(path, String(cString: strerror(ELOOP)))
  }

  /// The permissions of a new file, as the shell's `>` gives them: 0666 less the umask.
  static var newFileMode: mode_t {
    let mask = umask(0o077)
    umask(mask)
    return 0o666 & ~mask
  }

  /// The system's words for `errno`.
  static func systemError() -> String { String(cString: strerror(errno)) }

  /// A target the system refuses: exit 74.
  static func failure(_ name: String, _ reason: String) -> CommandFailure {
    CommandFailure(message: "\(name): cannot be written (\(reason))", exitCode: .ioError)
  }

  /// A target nnlab refuses: exit 64.
  static func refusal(_ name: String, _ reason: String) -> CommandFailure {
    CommandFailure(message: "\(name) \(reason)", exitCode: .usage)
  }
}

extension String {
  /// `component` in this folder, or `component` alone when this is the empty folder (".").
  fileprivate func appendingPathComponentOrSelf(_ component: String) -> String {
    isEmpty ? component : (self as NSString).appendingPathComponent(component)
  }
}
