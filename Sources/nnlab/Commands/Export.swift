import ArgumentParser
import Backprop
import Foundation
import Tracking
import Training

/// `nnlab export weights|epochs`: a run's data out of the database.
struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a run's weights (a weights file) or its epoch series as JSON or CSV.",
    subcommands: [Weights.self, Epochs.self])

  enum Format: String, CaseIterable, ExpressibleByArgument { case json, csv }

  struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Write a run's weights at a snapshot: JSON {\"theta\": [Θ1, …]} (for --init-weights) or CSV."
    )

    @Option(name: .customLong("run"), parsing: .unconditional, help: "The run's id.")
    var runID: Int64

    @Option(parsing: .unconditional, help: "The snapshot's epoch (default: the last).")
    var epoch: Int?

    @Option(help: "json: a weights file; csv: layer,row,column,value rows.")
    var format: Format = .json

    @Option(help: "Write to this file instead of stdout.")
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func run() throws {
      let store = try database.open(.readOnly)
      let snapshot = try store.snapshot(of: runID, atOrBefore: epoch)
      guard let found = snapshot.first?.epoch, epoch == nil || found == epoch else {
        _ = try store.run(runID)
        throw try TrainedModel.noSnapshot(of: runID, at: epoch, in: store)
      }
      let network = try Network(snapshot: snapshot, activation: .sigmoid)
      let thetas = network.thetas.elements
      switch format {
      case .json:
        try CommandFailure.write(
          String(decoding: try network.weightsJSON(), as: UTF8.self) + "\n", to: output)
      case .csv:
        var lines = ["layer,row,column,value"]
        for (index, theta) in thetas.enumerated() {
          for i in 0..<theta.rows {
            for j in 0..<theta.columns { lines.append("\(index + 1),\(i),\(j),\(theta[i, j])") }
          }
        }
        try CommandFailure.write(lines.joined(separator: "\n") + "\n", to: output)
      }
    }
  }

  struct Epochs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a run's epoch series.")

    @Option(name: .customLong("run"), parsing: .unconditional, help: "The run's id.")
    var runID: Int64

    @Option(help: "csv or json.")
    var format: Format = .csv

    @Option(help: "Write to this file instead of stdout.")
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func run() throws {
      let store = try database.open(.readOnly)
      _ = try store.run(runID)
      let epochs = try store.epochs(of: runID)
      switch format {
      case .json:
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        try CommandFailure.write(
          String(decoding: try encoder.encode(epochs), as: UTF8.self) + "\n", to: output)
      case .csv:
        let text = { (value: Double?) in value.map { String($0) } ?? "" }
        var lines = [
          "run_id,epoch,cost,train_error,validation_error,train_accuracy,validation_accuracy,gradient_norm,seconds"
        ]
        for e in epochs {
          lines.append(
            "\(e.runId),\(e.epoch),\(e.cost),\(e.trainError),\(text(e.validationError)),\(text(e.trainAccuracy)),"
              + "\(text(e.validationAccuracy)),\(e.gradientNorm),\(e.seconds)")
        }
        try CommandFailure.write(lines.joined(separator: "\n") + "\n", to: output)
      }
    }
  }
}

/// CSV fields written by nnlab.
enum CSVText {
  /// `value`, quoted when it holds a comma, a quote or a line break.
  static func field(_ value: String) -> String {
    value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
      ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
  }
}
