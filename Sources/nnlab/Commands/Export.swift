import ArgumentParser
import Backprop
import Foundation
import Reports
import TensorBoard
import Tracking
import Training

/// `nnlab export runs|epochs|layers|gradient-checks|weights|tensorboard`: the database's data
/// out, as CSV or JSON, or as TensorBoard's event files.
struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Write runs, their epoch, layer and gradient-check series, or their weights as CSV or JSON;"
      + " or runs for TensorBoard.",
    discussion: """
      CSV is RFC 4180 with a header row; every number has all its digits, so
      pandas.read_csv(…) gets the database's values exactly. runs: one row per run; epochs and
      layers: one row per epoch (per layer); gradient-checks: one row per layer of each check.
      """,
    subcommands: [
      Runs.self, Epochs.self, Layers.self, GradientChecks.self, Weights.self, ToTensorBoard.self,
    ])

  /// --run, --sweep, --epoch and where the output goes, shared by every export.
  struct Selection: ParsableArguments {
    @Option(name: .customLong("run"), parsing: .unconditional, help: "One run.")
    var runID: Int64?

    @Option(parsing: .unconditional, help: "The runs of one sweep.")
    var sweep: Int64?

    @Option(parsing: .unconditional, help: "One epoch.")
    var epoch: Int?

    @Option(
      help: "Write to this file (whole or not at all; - for stdout); tensorboard: into this folder."
    )
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
      if runID != nil && sweep != nil {
        throw ValidationError("give --run or --sweep, not both")
      }
    }

    /// The database, with the run or sweep checked to exist.
    func open() throws -> any RunStore {
      let store = try database.open(.readOnly)
      if let runID { _ = try store.run(runID) }
      if let sweep { _ = try store.existingSweep(sweep) }
      return store
    }
  }

  /// `export runs|epochs|layers|gradient-checks`: one table's rows, streamed.
  protocol TableExport: ParsableCommand {
    static var table: ExportQuery { get }
    var format: RowFormat { get }
    var selection: Selection { get }
  }

  struct Runs: TableExport {
    static let configuration = CommandConfiguration(abstract: "One row per run, wide.")
    static let table = ExportQuery.runs
    @Option(help: "csv or json.") var format: RowFormat = .csv
    @OptionGroup var selection: Selection
  }

  struct Epochs: TableExport {
    static let configuration = CommandConfiguration(abstract: "One row per epoch of each run.")
    static let table = ExportQuery.epochs
    @Option(help: "csv or json.") var format: RowFormat = .csv
    @OptionGroup var selection: Selection
  }

  struct Layers: TableExport {
    static let configuration = CommandConfiguration(
      abstract: "One row per layer of each epoch of each run.")
    static let table = ExportQuery.layers
    @Option(help: "csv or json.") var format: RowFormat = .csv
    @OptionGroup var selection: Selection
  }

  struct GradientChecks: TableExport {
    static let configuration = CommandConfiguration(
      commandName: "gradient-checks",
      abstract: "One row per layer of each gradient check of each run.")
    static let table = ExportQuery.gradientChecks
    @Option(help: "csv or json.") var format: RowFormat = .csv
    @OptionGroup var selection: Selection
  }

  struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Weights at a snapshot: for one run a weights file {\"theta\": [Θ1, …]} (for --init-weights);"
        + " CSV: run_id,epoch,layer,row,column,value.")

    @Option(help: "json or csv.")
    var format: RowFormat = .json

    @OptionGroup var selection: Selection

    func validate() throws {
      if selection.runID == nil && selection.sweep == nil {
        throw ValidationError("give --run or --sweep")
      }
    }

    func run() throws {
      let store = try selection.open()
      let runs =
        try selection.runID.map { [$0] }
        ?? store.runs(RunQuery(sweep: selection.sweep)).map(\.id)
      // Each run's weights at the snapshot asked for; a sweep's run without one (one not
      // started, say) is left out.
      let networks = try runs.compactMap { run -> (run: Int64, epoch: Int, network: Network)? in
        let snapshot = try store.snapshot(of: run, atOrBefore: selection.epoch)
        guard let epoch = snapshot.first?.epoch, selection.epoch == nil || epoch == selection.epoch
        else {
          if selection.runID == nil { return nil }
          throw try TrainedModel.noSnapshot(of: run, at: selection.epoch, in: store)
        }
        return (run, epoch, try Network(snapshot: snapshot, activation: .sigmoid))
      }
      switch format {
      case .csv:
        try Output.writeRows(.csv, to: selection.output, sparing: try SparedFiles(store)) {
          columns, row in
          try columns(["run_id", "epoch", "layer", "row", "column", "value"])
          for (run, epoch, network) in networks {
            for (layer, theta) in network.thetas.elements.enumerated() {
              for i in 0..<theta.rows {
                for j in 0..<theta.columns {
                  try row([
                    .integer(run), .integer(Int64(epoch)), .integer(Int64(layer + 1)),
                    .integer(Int64(i)), .integer(Int64(j)), .real(theta[i, j]),
                  ])
                }
              }
            }
          }
        }
      case .json:
        // One run: its weights file; a sweep: a list of its runs' weights, a run a line.
        let text =
          selection.runID != nil
          ? try networks.map { String(decoding: try $0.network.weightsJSON(), as: UTF8.self) }
            .joined() + "\n"
          : "["
            + (try networks.map {
              let line = try JSONText.encode(
                RunWeights(run: $0.run, epoch: $0.epoch, weights: try $0.network.weightsFile()))
              return "\n  " + line
            })
            .joined(separator: ",") + "\n]\n"
        try Output.write(text, to: selection.output, sparing: try SparedFiles(store))
      }
    }
  }
}

