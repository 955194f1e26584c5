import Backprop
import Datasets
import Foundation
import Tracking

// A run's hyperparameters, declared once, in this file: each one's field and default
// (`TrainingPlan`), its check (`TrainingPlan.validate`), its key and how a sweep reads it, lists it
// and writes it (`SweepSpec`), and its `runs` column (`Runner.Prepared.runSpec`,
// `TrainingPlan(stored:)`). The command line's option is in `TrainingOptions` (nnlab), the column
// in Tracking's `RunSpec` and a migration.

/// The layer sizes of a run: all of them, or the hidden ones with input and output sizes taken
/// from the data (`--hidden 25`).
public enum LayerSizes: Sendable, Equatable {
  case architecture(Architecture)
  case hidden([Int])

  /// The hidden sizes when only they are given.
  public var hiddenSizes: [Int]? {
    if case .hidden(let sizes) = self { sizes } else { nil }
  }

  /// The architecture for data with `inputs` features and `outputs` output units.
  /// - Throws: `TrainingError.invalidValue` when given sizes do not fit the data.
  func resolved(inputs: Int, outputs: Int, dataName: String) throws -> Architecture {
    switch self {
    case .architecture(let architecture):
      guard architecture.inputCount == inputs, architecture.outputCount == outputs else {
        let fitting = [inputs] + architecture.layerSizes.dropFirst().dropLast() + [outputs]
        throw TrainingError.invalid(
          .layers,
          " \(architecture) takes \(architecture.inputCount) inputs and gives \(architecture.outputCount)"
            + " outputs, but \(dataName) has \(inputs) features and \(outputs) outputs (\(fitting.map(String.init).joined(separator: "-"))"
            + " would fit, as would hidden sizes alone)")
      }
      return architecture
    case .hidden(let sizes):
      do {
        return try Architecture(layerSizes: [inputs] + sizes + [outputs])
      } catch {
        throw TrainingError.invalid(.hidden, ": \(error)")
      }
    }
  }
}

/// When a run checks its gradient numerically.
public enum GradientCheckPolicy: Sendable, Equatable {
  /// Never.
  case never
  /// Once, at epoch 0, before training.
  case once
  /// At every epoch that is a multiple of N (0 included).
  case every(Int)

  /// Whether epoch `epoch` is checked.
  func checks(_ epoch: Int) -> Bool {
    switch self {
    case .never: false
    case .once: epoch == 0
    case .every(let n): epoch % n == 0
    }
  }

  /// As `--gradcheck-every` and `runs.gradcheck_every` give it: nil once, 0 never, N every N.
  var stored: Int? {
    switch self {
    case .never: 0
    case .once: nil
    case .every(let n): n
    }
  }

  init(stored: Int?) {
    switch stored {
    case nil: self = .once
    case 0: self = .never
    case let n?: self = .every(n)
    }
  }
}

/// Everything a run is asked to be: one point of a sweep. Its defaults are those of every run.
public struct TrainingPlan: Sendable, Equatable {
  public var layers: LayerSizes
  public var activation: Activation
  public var cost: Cost
  public var learningRate: Double
  public var lambda: Double
  public var epochs: Int
  /// nil: full-batch gradient descent.
  public var batchSize: Int?
  public var seed: UInt64
  public var validationFraction: Double
  /// nil: the whole training split.
  public var trainExamples: Int?
  public var snapshotEvery: Int
  public var scaling: ScalingMethod
  public var gradientChecks: GradientCheckPolicy
  /// Stop once the validation error has not improved for this many epochs; nil: never.
  public var patience: Int?

