import Foundation

/// Times as the database stores them: ISO-8601 UTC with milliseconds,
/// `2026-11-29T03:50:25.123Z`. Strings of this one format sort as the times do.
public enum Timestamp {
  private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

  /// `date` as stored.
  static func string(_ date: Date) -> String { date.formatted(style) }

  /// The time a stored string stands for; nil for text in another format.
  public static func date(from text: String) -> Date? { try? style.parse(text) }

  /// Now, as stored.
  public static func now() -> String { string(Date()) }
}
