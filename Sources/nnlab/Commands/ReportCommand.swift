import ArgumentParser
import Datasets
import Foundation
import Reports
import Tracking

/// `nnlab report [NAME]`: a report of the catalog (`reports/NAME.sql`), or the user's own
/// SELECT, run on a connection that can only read.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Run a report of the catalog, or your own SELECT, on the runs database.",
    discussion: """
      Without a name, or with --list, lists the catalog. Your own query (--file, --sql) runs
      on a read-only connection: one SELECT; anything that writes is refused. A query stops
      after --timeout seconds of work or past 256 MiB of memory.
      """)

  @Argument(help: "The report's name (see --list).")
  var name: String?

  @Flag(help: "List the catalog: names, descriptions, parameters.")
  var list = false

  @Option(
    name: .customLong("param"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp("A parameter of the report.", valueName: "name=value"))
  var parameters: [String] = []

  @Option(help: "Run the SELECT in this file (its header may declare parameters).")
  var file: String?

  @Option(help: "Run this SELECT.")
  var sql: String?

  @Option(help: "Write the HTML report (charts of a sweep, or of --runs) to this file.")
  var html: String?

  @Option(parsing: .unconditional, help: "With --html: the sweep (default: the latest).")
  var sweep: Int64?

  @Option(help: "With --html: these runs instead of a sweep (1,2,3).")
  var runs: String?

  @Option(
    parsing: .unconditional,
    help: "Stop a query that works longer than this many seconds (0: no limit).")
  var timeout: Double = QueryLimits.standard.seconds ?? 0

  @OptionGroup var rowOutput: RowOutputOptions
  @OptionGroup var database: DatabaseOptions

  func validate() throws {
    if [name != nil, file != nil, sql != nil, html != nil].filter({ $0 }).count > 1 {
      throw ValidationError("give one of a report name, --file, --sql and --html")
    }
    if html == nil && (sweep != nil || runs != nil) {
      throw ValidationError("--sweep and --runs choose what --html shows")
    }
    if sweep != nil && runs != nil { throw ValidationError("give --sweep or --runs, not both") }
    if html != nil && (rowOutput.format != nil || rowOutput.output != nil) {
      throw ValidationError("--html writes its own file: --csv, --json and --output do not apply")
    }
    if html != nil && (list || !parameters.isEmpty) {
      throw ValidationError("--html takes --sweep or --runs, not --list or --param")
    }
    guard timeout.isFinite, timeout >= 0 else {
      throw ValidationError(
        "--timeout must be a number of seconds ≥ 0 (0: no limit), got \(timeout)")
    }
    _ = try runIDs()
    _ = try arguments()
  }

  /// The database, read-only, its queries held to --timeout.
  private func openStore() throws -> any RunStore {
    var store = try database.openForReports()
    store.queryLimits.seconds = timeout == 0 ? nil : timeout
    return store
  }

  func run() throws {
    if let html {
      let store = try openStore()
      let selection = try runIDs().map(HTMLReport.Selection.runs) ?? .sweep(sweep)
      let page: String
      do {
        page = try HTMLReport.html(of: selection, in: store)
      } catch ReportError.nothingToReport(let problem) {
        throw CommandFailure(
          message: "\(problem): choose runs with --runs 1,2,…", exitCode: .missingInput)
      }
      try Output.write(page, to: html, sparing: try SparedFiles(store))
      print(html)
      return
    }
    guard let report = try chosenReport(), !list else {
      try Output.write(
        Self.catalogText, to: rowOutput.output,
        sparing: try SparedFiles(
          // The catalog needs no database; where there is one, its runs' data is spared too.
          database: database.shown, runs: try? database.open(.readOnly),
          inputs: file.map { [$0] } ?? []))
      return
    }
    let store = try openStore()
    let bindings = try report.bindings(try arguments())
    // A run or sweep named by its id must exist (rather than give an empty report).
    if case .integer(let id) = bindings["sweep"] { _ = try store.existingSweep(id) }
    if case .integer(let id) = bindings["run"] { _ = try store.run(id) }
    let spared = try SparedFiles(store, inputs: file.map { [$0] } ?? [])
    if let format = rowOutput.format {
      try Output.writeRows(format, to: rowOutput.output, sparing: spared) { columns, row in
        try store.select(report.sql(for: store), parameters: bindings, columns: columns, row: row)
      }
    } else {
      let result = try store.select(report.sql(for: store), parameters: bindings)
      try Output.write(
        ReportText(result, view: report.view, colour: rowOutput.usesColour), to: rowOutput.output,
        sparing: spared)
    }
  }

  /// The report named, read from --file, or given by --sql; nil for none.
  private func chosenReport() throws -> Report? {
    if let name { return try Report.named(name) }
    if let file {
      let text = String(decoding: try FileContents.read(file), as: UTF8.self)
      let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
      return try Report(name: name, sql: text)
    }
    return try sql.map { try Report(name: "--sql", sql: $0) }
  }

  /// The ids of `--runs`, each once, in the order given.
  private func runIDs() throws -> [Int64]? {
    try runs.map { list in
      let ids = try list.split(separator: ",", omittingEmptySubsequences: false).map {
        guard let id = Int64($0.trimmingCharacters(in: .whitespaces)) else {
          throw ValidationError("--runs takes run ids separated by commas, got '\(list)'")
        }
        return id
      }
      return ids.enumerated().filter { ids.firstIndex(of: $0.element) == $0.offset }.map(\.element)
    }
  }

  /// The `--param name=value` pairs.
  private func arguments() throws -> [String: String] {
    var arguments: [String: String] = [:]
    for parameter in parameters {
      let parts = parameter.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty else {
        throw ValidationError("--param needs name=value, got '\(parameter)'")
      }
      arguments[parts[0]] = parts[1]
    }
    return arguments
  }

  /// The catalog: each report's name, description and parameters with their defaults.
  static var catalogText: String {
    var lines: [String] = []
    for report in Report.catalog {
      lines.append("\(report.name): \(report.description)")
      for parameter in report.parameters {
        let others = parameter.words.filter { $0 != parameter.defaultValue }
        lines.append(
          "    --param \(parameter.name)=…  (default \(parameter.defaultValue)"
            + (others.isEmpty ? "" : "; or \(others.joined(separator: ", "))")
            + ") \(parameter.help)")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
