import Foundation
import Tracking

/// A folder named for output (`export tensorboard --output DIR`), whose entries nnlab replaces
/// whole: the one place that knows what writing into a folder can destroy (docs/files.md).
///
/// - The folder is followed through symbolic links, made with its parents when missing, and
///   refused when it is anything but a folder (a database among them) or cannot be written.
/// - An entry is written under a hidden temporary name in the folder (`.NAME.XXXXXX`), synced,
///   and then put in place in one step: renamed when the name is free, exchanged with the old
///   entry otherwise (`renameat2`'s `RENAME_EXCHANGE`), the old then removed. A reader sees the
///   old entry or the new, never a mixture, and an interrupted export leaves the old in place.
/// - Only what nnlab wrote is replaced: an entry holding anything but event files (a database,
///   a link, another program's files) is refused, and nothing is written.
struct OutputFolder {
  /// The folder, its links followed.
  let path: String
  /// The folder as given, for messages.
  private let name: String

  /// What file names an entry nnlab replaces may hold: TensorBoard's event files.
  static let ownFileMarker = "tfevents"

  /// The folder `path`, made when missing.
  /// - Throws: `CommandFailure` naming `path`: 64 for what is not a folder, 74 for a folder
  ///   the system will not let nnlab make or write.
  init(_ path: String, sparing spared: SparedFiles) throws {
    let target = try OutputTarget.followingLinks(path)
    name = target == path ? path : "\(path) (a link to \(target))"
    self.path = target
    if let protected = spared.protection(of: target) {
      throw OutputTarget.refusal(name, "is \(protected): nnlab never writes over it")
    }
    var info = stat()
    if stat(target, &info) != 0 {
      do {
        try FileManager.default.createDirectory(
          atPath: target, withIntermediateDirectories: true)
      } catch {
        throw OutputTarget.failure(name, "the folder cannot be made: \(Self.reason(error))")
      }
    } else if info.st_mode & S_IFMT != S_IFDIR {
      throw OutputTarget.refusal(name, "is not a folder: name a folder for the export")
    }
    guard access(target, W_OK | X_OK) == 0 else {
      throw OutputTarget.failure(name, OutputTarget.systemError())
    }
  }

  /// Writes `files` as the folder `entry`, in place of the one an earlier export wrote.
  func replaceFolder(_ entry: String, with files: [(name: String, bytes: [UInt8])]) throws {
    let target = (path as NSString).appendingPathComponent(entry)
    try checkReplaceable(target, folder: true)
    var template = Array((path as NSString).appendingPathComponent(".\(entry).XXXXXX").utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw OutputTarget.failure(name, OutputTarget.systemError())
    }
    let temporary = String(
      decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { try? FileManager.default.removeItem(atPath: temporary) }
    // A folder's permissions as `mkdir` gives them, not mkdtemp's owner-only.
    chmod(temporary, 0o777 & ~Self.umask)
    // Each file under a name no reader takes for an event file until the whole entry is made.
    for file in files {
      let written = try write(file.bytes, inFolder: temporary)
      try move(written, to: (temporary as NSString).appendingPathComponent(file.name))
    }
    syncFolder(temporary)
    try putInPlace(temporary, at: target)
  }

  /// Writes `bytes` as the file `entry`, in place of the one an earlier export wrote.
  func replaceFile(_ entry: String, with bytes: [UInt8]) throws {
    let target = (path as NSString).appendingPathComponent(entry)
    try checkReplaceable(target, folder: false)
    try move(try write(bytes, inFolder: path), to: target)
    syncFolder(path)
  }

  /// Refuses `target` unless it is missing or what an export wrote: a folder of event files,
  /// or one event file.
  private func checkReplaceable(_ target: String, folder: Bool) throws {
    if let foreign = foreignContent(target, folder: folder) {
      throw OutputTarget.refusal(
        target,
        "is \(foreign), not what an export wrote: nnlab replaces only its own (move it, or choose another folder)"
      )
    }
  }

  /// What makes `target` something no export wrote, or nil when it is missing or an export's.
  private func foreignContent(_ target: String, folder: Bool) -> String? {
    var info = stat()
    guard lstat(target, &info) == 0 else { return nil }
    let kind = info.st_mode & S_IFMT
    if kind == S_IFLNK { return "a link" }
    guard folder else {
      return kind == S_IFREG && SQLiteFile.kind(ofFileAt: target) == nil ? nil : "not an event file"
    }
    guard kind == S_IFDIR else { return "not a folder" }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? ["?"]
    return names.first { name in
      !name.contains(Self.ownFileMarker)
        || !isRegularFile((target as NSString).appendingPathComponent(name))
    }.map { "holding \($0)" }
  }

  private func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
  }

  /// Writes `bytes` to a new hidden file in `folder` (made exclusively), synced; its path.
  private func write(_ bytes: [UInt8], inFolder folder: String) throws -> String {
    var template = Array((folder as NSString).appendingPathComponent(".partial.XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw OutputTarget.failure(name, OutputTarget.systemError()) }
    defer { close(descriptor) }
    let path = String(
      decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    fchmod(descriptor, 0o666 & ~Self.umask)
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes {
        Foundation.write(descriptor, $0.baseAddress, $0.count)
      }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        let reason = OutputTarget.systemError()
        unlink(path)
        throw OutputTarget.failure(name, reason)
      }
      offset += count
    }
    guard fsync(descriptor) == 0 else {
      let reason = OutputTarget.systemError()
      unlink(path)
      throw OutputTarget.failure(name, reason)
    }
    return path
  }

  /// Renames `source` to `destination`, or removes it and throws.
  private func move(_ source: String, to destination: String) throws {
    guard rename(source, destination) == 0 else {
      let reason = OutputTarget.systemError()
      unlink(source)
      throw OutputTarget.failure(destination, reason)
    }
  }

  /// Puts the folder `source` at `target`: renamed when `target` is free, else exchanged with
  /// it in one step, the old folder (now at `source`) left for the caller to remove.
  private func putInPlace(_ source: String, at target: String) throws {
    var info = stat()
    if lstat(target, &info) != 0 {
      try move(source, to: target)
    } else if Self.exchange?(AT_FDCWD, source, AT_FDCWD, target, Self.renameExchange) != 0 {
      // No exchange here (an older system, a file system without it): the old folder aside,
      // the new in its place.
      let aside = source + ".old"
      guard rename(target, aside) == 0 else {
        throw OutputTarget.failure(target, OutputTarget.systemError())
      }
      defer { try? FileManager.default.removeItem(atPath: aside) }
      guard rename(source, target) == 0 else {
        let reason = OutputTarget.systemError()
        rename(aside, target)
        throw OutputTarget.failure(target, reason)
      }
    }
    syncFolder(path)
  }

  private func syncFolder(_ folder: String) {
    let descriptor = open(folder, O_RDONLY | O_DIRECTORY)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }

  /// The process's file mode creation mask.
  private static var umask: mode_t {
    let mask = Foundation.umask(0)
    Foundation.umask(mask)
    return mask
  }

  private static func reason(_ error: any Error) -> String {
    ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map {
      String(cString: strerror(Int32($0.code)))
    } ?? error.localizedDescription
  }

  /// `renameat2(2)`'s flag that exchanges two names.
  private static let renameExchange: UInt32 = 1 << 1

  /// `renameat2`, found at run time: Swift's Glibc module does not declare it (glibc 2.28,
  /// Linux 3.15); nil where the C library lacks it.
  private static let exchange:
    (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32)? =
      {
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "renameat2") else {
          return nil
        }
        return unsafeBitCast(
          symbol,
          to: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) ->
            Int32).self)
      }()
}
