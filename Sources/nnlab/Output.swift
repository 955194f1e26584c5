import ArgumentParser
import Foundation
import Reports
import Synchronization
import Tracking

/// Where a command's results go: standard output, or a file written whole or not at all — the
/// text goes to a temporary file beside it, renamed over the file once complete, so an
/// interrupted export never leaves half a file.
final class Output: TextSink {
  private let handle: FileHandle
  /// The file's path and the temporary file's, when writing a file.
  private let file: (path: String, temporary: String)?
  private var buffer = Data()

  /// Output to `path`, or to standard output when nil.
  init(path: String?) throws {
    guard let path else {
      handle = FileHandle.standardOutput
      file = nil
      return
    }
    // A report written over a database (`--output runs.sqlite`, `--db x.html`) would lose it.
    if let handle = FileHandle(forReadingAtPath: path) {
      defer { try? handle.close() }
      if (try? handle.read(upToCount: 16)) == Data("SQLite format 3\u{0}".utf8) {
        throw CommandFailure(
          message:
            "\(path) is a SQLite database: nnlab does not write over it (choose another file)",
          exitCode: .usage)
      }
    }
    let url = URL(fileURLWithPath: path)
    // A new file of a unique name (mkstemp: created exclusively, never through a link).
    var template = Array(
      url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).XXXXXX")
        .path.utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { $0.baseAddress.map(mkstemp) ?? -1 }
    guard descriptor >= 0 else {
      throw CommandFailure(
        message: "\(path): cannot be written (\(String(cString: strerror(errno))))",
        exitCode: .ioError)
    }
    fchmod(descriptor, 0o644)
    let temporary = String(
      decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    file = (path, temporary)
    PendingFile.register(temporary)
  }

  deinit {
    // Not committed: the temporary file goes.
    if let file {
      PendingFile.unregister()
      if FileManager.default.fileExists(atPath: file.temporary) {
        try? FileManager.default.removeItem(atPath: file.temporary)
      }
    }
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { try flush() }
  }

  /// Writes what is buffered and, for a file, puts it in place.
  func commit() throws {
    try flush()
    guard let file else { return }
    do {
      try handle.synchronize()
      guard rename(file.temporary, file.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
      PendingFile.unregister()
    } catch {
      throw CommandFailure(
        message: "\(file.path): cannot be written (\(String(cString: strerror(errno))))",
        exitCode: .ioError)
    }
  }

  private func flush() throws {
    guard !buffer.isEmpty else { return }
    // After what `print` has buffered for standard output.
    if file == nil { fflush(nil) }
    do {
      try handle.write(contentsOf: buffer)
    } catch {
      throw CommandFailure(
        message:
          "\(file?.path ?? "standard output"): cannot be written (\(error.localizedDescription))",
        exitCode: .ioError)
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes `text` to `path` (or standard output) whole.
  static func write(_ text: String, to path: String?) throws {
    let output = try Output(path: path)
    try output.write(text)
    try output.commit()
  }
}

/// `--csv`, `--json` and `--output`: how a command writes rows for scripts.
struct RowOutputOptions: ParsableArguments {
  @Flag(help: "Write CSV (RFC 4180, every digit) instead of a table.")
  var csv = false

  @Flag(help: "Write JSON (an array of objects, every digit) instead of a table.")
  var json = false

  @Option(help: "Write to this file (whole or not at all) instead of stdout.")
  var output: String?

  func validate() throws {
    if csv && json { throw ValidationError("--csv and --json cannot be given together") }
  }

  /// The machine-readable format asked for, or nil for a terminal table.
  var format: RowFormat? { csv ? .csv : json ? .json : nil }

  /// Whether a table may be coloured: it goes to a terminal, and `NO_COLOR` is not set.
  var usesColour: Bool { output == nil && Terminal.standardOutput.usesColour }
}

extension Output {
  /// Runs `select` — a query that hands over its columns, then each row — writing the rows in
  /// `format` to `path` (standard output when nil) as they come.
  static func writeRows(
    _ format: RowFormat, to path: String?,
    from select: (_ columns: ([String]) throws -> Void, _ row: ([SQLValue]) throws -> Void)
      throws -> Void
  ) throws {
    let output = try Output(path: path)
    var writer = RowWriter(format: format, sink: output)
    try select({ try writer.begin(columns: $0) }, { try writer.write($0) })
    try writer.end()
    try output.commit()
  }

  /// Writes the lines of `text`, and its warnings to stderr.
  static func write(_ text: ReportText, to path: String?) throws {
    try write(text.lines.map { $0 + "\n" }.joined(), to: path)
    for warning in text.warnings { Terminal.standardError.write("warning: \(warning)\n") }
  }
}

/// The temporary file an `Output` is writing, removed when Ctrl-C, SIGTERM or SIGHUP stops the
/// process before it is renamed into place; the process then dies of the signal as it would
/// have (SIGKILL cannot be caught: its hidden `.NAME.XXXXXX` file stays, and the target is still
/// never half-written). A signal the process was started ignoring (`nohup`, `&` in a script)
/// stays ignored.
private enum PendingFile {
  /// The path as a C string, as its address (0 for none): a signal handler may read an atomic
  /// and call `unlink`, and little else. Each string is made once and never freed, so that a
  /// handler running on another thread never reads freed memory (one path an output file).
  private static let path = Atomic<UInt>(0)

  static func register(_ temporary: String) {
    path.store(UInt(bitPattern: strdup(temporary)), ordering: .sequentiallyConsistent)
    // Unblocked too: a process inherits its parent's blocked signals.
    var signals = sigset_t()
    sigemptyset(&signals)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
      guard !isIgnored(signalNumber) else { continue }
      sigaddset(&signals, signalNumber)
      signal(signalNumber) { signalNumber in
        if let pending = UnsafePointer<CChar>(
          bitPattern: PendingFile.path.load(ordering: .sequentiallyConsistent))
        {
          unlink(pending)
        }
        signal(signalNumber, SIG_DFL)
        raise(signalNumber)  // delivered once this handler returns
      }
    }
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// Whether the process was started with `signalNumber` ignored.
  private static func isIgnored(_ signalNumber: Int32) -> Bool {
    var current = sigaction()
    sigaction(signalNumber, nil, &current)
    #if os(Linux)
      let handler = current.__sigaction_handler.sa_handler
    #else
      let handler = current.__sigaction_u.__sa_handler
    #endif
    return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
  }

  static func unregister() {
    path.store(0, ordering: .sequentiallyConsistent)
  }
}
