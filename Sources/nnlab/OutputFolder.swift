import Foundation
import Tracking

/// A folder named for output (`export tensorboard --output DIR`), and the files nnlab writes in
/// it and in folders of its own inside it: the one place that knows what writing into a folder
/// can destroy (docs/files.md).
///
/// - The folder is followed through symbolic links, made with its parents when missing, and
///   refused when it is anything but a folder (a database among them) or cannot be written.
/// - A file is written whole: as a hidden `.nnlab-partial.XXXXXX` beside its name (created
///   exclusively), synced, then renamed over the name, so that a reader finds the old file or
///   the new one. Ctrl-C, SIGTERM or SIGHUP remove the partial file (`PendingFile`), and no
///   reader of event files takes it for one.
/// - Only what nnlab wrote is replaced: `checkReplaceable` refuses, before anything is written,
///   an entry that is a link, a file where a folder is due or the reverse, or a folder holding
///   anything but nnlab's own files (`isOwn`).
struct OutputFolder {
  /// The folder, its links followed.
  let path: String
  /// The folder as given, for messages.
  private let name: String

  /// Whether `file`, a name in a folder of nnlab's own, is one nnlab writes there: an event file
  /// it named (`events.out.tfevents.` then 10 digits then `.nnlab`), or a partial file an
  /// interrupted export left.
  static func isOwn(_ file: String) -> Bool {
    file.wholeMatch(of: /events\.out\.tfevents\.\d{10}\.nnlab|\.nnlab-partial\.[A-Za-z0-9]{6}/)
      != nil
  }

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
        let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
        throw OutputTarget.failure(
          name, code.map { String(cString: strerror(Int32($0))) } ?? "the folder cannot be made")
      }
    } else if info.st_mode & S_IFMT != S_IFDIR {
      throw OutputTarget.refusal(name, "is not a folder: name a folder for the export")
    }
    guard access(target, W_OK | X_OK) == 0 else {
      throw OutputTarget.failure(name, OutputTarget.systemError())
    }
  }

  /// Refuses, before anything is written, what no export wrote among `subfolders` (each to be
  /// a folder of nnlab's own files) and `files` (each to be a regular file nnlab names).
  func checkReplaceable(subfolders: [String], files: [String]) throws {
    for (entry, isFolder) in subfolders.map({ ($0, true) }) + files.map({ ($0, false) }) {
      let target = (path as NSString).appendingPathComponent(entry)
      if let foreign = foreignContent(target, folder: isFolder) {
        throw OutputTarget.refusal(
          target,
          "is \(foreign), not what an export wrote: nnlab replaces only its own (move it, or choose another folder)"
        )
      }
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
      var info = stat()
      let file = (target as NSString).appendingPathComponent(name)
      return !Self.isOwn(name) || lstat(file, &info) != 0 || info.st_mode & S_IFMT != S_IFREG
    }.map { "holding \($0)" }
  }

  /// Writes `bytes` as the file `file` in the folder `subfolder` of this one (made when
  /// missing), or in this folder itself when nil, in place of what was there. In a subfolder,
  /// nnlab's other files are removed once the new one is in place (an event file of another
  /// name, a partial file an interrupted export left).
  func write(_ bytes: [UInt8], as file: String, in subfolder: String?) throws {
    let folder = subfolder.map { (path as NSString).appendingPathComponent($0) } ?? path
    guard mkdir(folder, 0o777) == 0 || errno == EEXIST else {
      throw OutputTarget.failure(folder, OutputTarget.systemError())
    }
    let target = (folder as NSString).appendingPathComponent(file)
    let partial = try writePartial(bytes, in: folder)
    defer { PendingFile.unregister() }
    guard rename(partial, target) == 0 else {
      let reason = OutputTarget.systemError()
      unlink(partial)
      throw OutputTarget.failure(target, reason)
    }
    if subfolder != nil {
      for other in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      where other != file && Self.isOwn(other) {
        unlink((folder as NSString).appendingPathComponent(other))
      }
    }
    let descriptor = open(folder, O_RDONLY | O_DIRECTORY)
    if descriptor >= 0 {
      fsync(descriptor)
      close(descriptor)
    }
  }

  /// Writes `bytes` to a new `.nnlab-partial.XXXXXX` in `folder` (made exclusively, removed by
  /// a signal meanwhile), synced; its path.
  private func writePartial(_ bytes: [UInt8], in folder: String) throws -> String {
    var template = Array(
      (folder as NSString).appendingPathComponent(".nnlab-partial.XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw OutputTarget.failure(folder, OutputTarget.systemError()) }
    defer { close(descriptor) }
    let partial = String(
      decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    PendingFile.register(partial)
    fchmod(descriptor, OutputTarget.newFileMode)  // not mkstemp's owner-only
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes {
        Foundation.write(descriptor, $0.baseAddress, $0.count)
      }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      offset += count
    }
    guard offset == bytes.count, fsync(descriptor) == 0 else {
      let reason = OutputTarget.systemError()
      unlink(partial)
      PendingFile.unregister()
      throw OutputTarget.failure(folder, reason)
    }
    return partial
  }
}
