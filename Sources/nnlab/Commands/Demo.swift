import ArgumentParser
import Foundation
import Reports
import Tracking

/// `nnlab demo`: the newcomer's first command — a λ × α sweep on the built-in glyphs, its
/// reports, and an HTML report to open.
struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "A first look: a λ × α sweep of 400-25-10 on the built-in glyphs, its reports, and an HTML report.",
    discussion: """
      Trains 12 runs (λ 0, 1, 10, 100 × α 0.3, 1, 3; 300 epochs, 20 % held out for validation)
      with one worker per core, prints the sweep and validation-curve reports, and writes the
      HTML report beside the database. About 20 seconds on two cores in a release build.
      """)

  @Option(name: .customLong("db"), help: "The database (default ./nnlab-demo.sqlite).")
  var path = "nnlab-demo.sqlite"

  @Flag(help: "A tiny sweep of 4 runs (seconds, for trying it out and for tests).")
  var quick = false

  @Option(parsing: .unconditional, help: "Worker processes (default: the number of cores).")
  var workers: Int?

  @Flag(help: "No progress on stderr.") var quiet = false

  /// The sweep's options.
  var sweepArguments: [String] {
    let grid =
      quick
      ? ["--examples", "300", "--hidden", "8", "--lambda", "0,10", "--lr", "1,3", "--epochs", "20"]
      : [
        "--layers", "400-25-10", "--lambda", "0,1,10,100", "--lr", "0.3,1,3", "--epochs", "300",
        "--snapshot-every", "25",
      ]
    return ["--data", "glyphs", "--validation", "0.2", "--name", "demo", "--db", path] + grid
      + (workers.map { ["--workers", String($0)] } ?? []) + (quiet ? ["--quiet"] : [])
  }

  func run() throws {
    try SweepCommand.parse(sweepArguments).run()
    let store = try RunStores.open(path, access: .readOnly)
    let latest = try store.sweep().map(\.id)
    let curve = try Report.named("validation-curve").run(
      on: store, arguments: latest.map { ["sweep": String($0)] } ?? [:])
    print("\nvalidation curve (nnlab report validation-curve --db \(path)):")
    try Output.write(
      ReportText(curve, view: .validationCurve, colour: Terminal.standardOutput.usesColour),
      to: nil,
      sparing: try SparedFiles(store))
    // Beside the database: nnlab-demo.sqlite → nnlab-demo.html.
    let html =
      (path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) : path) + ".html"
    try Output.write(
      try HTMLReport.html(of: .sweep(latest), in: store), to: html, sparing: try SparedFiles(store))
    print("\nthe HTML report, with every chart: \(html)")
  }
}
