import Foundation
import Tracking

/// A report's rows as a terminal shows them: numbers written for people (CSV and JSON keep
/// every digit), in the report's view, with warnings for the user apart.
public struct ReportText: Sendable {
  public var lines: [String]
  /// What the user should know (a best λ at the edge of its range…), for stderr.
  public var warnings: [String]

  /// `result` shown as `view`; `colour` for ANSI colours (a terminal without `NO_COLOR`).
  public init(_ result: QueryResult, view: ReportView, colour: Bool) {
    switch view {
    case .table:
      self.init(lines: Self.table(result).lines(colour: colour), warnings: [])
    case .grid:
      let grid = SweepGrid(result)
      self.init(lines: grid.lines(colour: colour), warnings: grid.edgeWarnings)
    case .validationCurve, .learningCurve:
      let curve = CurveReading(result, over: view == .validationCurve ? .lambda : .examples)
      self.init(lines: curve.lines(colour: colour), warnings: curve.edgeWarnings)
    }
  }

  public init(lines: [String], warnings: [String]) {
    self.lines = lines
    self.warnings = warnings
  }

  /// Every column of `result`, headed by its name; numbers right-aligned.
  static func table(_ result: QueryResult) -> TextTable {
    let numeric = result.columns.indices.map { column in
      result.rows.allSatisfy { $0[column].number != nil || $0[column] == .null }
    }
    let heading = result.columns.map { TextTable.Cell($0, emphasis: .heading) }
    return TextTable(
      rows: [heading] + result.rows.map { $0.map { TextTable.Cell(Self.human($0)) } },
      rightAligned: numeric)
  }

  /// A value for people: a number to four significant digits (whole from 10⁴ on), NULL as —.
  public static func human(_ value: SQLValue) -> String {
    switch value {
    case .null: "—"
    case .integer(let number): String(number)
    case .real(let number): human(number)
    case .text(let text): text
    case .blob(let data): "(\(data.count) bytes)"
    }
  }

  /// `number` to four significant digits: `0.2134`, `1e-05`, `30`; whole from 10⁴ to 10⁹.
  public static func human(_ number: Double) -> String {
    (1e4..<1e9).contains(abs(number))
      ? String(format: "%.0f", number) : String(format: "%.4g", number)
  }
}

extension QueryResult {
  /// Each row as a dictionary from column name to value.
  var records: [[String: SQLValue]] {
    rows.map { Dictionary(zip(columns, $0), uniquingKeysWith: { first, _ in first }) }
  }
}
