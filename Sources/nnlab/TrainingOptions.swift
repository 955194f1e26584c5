import ArgumentParser
import Backprop
import Datasets
import Foundation
import Training

/// The options that describe a run (docs/cli.md, "train"), shared by `train` (one value each)
/// and `sweep` (a list for an axis: see its discussion). Each is read by `SweepSpec`, as a sweep
/// file's key of the same name.
struct TrainingOptions: ParsableArguments {
  private static let defaults = TrainingPlan.defaults

  /// The valid names of an option's values, for its help.
  private static func names<T: CaseIterable & RawRepresentable<String>>(_ type: T.Type) -> String {
    T.allCases.map(\.rawValue).joined(separator: ", ")
  }

  @Option(
    help:
      "Built-in data (\(names(BuiltInDataset.self))) or a CSV file with a header row (default: \(SweepSpec().data))."
  )
  var data: String?

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
    parsing: .unconditional, help: "How many examples a built-in dataset draws (glyphs: 5000).")
  var examples: String?

  @Option(
    parsing: .unconditional,
    help:
      "The seed a built-in dataset is drawn with (default: \(DataSource.defaultDataSeed), the same for every run)."
  )
  var dataSeed: String?

  @Option(help: "The layer sizes s1-s2-…-sL (must fit the data).")
  var layers: String?

  @Option(
    help: ArgumentHelp(
      "Hidden layer sizes; input and output sizes come from the data (default: \(defaults.layers.hiddenSizes.map { $0.map(String.init).joined(separator: ",") } ?? "none")).",
      valueName: "25[,25…]"))
  var hidden: String?

  @Option(
    help:
      "Activation of the hidden layers, \(names(Activation.self)) (the output layer is the sigmoid; default: \(defaults.activation.rawValue))."
  )
  var activation: String?

  @Option(help: "Cost function, \(names(Cost.self)) (default: \(defaults.cost.rawValue)).")
  var cost: String?

  @Option(
    name: .customLong("lr"), parsing: .unconditional,
    help: "Learning rate α > 0 (default: \(defaults.learningRate)).")
  var learningRate: String?

  @Option(
    parsing: .unconditional,
    help: "Regularization strength λ ≥ 0 (default: \(defaults.lambda)).")
  var lambda: String?

  @Option(
    parsing: .unconditional, help: "Epochs E: rows 0…E are recorded (default: \(defaults.epochs)).")
  var epochs: String?

  @Option(
    parsing: .unconditional,
    help: "Mini-batch size (default: full-batch gradient descent).")
  var batchSize: String?

  @Option(
    parsing: .unconditional,
    help:
      "The share of examples held out for validation, in [0, 1) (default: \(defaults.validationFraction))."
  )
  var validation: String?

  @Option(parsing: .unconditional, help: "Train on the first N training examples only.")
  var trainExamples: String?

  @Option(
    help:
      "Feature scaling, fitted on the training split: \(names(ScalingMethod.self)) (default: \(defaults.scaling.rawValue))."
  )
  var scale: String?

  @Option(
    parsing: .unconditional,
    help:
      "Seed of the initial weights, the split and the mini-batch order (default: \(defaults.seed))."
  )
  var seed: String?

  @Option(
    parsing: .unconditional,
    help:
      "Snapshot the weights every N epochs; epochs 0 and E always (default: \(defaults.snapshotEvery))."
  )
  var snapshotEvery: String?

  @Option(
    parsing: .unconditional,
    help:
      "Check the gradient numerically every N epochs; 0: never (default: once, before training).")
  var gradcheckEvery: String?

  @Option(
    parsing: .unconditional, help: "Stop once the validation error has not improved for N epochs.")
  var patience: String?

  /// The options given, by sweep field.
  var given: [SweepSpec.CodingKeys: String] {
    let all: [SweepSpec.CodingKeys: String?] = [
      .data: data, .label: label, .targets: targets, .features: features, .examples: examples,
      .dataSeed: dataSeed, .layers: layers, .hidden: hidden, .activation: activation, .cost: cost,
      .lr: learningRate, .lambda: lambda, .epochs: epochs, .batchSize: batchSize,
      .validation: validation, .trainExamples: trainExamples, .scale: scale, .seed: seed,
      .snapshotEvery: snapshotEvery, .gradcheckEvery: gradcheckEvery, .patience: patience,
    ]
    return all.compactMapValues { $0 }
  }

  /// `spec` with the options given (and a sweep's `name`) set over it.
  /// - Throws: `ValidationError` naming the option.
  func spec(over spec: SweepSpec = SweepSpec(), name: String? = nil) throws -> SweepSpec {
    var spec = spec
    var given = self.given
    given[.name] = name
    try Self.naming { try spec.set { key in given[key].map { [$0] } } }
    return spec
  }

  /// `body`, its `TrainingError` a `ValidationError` that names the option (`--lr must be …`).
  static func naming<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as TrainingError {
      throw ValidationError(error.message)
    }
  }

  /// The one run these options describe (`nnlab train`): each axis takes one value here, and
  /// the data options must fit the data named.
  func oneRun() throws -> (plan: TrainingPlan, source: DataSource) {
    if layers != nil && hidden != nil {
      throw ValidationError("give --layers or --hidden, not both")
    }
    if label != nil && targets != nil {
      throw ValidationError("give --label or --targets, not both")
    }
    let spec = try spec()
    try Self.validate(exampleCount: spec.examples)
    if BuiltInDataset(rawValue: spec.data) != nil {
      if let option = [("--label", label), ("--targets", targets), ("--features", features)].first(
        where: { $0.1 != nil })
      {
        throw ValidationError("\(option.0) is for CSV files; --data \(spec.data) is built in")
      }
    } else if examples != nil || dataSeed != nil {
      throw ValidationError(
        "--examples and --data-seed are for the built-in datasets, not --data \(spec.data)")
    }
    return (try Self.naming { try spec.plan() }, spec.source)
  }

  /// `--examples` is at least 1; whether that many fit in memory is checked before they are
  /// drawn (`BuiltInDataset.checkFits`).
  static func validate(exampleCount: Int?) throws {
    if let exampleCount, exampleCount < 1 {
      throw ValidationError("--examples must be at least 1, got \(exampleCount)")
    }
  }
}
