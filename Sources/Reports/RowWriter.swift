import Foundation
import Tracking

/// Where written rows go: a file, standard output, or a string.
public protocol TextSink {
  mutating func write(_ text: String) throws
}

extension String: TextSink {
  public mutating func write(_ text: String) { append(text) }
}

/// The machine-readable formats of reports and exports.
public enum RowFormat: String, CaseIterable, Sendable {
  /// RFC 4180: a header row, CRLF line ends, fields quoted where they must be.
  case csv
  /// An array of objects, one per row, keys in column order.
  case json
}

/// Writes rows as they come, in CSV or JSON, with every digit: a REAL is written as the
/// shortest decimal that reads back as the same Double, so the file holds the database's values
/// exactly. A BLOB is written as lowercase hex.
public struct RowWriter<Sink: TextSink> {
  public let format: RowFormat
  public private(set) var sink: Sink
  private var columns: [String] = []
  private var rowCount = 0

  public init(format: RowFormat, sink: Sink) {
    self.format = format
    self.sink = sink
  }

  /// Starts the output: the CSV header row, or the JSON array.
  public mutating func begin(columns: [String]) throws {
    self.columns = columns
    switch format {
    case .csv: try sink.write(columns.map(RowText.csvField).joined(separator: ",") + "\r\n")
    case .json: try sink.write("[")
    }
  }

  public mutating func write(_ row: [SQLValue]) throws {
    switch format {
    case .csv:
      var line = ""
      for (index, value) in row.enumerated() {
        if index > 0 { line += "," }
        // Only text can hold a character that needs quotes.
        if case .text(let text) = value {
          line += RowText.csvField(text)
        } else {
          line += RowText.plain(value)
        }
      }
      try sink.write(line + "\r\n")
    case .json:
      let members = zip(columns, row).map { RowText.jsonString($0) + ": " + RowText.json($1) }
      try sink.write(
        (rowCount == 0 ? "\n  {" : ",\n  {") + members.joined(separator: ", ") + "}")
    }
    rowCount += 1
  }

  /// Ends the output (closes the JSON array).
  public mutating func end() throws {
    if format == .json { try sink.write(rowCount == 0 ? "]\n" : "\n]\n") }
  }

  /// `result` whole, in `format`.
  public static func text(of result: QueryResult, as format: RowFormat) throws -> String
  where Sink == String {
    var writer = RowWriter(format: format, sink: "")
    try writer.begin(columns: result.columns)
    for row in result.rows { try writer.write(row) }
    try writer.end()
    return writer.sink
  }
}

/// How `RowWriter` writes values.
enum RowText {
  /// A value as CSV text: NULL is the empty field.
  static func plain(_ value: SQLValue) -> String {
    switch value {
    case .null: ""
    case .integer(let number): String(number)
    case .real(let number): "\(number)"
    case .text(let text): text
    case .blob(let data): hex(data)
    }
  }

  /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
  static func csvField(_ text: String) -> String {
    text.utf8.contains(where: {
      $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D
    })
      ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }

  /// A value as JSON: a REAL that is not finite (SQLite can compute one) is null.
  static func json(_ value: SQLValue) -> String {
    switch value {
    case .null: "null"
    case .integer(let number): String(number)
    case .real(let number): number.isFinite ? "\(number)" : "null"
    case .text(let text): jsonString(text)
    case .blob(let data): jsonString(hex(data))
    }
  }

  static func jsonString(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      case "\r": escaped += "\\r"
      case "\t": escaped += "\\t"
      case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped + "\""
  }

  static func hex(_ data: Data) -> String {
    data.map { String(format: "%02x", $0) }.joined()
  }
}
