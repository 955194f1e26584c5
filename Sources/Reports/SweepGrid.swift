import Foundation
import Tracking

/// The `sweep` report on a terminal: for each combination of the sweep's other axes, a grid
/// with a row per λ and a column per α, each cell the mean final validation error of its runs
/// (± their standard deviation over seeds) and the mean best, the best cell marked. (Without a
/// validation split, the train error.)
struct SweepGrid {
  /// The columns that tell one grid from another.
  static let panelAxes = ["layers", "activation", "batch_size", "train_examples"]

  let cells: [[String: SQLValue]]

  init(_ result: QueryResult) { cells = result.records }

  /// The grids, one after another, with a legend.
  func lines(colour: Bool) -> [String] {
    guard !cells.isEmpty else { return ["no runs in this sweep"] }
    let withSpread = cells.contains { $0["final_error_std"]?.number != nil }
    let measured =
      cells.contains { $0["measured_on"] == .text("train") }
      ? "train error (no validation split)" : "validation error"
    var lines = [
      "final / best \(measured) (rows λ, columns α"
        + (withSpread ? "; mean ± standard deviation over seeds" : "")
        + "; * the best, ÷ diverged, ! failed, … not finished):"
    ]
    let panels = Panels(cells, by: Self.panelAxes)
    for (key, members) in panels.groups {
      let heading = panels.heading(for: key, always: [])
      if !heading.isEmpty { lines += ["", heading + ":"] }
      lines += grid(members).lines(colour: colour).map { "  " + $0 }
    }
    return lines
  }

  private func grid(_ members: [[String: SQLValue]]) -> TextTable {
    let lambdas = distinctNumbers(members, "lambda")
    let rates = distinctNumbers(members, "lr")
    var rows: [[TextTable.Cell]] = [
      [TextTable.Cell("λ \\ α", emphasis: .heading)]
        + rates.map { TextTable.Cell(ReportText.human($0), emphasis: .heading) }
    ]
    for lambda in lambdas {
      rows.append(
        [TextTable.Cell(ReportText.human(lambda), emphasis: .heading)]
          + rates.map { rate in
            members.first { $0["lambda"]?.number == lambda && $0["lr"]?.number == rate }
              .map(Self.cell) ?? ""
          })
    }
    return TextTable(rows: rows, rightAligned: Array(repeating: true, count: rates.count + 1))
  }

  /// One cell: `final ± std / best` and its marks.
  private static func cell(_ row: [String: SQLValue]) -> TextTable.Cell {
    let marks = CellMarks(row)
    guard let final = row["final_error"]?.number else {
      return TextTable.Cell(marks.symbols, emphasis: marks.nothingFinished ? .bad : .none)
    }
    let spread = row["final_error_std"]?.number.map { " ± " + String(format: "%.2g", $0) }
    let best = row["best_error"]?.number.map { " / " + ReportText.human($0) }
    let isBest = row["best"]?.number == 1
    return TextTable.Cell(
      ReportText.human(final) + (spread ?? "") + (best ?? "") + (isBest ? "*" : "")
        + (marks.symbols.isEmpty ? "" : " " + marks.symbols),
      emphasis: isBest ? .good : .none)
  }

  /// A warning for a best λ or α at the edge of its range.
  var edgeWarnings: [String] {
    guard let best = cells.first(where: { $0["best"]?.number == 1 }) else { return [] }
    let panel = cells.filter { row in Self.panelAxes.allSatisfy { row[$0] == best[$0] } }
    return [("λ", "lambda", "regularization"), ("α", "lr", "learning rate")].compactMap {
      symbol, column, range in
      best[column]?.number.flatMap {
        edgeWarning(symbol, best: $0, of: distinctNumbers(panel, column), range: range)
      }
    }
  }
}

/// What a cell of the `sweep` report's grid says of its runs beside its value: `÷` some
/// diverged, `!` some failed, `…` some not finished yet.
struct CellMarks {
  let symbols: String
  /// Some runs diverged or failed and none finished: the cell has no value for that reason.
  let nothingFinished: Bool

  init(_ row: [String: SQLValue]) {
    let count = { (column: String) in row[column]?.number ?? 0 }
    let ended = count("finished") + count("diverged") + count("failed")
    symbols = [
      count("diverged") > 0 ? "÷" : nil, count("failed") > 0 ? "!" : nil,
      ended < count("runs") ? "…" : nil,
    ].compactMap { $0 }.joined(separator: " ")
    nothingFinished = count("finished") == 0 && count("diverged") + count("failed") > 0
  }
}