extension Export {
  /// `export tensorboard`: a folder `tensorboard --logdir` opens (`TensorBoardExport`), each
  /// file in it replaced whole, and only what an export wrote (`OutputFolder`).
  struct ToTensorBoard: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "tensorboard",
      abstract:
        "A folder TensorBoard opens (--output DIR): a folder per run of its scalars, weight"
        + " histograms and hyperparameters (the HParams tab).")

    @OptionGroup var selection: Selection

    func validate() throws {
      guard let output = selection.output, output != "-" else {
        throw ValidationError("give --output DIR, the folder to write TensorBoard's files in")
      }
      if selection.epoch != nil {
        throw ValidationError("--epoch: TensorBoard gets every epoch")
      }
    }

    func run() throws {
      let store = try selection.open()
      let runs =
        try selection.runID.map { [try store.run($0)] }
        ?? store.runs(RunQuery(sweep: selection.sweep))
      let folder = try OutputFolder(selection.output ?? ".", sparing: try SparedFiles(store))
      let export = TensorBoardExport(runs: runs)
      let names = runs.map(TensorBoardExport.folderName)
      try folder.checkReplaceable(subfolders: names, files: [TensorBoardExport.experimentFileName])
      for (run, name) in zip(runs, names) {
        let file = try export.runFile(run, in: store)
        try folder.write(file.bytes, as: file.name, in: name)
      }
      try folder.write(export.experimentFile, as: TensorBoardExport.experimentFileName, in: nil)
      Terminal.standardOutput.write(
        "wrote \(runs.count) run\(runs.count == 1 ? "" : "s") to \(folder.path): tensorboard --logdir \(folder.path)\n"
      )
    }
  }
}

/// One run's weights in a sweep's weights export, a line of JSON with sorted keys:
/// `{"epoch":…,"run_id":…,"weights":{"theta":…}}`.
private struct RunWeights: Encodable {
  let run: Int64
  let epoch: Int
  let weights: Network.WeightsFile

  private enum CodingKeys: String, CodingKey {
    case run = "run_id"
    case epoch, weights
  }
}

extension Export.TableExport {
  func validate() throws {
    if Self.table == .runs && selection.epoch != nil {
      throw ValidationError("--epoch selects epochs and layers, not runs")
    }
  }

  func run() throws {
    let store = try selection.open()
    let query = Self.table.sql(run: selection.runID, sweep: selection.sweep, epoch: selection.epoch)
    try Output.writeRows(format, to: selection.output, sparing: try SparedFiles(store)) {
      columns, row in
      try store.select(query.sql, parameters: query.parameters, columns: columns, row: row)
    }
  }
}

extension RowFormat: ExpressibleByArgument {}
