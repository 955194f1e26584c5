import Foundation

/// Text for people, the same in every module's messages: names from files and the command line
/// with their control characters escaped, byte counts, counts, and lists cut short.
public enum PlainText {
  /// How many names a list in a message shows before "… and N more".
  public static let listedNames = 5

  /// `text` with each control character written as `\u{1B}` (C0, DEL, C1, and the
  /// bidirectional overrides and isolates, which reorder what follows them), so that a name
  /// read from a file prints as what it is and never acts on a terminal.
  public static func escaped(_ text: some StringProtocol) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
      if isControl(scalar) {
        result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// The first character of `text` that `escaped` writes as an escape, if any.
  public static func firstControl(in text: some StringProtocol) -> Unicode.Scalar? {
    text.unicodeScalars.first(where: isControl)
  }

  /// Whether `scalar` is one that `escaped` writes as an escape.
  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }

  /// `names`, each quoted and escaped, the first `listedNames` of them and then
  /// "… and 99,995 more": `'a', 'b', 'c', 'd', 'e' … and 99,995 more`.
  public static func list(_ names: [String]) -> String {
    let shown = names.prefix(listedNames).map { "'\(escaped($0))'" }.joined(separator: ", ")
    return names.count > listedNames
      ? "\(shown) … and \(count(names.count - listedNames)) more" : shown
  }

  /// `count` with its thousands grouped by commas: `99,995`.
  public static func count(_ count: Int) -> String {
    let digits = String(count.magnitude)
    var grouped = ""
    for (offset, digit) in digits.enumerated() {
      if offset > 0 && (digits.count - offset) % 3 == 0 { grouped += "," }
      grouped.append(digit)
    }
    return (count < 0 ? "-" : "") + grouped
  }

  /// A size in bytes, in the largest decimal unit that keeps it at 1 or more: `82.1 KB`.
  public static func bytes(_ count: Int64) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(count) bytes" : String(format: "%.1f %@", value, units[unit])
  }
}
