import ArgumentParser
import Foundation
import Tracking
import Training

/// Which run, at which epoch, on which data: shared by `evaluate` and `predict`.
struct ModelOnDataOptions: ParsableArguments {
  @Argument(help: "The run's id.")
  var runID: Int64

  @Option(help: "Built-in data or a CSV file with the run's feature columns (by name).")
  var data: String

  @Option(parsing: .unconditional, help: "The snapshot's epoch (default: the last).")
  var epoch: Int?

  @Option(
    name: .customLong("examples"), parsing: .unconditional,
    help: "How many examples a built-in dataset draws.")
  var exampleCount: Int?

  @Option(
    parsing: .unconditional,
    help: "The seed a built-in dataset is drawn with (default: 2, not the training data's 1).")
  var dataSeed: UInt64 = DataSource.defaultDataSeed + 1

  func validate() throws {
    try TrainingOptions.validate(exampleCount: exampleCount)
  }

  @OptionGroup var database: DatabaseOptions

  func model() throws -> TrainedModel {
    try TrainedModel.load(run: runID, epoch: epoch, from: try database.open(.readOnly))
  }
}

/// `nnlab evaluate RUN --data FILE`: a trained network on other data.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Report a run's cost, accuracy and confusion matrix on other data.",
    discussion: "The run's stored scaling and class labels are applied to the data.")

  @OptionGroup var options: ModelOnDataOptions

  @Option(help: "The label column, if not the one the run was trained with.")
  var label: String?

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    let model = try options.model()
    let dataset = try model.load(
      options.data, label: label, examples: options.exampleCount, dataSeed: options.dataSeed)
    let evaluation = try model.evaluate(on: dataset)
    if json {
      print(
        try JSONText.encode(
          Figures(
            run: model.run.id, epoch: model.epoch, data: dataset.name,
            classes: model.outputs.names, evaluation: evaluation)))
      return
    }
    print(
      "run \(model.run.id) at epoch \(model.epoch) on \(dataset.name) (\(evaluation.examples) examples)"
    )
    var line = "  cost \(Formatting.compact(evaluation.cost))"
    if let accuracy = evaluation.accuracy {
      line += ", accuracy \(String(format: "%.1f", accuracy * 100)) %"
    }
    print(line)
    if let confusion = evaluation.confusion {
      print("  confusion matrix (rows: true class, columns: predicted)")
      let names = model.outputs.names
      let rows =
        [[""] + names]
        + confusion.enumerated().map { [names[$0.offset]] + $0.element.map(String.init) }
      Formatting.printLines(Formatting.table(rows), indent: "  ")
    }
  }
}

/// `nnlab predict RUN --data FILE`: one CSV row per example.
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Write a run's predictions as CSV: the predicted class, then each output's probability.")

  @OptionGroup var options: ModelOnDataOptions

  @Option(help: "Write to this file (whole or not at all; - for stdout) instead of stdout.")
  var output: String?

  func run() throws {
    let model = try options.model()
    let dataset = try model.load(
      options.data, examples: options.exampleCount, dataSeed: options.dataSeed, withOutputs: false)
    let outputs = model.outputs(for: dataset.inputs)
    let names = model.outputs.names
    let spared = try SparedFiles(options.database.open(.readOnly), inputs: [options.data])
    try Output.writeRows(.csv, to: output, sparing: spared) { columns, row in
      try columns((model.outputs.areClasses ? ["predicted"] : []) + names.map { "p_\($0)" })
      for i in 0..<outputs.rows {
        let predicted =
          model.outputs.areClasses ? [SQLValue.text(names[outputs.argmax(row: i)])] : []
        try row(predicted + outputs.row(i).map(SQLValue.real))
      }
    }
  }
}

extension Evaluate {
  /// What `--json` prints: the run, epoch and data evaluated, and the figures (accuracy and
  /// confusion null for outputs that are not classes).
  struct Figures: Encodable {
    let run: Int64
    let epoch: Int
    let data: String
    let classes: [String]
    let evaluation: TrainedModel.Evaluation

    private enum CodingKeys: String, CodingKey {
      case run, epoch, data, examples, cost, accuracy, confusion, classes
    }

    func encode(to encoder: any Encoder) throws {
      var json = encoder.container(keyedBy: CodingKeys.self)
      try json.encode(run, forKey: .run)
      try json.encode(epoch, forKey: .epoch)
      try json.encode(data, forKey: .data)
      try json.encode(evaluation.examples, forKey: .examples)
      try json.encode(evaluation.cost, forKey: .cost)
      try json.encode(evaluation.accuracy, forKey: .accuracy)
      try json.encode(evaluation.confusion, forKey: .confusion)
      try json.encode(classes, forKey: .classes)
    }
  }
}
