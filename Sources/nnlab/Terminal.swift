import Foundation

/// Where output goes, and whether it may be coloured: only on a terminal and never when
/// `NO_COLOR` is set.
struct Terminal: Sendable {
  let fileDescriptor: Int32

  static let standardOutput = Terminal(fileDescriptor: STDOUT_FILENO)
  static let standardError = Terminal(fileDescriptor: STDERR_FILENO)

  var isInteractive: Bool { isatty(fileDescriptor) == 1 }

  var usesColour: Bool { isInteractive && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

  func write(_ text: String) {
    FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: false).write(Data(text.utf8))
  }

  /// `text` in green (`good`) or red, where colour is used.
  func highlighted(_ text: String, good: Bool) -> String {
    usesColour ? "\u{1B}[\(good ? 32 : 31);1m\(text)\u{1B}[0m" : text
  }
}
