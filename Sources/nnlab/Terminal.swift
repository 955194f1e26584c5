import Foundation

/// Where output goes, and whether it may be coloured: only on a terminal and never when
/// `NO_COLOR` is set.
struct Terminal: Sendable {
  let fileDescriptor: Int32

  static let standardOutput = Terminal(fileDescriptor: STDOUT_FILENO)
  static let standardError = Terminal(fileDescriptor: STDERR_FILENO)

  var isInteractive: Bool { isatty(fileDescriptor) == 1 }

  var usesColour: Bool { isInteractive && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

  /// Writes `text` whole; a write that fails (a closed pipe, a full disk) is dropped, since
  /// there is nowhere left to say so (FileHandle's `write` would stop the process).
  func write(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes {
        Foundation.write(fileDescriptor, $0.baseAddress, $0.count)
      }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      bytes = bytes.dropFirst(written)
    }
  }

  /// `text` in green (`good`) or red, where colour is used.
  func highlighted(_ text: String, good: Bool) -> String {
    usesColour ? "\u{1B}[\(good ? 32 : 31);1m\(text)\u{1B}[0m" : text
  }
}
