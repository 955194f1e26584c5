import ArgumentParser
import Foundation
import Reports
import Tracking

extension RunStatus: ExpressibleByArgument {}

/// `nnlab runs`: the runs, filtered, sorted and cut, as a table or for scripts.
struct Runs: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List runs: filter them with --where, sort them by any figure.",
    discussion: """
      The fields of --where and --sort are the columns of 'nnlab report runs' (id, sweep,
      status, layers, lr, lambda, epochs, train_error, validation_error, best_validation_error,
      validation_accuracy, seconds, …) and tag.KEY. EXPR: comparisons (= != < <= > >=), and,
      or, not, parentheses, in (…), between … and …, is null; numbers and quoted strings:
        --where 'lambda >= 0.1 and status = finished and validation_error < 0.3'
        --where 'lr in (0.3, 1) or tag.note = "baseline"'
      """)

  @Option(parsing: .unconditional, help: "Only the runs of this sweep.")
  var sweep: Int64?

  @Option(help: "Only runs in this status (repeat for several).")
  var status: [RunStatus] = []

  @Option(name: .customLong("where"), help: "A filter expression (see below).")
  var filter: String?

  @Option(help: "The column to sort by.")
  var sort = "id"

  @Flag(help: "Sort from the highest value down.")
  var desc = false

  @Option(parsing: .unconditional, help: "At most this many runs.")
  var limit: Int?

  @OptionGroup var rowOutput: RowOutputOptions
  @OptionGroup var database: DatabaseOptions

  func validate() throws {
    if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, got \(limit)") }
  }

  func run() throws {
    let store = try database.openForReports()
    if let sweep { _ = try store.existingSweep(sweep) }
    let listing = RunListing(
      sweep: sweep, statuses: status, filter: try filter.map(RunFilter.init(parsing:)), sort: sort,
      descending: desc, limit: limit)
    if let format = rowOutput.format {
      try Output.writeRows(format, to: rowOutput.output, sparing: try SparedFiles(store)) {
        columns, row in
        try listing.run(on: store, columns: columns, row: row)
      }
      return
    }
    let result = try listing.run(on: store).selecting(RunListing.terminalColumns)
    let text =
      result.rows.isEmpty
      ? ReportText(lines: ["no runs"], warnings: [])
      : ReportText(
        lines: ReportText(result, view: .table, colour: rowOutput.usesColour).lines + [
          "\(result.rows.count) run\(result.rows.count == 1 ? "" : "s")"
        ], warnings: [])
    try Output.write(text, to: rowOutput.output, sparing: try SparedFiles(store))
  }
}
