import ArgumentParser
import Foundation
import Reports
import Tracking

/// `nnlab compare RUN RUN…`: runs side by side, what differs marked.
struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Runs side by side: a column per run, a row per hyperparameter and figure.",
    discussion: "Rows whose values differ are marked ≠ (and bold on a terminal).")

  @Argument(help: "Two or more runs' ids.")
  var runIDs: [Int64]

  @OptionGroup var database: DatabaseOptions

  func validate() throws {
    if runIDs.count < 2 { throw ValidationError("compare needs two runs or more") }
  }

  func run() throws {
    let store = try database.openForReports()
    for id in runIDs { _ = try store.run(id) }
    let result = try RunListing(ids: runIDs).run(on: store)
    let ids = result.column("id")
    let records = runIDs.compactMap { id in
      ids.firstIndex(of: .integer(id)).map {
        Dictionary(zip(result.columns, result.rows[$0])) { a, _ in a }
      }
    }
    var rows = result.columns.filter { $0 != "id" }.map { column in
      (column, records.map { $0[column] ?? .null })
    }
    let tags = try runIDs.map { try store.tags(of: $0) }
    for key in Set(tags.flatMap(\.keys)).sorted() {
      rows.append(("tag.\(key)", tags.map { $0[key].map(SQLValue.text) ?? .null }))
    }
    let colour = Terminal.standardOutput.usesColour
    var table: [[TextTable.Cell]] = [
      ["", TextTable.Cell("run", emphasis: .heading)]
        + runIDs.map { TextTable.Cell(String($0), emphasis: .heading) }
    ]
    for (name, values) in rows {
      let differs = Set(values).count > 1
      let emphasis: TextTable.Emphasis = differs ? .heading : .none
      table.append(
        [TextTable.Cell(differs ? "≠" : ""), TextTable.Cell(name, emphasis: emphasis)]
          + values.map { TextTable.Cell(ReportText.human($0), emphasis: emphasis) })
    }
    Formatting.printLines(
      TextTable(rows: table, rightAligned: [false, false] + runIDs.map { _ in true }).lines(
        colour: colour), indent: "")
  }
}
