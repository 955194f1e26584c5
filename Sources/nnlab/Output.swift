import ArgumentParser
import Foundation
import Reports
import Synchronization
import Tracking

/// Where a command's results go: standard output, a FIFO or device written in place, or a
/// file written whole or not at all — the text goes to a temporary file beside it, renamed over
/// the file once complete, so an interrupted export never leaves half a file. `OutputTarget`
/// decides which, and refuses what must not be written.
final class Output: TextSink {
  private let descriptor: Int32
  /// What messages call the output: the path given, or "standard output".
  private let name: String
  /// The file's path and the temporary file's, when replacing a file.
  private let file: (path: String, temporary: String)?
  private var buffer = Data()
  /// Whether the file is in place.
  private var committed = false

  /// Output to `path` (`-` or nil: standard output), never over a file of `spared`.
  init(path: String?, sparing spared: SparedFiles) throws {
    switch try path.map({ try OutputTarget.resolve($0, sparing: spared) }) ?? .standardOutput {
    case .standardOutput:
      (descriptor, name, file) = (STDOUT_FILENO, "standard output", nil)
    case .inPlace(let descriptor, let name):
      (self.descriptor, self.name, file) = (descriptor, name, nil)
    case .file(let target, let mode):
      // A new file of a unique name (mkstemp: created exclusively, never through a link).
      let url = URL(fileURLWithPath: target)
      var template = Array(
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).XXXXXX")
          .path.utf8CString)
      let descriptor = template.withUnsafeMutableBufferPointer {
        $0.baseAddress.map(mkstemp) ?? -1
      }
      guard descriptor >= 0 else {
        throw OutputTarget.failure(path ?? target, OutputTarget.systemError())
      }
      fchmod(descriptor, mode & 0o777)  // never set-id bits on a report
      let temporary = String(
        decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      (self.descriptor, name, file) = (descriptor, path ?? target, (target, temporary))
      PendingFile.register(temporary)
    }
  }

  deinit {
    if descriptor != STDOUT_FILENO { close(descriptor) }
    // Not committed: the temporary file goes.
    if let file, !committed {
      PendingFile.unregister()
      unlink(file.temporary)
    }
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { try flush() }
  }

  /// Writes what is buffered and, for a file, puts it in place: synced, renamed over the
  /// target, and the rename synced with its folder.
  func commit() throws {
    try flush()
    guard let file else { return }
    guard fsync(descriptor) == 0, rename(file.temporary, file.path) == 0 else {
      throw OutputTarget.failure(name, OutputTarget.systemError())
    }
    PendingFile.unregister()
    committed = true
    let folder = open((file.path as NSString).deletingLastPathComponent.nonEmpty ?? ".", O_RDONLY)
    if folder >= 0 {
      fsync(folder)
      close(folder)
    }
  }

  private func flush() throws {
    guard !buffer.isEmpty else { return }
    // After what `print` has buffered for standard output.
    if file == nil { fflush(nil) }
    try buffer.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = Foundation.write(
          descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw OutputTarget.failure(name, OutputTarget.systemError()) }
        offset += written
      }
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes `text` to `path` (or standard output) whole.
  static func write(_ text: String, to path: String?, sparing spared: SparedFiles) throws {
    let output = try Output(path: path, sparing: spared)
    try output.write(text)
    try output.commit()
  }
}

extension String {
  /// Nil for the empty string.
  fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// `--csv`, `--json` and `--output`: how a command writes rows for scripts.
struct RowOutputOptions: ParsableArguments {
  @Flag(help: "Write CSV (RFC 4180, every digit) instead of a table.")
  var csv = false

  @Flag(help: "Write JSON (an array of objects, every digit) instead of a table.")
  var json = false

  @Option(help: "Write to this file (whole or not at all; - for stdout) instead of stdout.")
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
    _ format: RowFormat, to path: String?, sparing spared: SparedFiles,
    from select: (_ columns: ([String]) throws -> Void, _ row: ([SQLValue]) throws -> Void)
      throws -> Void
  ) throws {
    let output = try Output(path: path, sparing: spared)
    var writer = RowWriter(format: format, sink: output)
    try select({ try writer.begin(columns: $0) }, { try writer.write($0) })
    try writer.end()
    try output.commit()
  }

  /// Writes the lines of `text`, and its warnings to stderr.
  static func write(_ text: ReportText, to path: String?, sparing spared: SparedFiles) throws {
    try write(text.lines.map { $0 + "\n" }.joined(), to: path, sparing: spared)
    for warning in text.warnings { Terminal.standardError.write("warning: \(warning)\n") }
  }
}

/// The temporary file an `Output` or an `OutputFolder` is writing, removed when Ctrl-C, SIGTERM
/// or SIGHUP stops the process before it is renamed into place; the process then dies of the
/// signal as it would have (SIGKILL cannot be caught: its hidden temporary file stays, and the
/// target is still never half-written). A signal the process was started ignoring (`nohup`, `&`
/// in a script) stays ignored.
enum PendingFile {
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
