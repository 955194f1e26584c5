import Foundation

/// One SQLite value, as a query returns it or a parameter binds it: SQLite's five storage
/// classes.
public enum SQLValue: Sendable, Hashable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob(Data)

  /// The value as a number, when it is one (an INTEGER or a REAL).
  public var number: Double? {
    switch self {
    case .integer(let value): Double(value)
    case .real(let value): value
    default: nil
    }
  }

  /// The value as text, when it is TEXT.
  public var text: String? {
    if case .text(let value) = self { value } else { nil }
  }

  /// `text` as the value a user means (`--param k=v`): an integer, else a finite decimal
  /// number (`0.3`, `-1e-3`; not `0x10`, `inf` or `nan`), else text.
  public init(parsing text: String) {
    let decimal = !text.isEmpty && text.allSatisfy { "0123456789+-.eE".contains($0) }
    if decimal, let integer = Int64(text) {
      self = .integer(integer)
    } else if decimal, let real = Double(text), real.isFinite {
      self = .real(real)
    } else {
      self = .text(text)
    }
  }
}

/// What a query returned: its column names, in order, and its rows.
public struct QueryResult: Sendable, Equatable {
  public var columns: [String]
  public var rows: [[SQLValue]]

  public init(columns: [String], rows: [[SQLValue]]) {
    self.columns = columns
    self.rows = rows
  }

  /// The values of the column `name` (all `.null` when there is no such column).
  public func column(_ name: String) -> [SQLValue] {
    guard let index = columns.firstIndex(of: name) else {
      return Array(repeating: .null, count: rows.count)
    }
    return rows.map { $0[index] }
  }
}