  public init(
    layers: LayerSizes = .hidden([25]), activation: Activation = .sigmoid,
    cost: Cost = .crossEntropy,
    learningRate: Double = 1, lambda: Double = 1, epochs: Int = 100, batchSize: Int? = nil,
    seed: UInt64 = 1,
    validationFraction: Double = 0.2, trainExamples: Int? = nil, snapshotEvery: Int = 1,
    scaling: ScalingMethod = .standard, gradientChecks: GradientCheckPolicy = .once,
    patience: Int? = nil
  ) {
    self.layers = layers
    self.activation = activation
    self.cost = cost
    self.learningRate = learningRate
    self.lambda = lambda
    self.epochs = epochs
    self.batchSize = batchSize
    self.seed = seed
    self.validationFraction = validationFraction
    self.trainExamples = trainExamples
    self.snapshotEvery = snapshotEvery
    self.scaling = scaling
    self.gradientChecks = gradientChecks
    self.patience = patience
  }

  /// The plan of a run given no options.
  public static let defaults = TrainingPlan()

  /// The most epochs one run may have.
  public static let maximumEpochs = 10_000_000

  /// - Throws: `TrainingError.invalidValue` naming the hyperparameter and the value.
  public func validate() throws {
    let problems: [(Bool, SweepSpec.CodingKeys, String)] = [
      (
        learningRate.isFinite && learningRate > 0, .lr,
        " must be a finite number greater than 0, got \(learningRate)"
      ),
      (lambda.isFinite && lambda >= 0, .lambda, " must be a finite number ≥ 0, got \(lambda)"),
      (
        (0...Self.maximumEpochs).contains(epochs), .epochs,
        " must be from 0 to \(Self.maximumEpochs), got \(epochs)"
      ),
      ((batchSize ?? 1) >= 1, .batchSize, " must be 1 or more, got \(batchSize ?? 0)"),
      (
        validationFraction.isFinite && validationFraction >= 0 && validationFraction < 1,
        .validation, " must be at least 0 and below 1, got \(validationFraction)"
      ),
      ((trainExamples ?? 1) >= 1, .trainExamples, " must be 1 or more, got \(trainExamples ?? 0)"),
      (snapshotEvery >= 1, .snapshotEvery, " must be 1 or more, got \(snapshotEvery)"),
      (seed <= UInt64(Int64.max), .seed, " must be below 2^63, got \(seed)"),
      ((patience ?? 1) >= 1, .patience, " must be 1 or more, got \(patience ?? 0)"),
      (
        patience == nil || validationFraction > 0, .patience,
        " watches the validation error: it needs validation above 0"
      ),
      (
        gradientChecks == .never || (gradientChecks.stored ?? 1) >= 1, .gradcheckEvery,
        " must be 0 or more, got \(gradientChecks.stored ?? 0)"
      ),
    ]
    if let (_, key, problem) = problems.first(where: { !$0.0 }) {
      throw TrainingError.invalid(key, problem)
    }
  }
}

/// A sweep: the hyperparameters of `nnlab train`, where each axis — layers, activation,
/// batch-size, train-examples, seed, lambda, lr — holds a list. The same fields come from the
/// command line or from a YAML or JSON file (keys as the options are named), and give the same
/// runs. A hyperparameter's field is nil until given; then it replaces `TrainingPlan`'s default.
public struct SweepSpec: Codable, Sendable, Equatable {
  public var name: String?
  public var data = "glyphs"
  public var label: String?
  public var targets: [String]?
  public var features: [String]?
  public var examples: Int?
  public var dataSeed: UInt64?
  /// Axis: architectures `s1-…-sL`; nil for `hidden`.
  public var layers: [String]?
  /// The hidden sizes when `layers` is nil.
  public var hidden: [Int]?
  public var activation: [Activation]?
  public var cost: Cost?
  public var lr: [Double]?
  public var lambda: [Double]?
  public var epochs: Int?
  /// Axis: mini-batch sizes.
  public var batchSize: [Int]?
  public var validation: Double?
  public var trainExamples: [Int]?
  public var scale: ScalingMethod?
  public var seed: [UInt64]?
  public var snapshotEvery: Int?
  /// nil: once, before training; 0: never; N: every N epochs.
  public var gradcheckEvery: Int?
  /// Early stopping after this many epochs without a better validation error.
  public var patience: Int?

