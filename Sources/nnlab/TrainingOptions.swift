import ArgumentParser
import Backprop
import Datasets
import Foundation
import Training

extension ScalingMethod: ExpressibleByArgument {}

/// The options that describe a run: data, network, descent, recording (docs/cli.md, "train").
struct TrainingOptions: ParsableArguments {
  @Option(help: "Built-in data (glyphs, xor, spirals) or a CSV file with a header row.")
  var data = "glyphs"

  @Option(help: "The CSV column of class labels, one-hot encoded (default: the last column).")
  var label: String?

  @Option(
    help: ArgumentHelp(
      "Numeric CSV target columns in [0, 1], instead of a label.", valueName: "c1,c2,…"))
  var targets: String?

  @Option(
    help: ArgumentHelp(
      "The CSV feature columns (default: all but the outputs).", valueName: "c1,c2,…"))
  var features: String?

  @Option(
    name: .customLong("examples"),
    parsing: .unconditional, help: "How many examples a built-in dataset draws (glyphs: 5000).")
  var exampleCount: Int?

  @Option(
    parsing: .unconditional,
    help: "The seed a built-in dataset is drawn with (default: 1, the same for every run).")
  var dataSeed: UInt64?

  @Option(help: "The layer sizes s1-s2-…-sL (must fit the data).", transform: parseArchitecture)
  var layers: Architecture?

  @Option(
    help: ArgumentHelp(
      "Hidden layer sizes; input and output sizes come from the data.", valueName: "25[,25…]"))
  var hidden: String?

  @Option(help: "Activation of the hidden layers (the output layer is the sigmoid).")
  var activation: Activation = .sigmoid

  @Option(help: "Cost function.")
  var cost: Cost = .crossEntropy

  @Option(name: .customLong("lr"), parsing: .unconditional, help: "Learning rate α > 0.")
  var learningRate: Double = 1

  @Option(
    name: .customLong("lambda"), parsing: .unconditional, help: "Regularization strength λ ≥ 0.")
  var lambda: Double = 1

  @Option(parsing: .unconditional, help: "Epochs E: rows 0…E are recorded.")
  var epochs: Int = 100

  @Option(parsing: .unconditional, help: "Mini-batch size (default: full-batch gradient descent).")
  var batchSize: Int?

  @Option(
    parsing: .unconditional, help: "The share of examples held out for validation, in [0, 1).")
  var validation: Double = 0.2

  @Option(parsing: .unconditional, help: "Train on the first N training examples only.")
  var trainExamples: Int?

  @Option(help: "Feature scaling, fitted on the training split.")
  var scale: ScalingMethod = .standard

  @Option(
    parsing: .unconditional,
    help: "Seed of the initial weights, the split and the mini-batch order.")
  var seed: UInt64 = 1

  @Option(
    help: ArgumentHelp("Weights to start from (JSON {\"theta\": [Θ1, …]}).", valueName: "file.json")
  )
  var initWeights: String?

  @Option(
    parsing: .unconditional, help: "Snapshot the weights every N epochs (epochs 0 and E always).")
  var snapshotEvery: Int = 1

  @Option(
    parsing: .unconditional,
    help:
      "Check the gradient numerically every N epochs; 0: never (default: once, before training).")
  var gradcheckEvery: Int?

  @Option(
    parsing: .unconditional, help: "Stop once the validation error has not improved for N epochs.")
  var patience: Int?

  func validate() throws {
    if layers != nil && hidden != nil {
      throw ValidationError("give --layers or --hidden, not both")
    }
    try TrainingOptions.validate(exampleCount: exampleCount)
    if label != nil && targets != nil {
      throw ValidationError("give --label or --targets, not both")
    }
    if let targets, targets.split(separator: ",").isEmpty {
      throw ValidationError("--targets needs the names of target columns, comma-separated")
    }
    if BuiltInDataset(rawValue: data) != nil {
      if let option = [("--label", label), ("--targets", targets), ("--features", features)].first(
        where: { $0.1 != nil })
      {
        throw ValidationError("\(option.0) is for CSV files; --data \(data) is built in")
      }
    } else if exampleCount != nil || dataSeed != nil {
      throw ValidationError(
        "--examples and --data-seed are for the built-in datasets, not --data \(data)")
    }
    do {
      try plan().validate()
    } catch let error as TrainingError {
      throw ValidationError(error.description)
    }
  }

  /// The hyperparameters these options name.
  func plan() throws -> TrainingPlan {
    let sizes: LayerSizes
    if let layers {
      sizes = .architecture(layers)
    } else {
      let parts = (hidden ?? "25").split(separator: ",", omittingEmptySubsequences: false)
      let numbers = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard numbers.count == parts.count, numbers.allSatisfy({ $0 >= 1 }) else {
        throw ValidationError(
          "--hidden takes unit counts such as 25 or 25,25, got '\(hidden ?? "")'")
      }
      sizes = .hidden(numbers)
    }
    let checks: GradientCheckPolicy
    switch gradcheckEvery {
    case nil: checks = .once
    case 0: checks = .never
    case let n?: checks = .every(n)
    }
    return TrainingPlan(
      layers: sizes, activation: activation, cost: cost, learningRate: learningRate, lambda: lambda,
      epochs: epochs,
      batchSize: batchSize, seed: seed, validationFraction: validation,
      trainExamples: trainExamples,
      snapshotEvery: snapshotEvery, scaling: scale, gradientChecks: checks, patience: patience)
  }

  /// Where the data comes from.
  var source: DataSource {
    let list = { (text: String?) in
      text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }
    return DataSource.named(
      data, examples: exampleCount,
      columns: CSVColumns(label: label, targets: list(targets), features: list(features)),
      dataSeed: dataSeed ?? DataSource.defaultDataSeed)
  }

  /// `--examples` is at least 1; whether that many fit in memory is checked before they are
  /// drawn (`BuiltInDataset.checkFits`).
  static func validate(exampleCount: Int?) throws {
    if let exampleCount, exampleCount < 1 {
      throw ValidationError("--examples must be at least 1, got \(exampleCount)")
    }
  }
}
