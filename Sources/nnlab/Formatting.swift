import Backprop
import Foundation
import PlainText
import Reports

/// How numbers, vectors, matrices and tables look on the terminal.
enum Formatting {
  /// `value` with `decimals` digits after the point (in scientific notation from 10⁶ on), and
  /// a leading space where there is no minus sign so columns line up.
  static func number(_ value: Double, decimals: Int) -> String {
    abs(value) < 1e6 || !value.isFinite
      ? String(format: "% .\(decimals)f", value) : String(format: "% .\(decimals)e", value)
  }

  /// `value` as briefly as it can be written: `0`, `0.3`, `1e-05`.
  static func compact(_ value: Double) -> String {
    String(format: "%g", value)
  }

  /// `value` in scientific notation with three significant digits: `1.23e-11`.
  static func scientific(_ value: Double) -> String {
    String(format: "%.2e", value)
  }

  /// A size in bytes, in the largest unit that keeps it at 1 or more: `82.1 KB`.
  static func bytes(_ count: Int64) -> String { PlainText.bytes(count) }

  /// A column vector written on one line: `[ 0.5000, -1.0000 ]ᵀ`.
  static func vector(_ column: Matrix, decimals: Int) -> String {
    "[" + column.elements.map { number($0, decimals: decimals) }.joined(separator: " ") + " ]ᵀ"
  }

  /// A matrix as lines, one per row, entries right-aligned in columns.
  static func matrix(_ matrix: Matrix, decimals: Int) -> [String] {
    let cells = matrix.rowArrays.map { $0.map { number($0, decimals: decimals) } }
    return table(cells, separator: " ").map { "[\($0) ]" }
  }

  /// Prints each line with `indent` before it.
  static func printLines(_ lines: [String], indent: String) {
    for line in lines { print(indent + line) }
  }

  /// Tags as `key=value, …` sorted by key, their control characters escaped.
  static func tags(_ tags: [String: String]) -> String {
    PlainText.escaped(
      tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
  }

  /// Rows of cells padded to a common width per column (cells right-aligned when `rightAligned`).
  static func table(_ rows: [[String]], separator: String = "  ", rightAligned: Bool = true)
    -> [String]
  {
    TextTable(rows, rightAligned: rightAligned).lines(separator: separator)
  }
}