  public init() {}

  /// The fields, named as the command line options and the file keys are.
  public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
    case name, data, label, targets, features, examples, layers, hidden, activation, cost, lr,
      lambda, epochs
    case validation, scale, seed
    case dataSeed = "data-seed"
    case batchSize = "batch-size"
    case trainExamples = "train-examples"
    case snapshotEvery = "snapshot-every"
    case gradcheckEvery = "gradcheck-every"
    case patience
  }

  /// Sets every field that `reader` has a value for.
  /// - Throws: `TrainingError.invalidValue` naming the field and the value.
  mutating func set(from reader: FieldReader) throws {
    if let value = try reader.one(.name) { name = value }
    if let value = try reader.one(.data) { data = value }
    if let value = try reader.one(.label) { label = value }
    if let value = try reader.items(.targets) { targets = value }
    if let value = try reader.items(.features) { features = value }
    if let value = try reader.single(.examples, FieldReader.whole) { examples = value }
    if let value = try reader.single(.dataSeed, FieldReader.seed) { dataSeed = value }
    if let value = try reader.items(.layers) { layers = value }
    if let value = try reader.list(.hidden, FieldReader.whole) { hidden = value }
    if let value = try reader.choices(.activation, Activation.self) { activation = value }
    if let value = try reader.choice(.cost, Cost.self) { cost = value }
    if let value = try reader.numbers(.lr) { lr = value }
    if let value = try reader.numbers(.lambda) { lambda = value }
    if let value = try reader.single(.epochs, FieldReader.whole) { epochs = value }
    if let value = try reader.list(.batchSize, FieldReader.whole) { batchSize = value }
    if let value = try reader.single(.validation, { Double($0) }) { validation = value }
    if let value = try reader.list(.trainExamples, FieldReader.whole) { trainExamples = value }
    if let value = try reader.choice(.scale, ScalingMethod.self) { scale = value }
    if let value = try reader.list(.seed, FieldReader.seed) { seed = value }
    if let value = try reader.single(.snapshotEvery, FieldReader.whole) { snapshotEvery = value }
    if let value = try reader.single(.gradcheckEvery, FieldReader.whole) { gradcheckEvery = value }
    if let value = try reader.single(.patience, FieldReader.whole) { patience = value }
  }

  /// The plan every run starts from: the defaults, with the values given that are not axes.
  var base: TrainingPlan {
    var plan = TrainingPlan.defaults
    if let hidden { plan.layers = .hidden(hidden) }
    if let cost { plan.cost = cost }
    if let epochs { plan.epochs = epochs }
    if let validation { plan.validationFraction = validation }
    if let scale { plan.scaling = scale }
    if let snapshotEvery { plan.snapshotEvery = snapshotEvery }
    if let gradcheckEvery { plan.gradientChecks = GradientCheckPolicy(stored: gradcheckEvery) }
    if let patience { plan.patience = patience }
    return plan
  }

  /// The axes of the grid, the slowest first (α varies fastest).
  func axes() throws -> [Axis] {
    let sizes = try layers?.map { text in
      do {
        return LayerSizes.architecture(try Architecture(parsing: text))
      } catch {
        throw TrainingError.invalid(.layers, ": \(error)")
      }
    }
    return [
      Axis(.layers, sizes) { $0.layers = $1 },
      Axis(.activation, activation) { $0.activation = $1 },
      Axis(.batchSize, batchSize) { $0.batchSize = $1 },
      Axis(.trainExamples, trainExamples) { $0.trainExamples = $1 },
      Axis(.seed, seed) { $0.seed = $1 },
      Axis(.lambda, lambda) { $0.lambda = $1 },
      Axis(.lr, lr) { $0.learningRate = $1 },
    ]
  }

  /// The spec as it is stored with its sweep: every hyperparameter with its value, given or
  /// default (the layers only when given).
  public func encode(to encoder: any Encoder) throws {
    let base = self.base
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodeIfPresent(name, forKey: .name)
    try container.encode(data, forKey: .data)
    try container.encodeIfPresent(label, forKey: .label)
    try container.encodeIfPresent(targets, forKey: .targets)
    try container.encodeIfPresent(features, forKey: .features)
    try container.encodeIfPresent(examples, forKey: .examples)
    try container.encodeIfPresent(dataSeed, forKey: .dataSeed)
    try container.encodeIfPresent(layers, forKey: .layers)
    try container.encodeIfPresent(base.layers.hiddenSizes, forKey: .hidden)
    try container.encode((activation ?? [base.activation]).map(\.rawValue), forKey: .activation)
    try container.encode(base.cost.rawValue, forKey: .cost)
    try container.encode(lr ?? [base.learningRate], forKey: .lr)
    try container.encode(lambda ?? [base.lambda], forKey: .lambda)
    try container.encode(base.epochs, forKey: .epochs)
    try container.encodeIfPresent(batchSize, forKey: .batchSize)
    try container.encode(base.validationFraction, forKey: .validation)
    try container.encodeIfPresent(trainExamples, forKey: .trainExamples)
    try container.encode(base.scaling, forKey: .scale)
    try container.encode(seed ?? [base.seed], forKey: .seed)
    try container.encode(base.snapshotEvery, forKey: .snapshotEvery)
    try container.encodeIfPresent(base.gradientChecks.stored, forKey: .gradcheckEvery)
    try container.encodeIfPresent(base.patience, forKey: .patience)
  }
}

