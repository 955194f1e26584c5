import PlainText

/// Rows of cells as aligned lines for a terminal: each column as wide as its widest cell,
/// padded on the left (right-aligned) or the right, then coloured where asked.
public struct TextTable: Sendable {
  /// How a cell stands out on a colour terminal.
  public enum Emphasis: Sendable {
    case none, heading, good, bad
  }

  public struct Cell: Sendable, ExpressibleByStringLiteral {
    public var text: String
    public var emphasis: Emphasis

    /// A cell of `text`, its control characters shown escaped (a stored name may hold one).
    public init(_ text: String, emphasis: Emphasis = .none) {
      self.text = PlainText.escaped(text)
      self.emphasis = emphasis
    }

    public init(stringLiteral text: String) { self.init(text) }
  }

  public var rows: [[Cell]]
  /// Per column: padded on the left. Columns beyond its end are left-aligned.
  public var rightAligned: [Bool]

  public init(rows: [[Cell]], rightAligned: [Bool]) {
    self.rows = rows
    self.rightAligned = rightAligned
  }

  /// A table of plain text, every column aligned the same way.
  public init(_ rows: [[String]], rightAligned: Bool) {
    self.rows = rows.map { $0.map { Cell($0) } }
    self.rightAligned = Array(repeating: rightAligned, count: rows.map(\.count).max() ?? 0)
  }

  /// The lines, columns joined by `separator`, without trailing spaces; ANSI colours when
  /// `colour` (bold headings, green good, red bad).
  public func lines(separator: String = "  ", colour: Bool = false) -> [String] {
    let columnCount = rows.map(\.count).max() ?? 0
    let widths = (0..<columnCount).map { column in
      rows.map { column < $0.count ? $0[column].text.count : 0 }.max() ?? 0
    }
    return rows.map { row in
      var line = row.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.text.count)
        let right = column < rightAligned.count && rightAligned[column]
        let text = colour ? Self.coloured(cell) : cell.text
        return right ? padding + text : text + padding
      }.joined(separator: separator)
      while line.last == " " { line.removeLast() }
      return line
    }
  }

  private static func coloured(_ cell: Cell) -> String {
    let code =
      switch cell.emphasis {
      case .none: ""
      case .heading: "1"
      case .good: "32;1"
      case .bad: "31"
      }
    return code.isEmpty || cell.text.isEmpty ? cell.text : "\u{1B}[\(code)m\(cell.text)\u{1B}[0m"
  }
}