extension Runner.Prepared {
  /// The `runs` row of this run: its hyperparameters, data identity and provenance.
  public func runSpec(provenance: Runner.Provenance, sweep: Int64? = nil) throws -> RunSpec {
    let dataset = data.dataset
    return RunSpec(
      sweepId: sweep, name: provenance.name, layers: network.architecture.description,
      activation: plan.activation.rawValue, costFunction: plan.cost.rawValue,
      learningRate: plan.learningRate,
      lambda: plan.lambda, epochs: plan.epochs, batchSize: plan.batchSize, seed: Int64(plan.seed),
      validationFraction: plan.validationFraction, trainExamples: plan.trainExamples,
      snapshotEvery: plan.snapshotEvery, datasetName: dataset.name, datasetSha256: dataset.sha256,
      scaling: try JSONText.encode(data.scaling), nnlabVersion: provenance.nnlabVersion,
      commandLine: provenance.commandLine,
      dataSource: try JSONText.encode(source.recorded(for: dataset)),
      features: try JSONText.encode(dataset.featureNames),
      outputs: try JSONText.encode(dataset.outputs),
      gradcheckEvery: plan.gradientChecks.stored, patience: plan.patience)
  }
}

extension TrainingPlan {
  /// The plan a stored run was made with.
  init(stored spec: RunSpec) throws {
    guard let activation = Activation(rawValue: spec.activation),
      let cost = Cost(rawValue: spec.costFunction),
      let scalingJSON = spec.scaling,
      let scaling = try? JSONDecoder().decode(Scaling.self, from: Data(scalingJSON.utf8))
    else {
      throw TrainingError.cannotResume(
        "the stored run's activation, cost or scaling is not readable")
    }
    self.init(
      layers: .architecture(try Architecture(parsing: spec.layers)), activation: activation,
      cost: cost,
      learningRate: spec.learningRate, lambda: spec.lambda, epochs: spec.epochs,
      batchSize: spec.batchSize,
      seed: UInt64(bitPattern: spec.seed), validationFraction: spec.validationFraction,
      trainExamples: spec.trainExamples,
      snapshotEvery: spec.snapshotEvery, scaling: scaling.method,
      gradientChecks: GradientCheckPolicy(stored: spec.gradcheckEvery), patience: spec.patience)
  }
}
