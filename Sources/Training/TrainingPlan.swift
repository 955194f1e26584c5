import Backprop
import Datasets
import Foundation
import Tracking

/// The layer sizes of a run: all of them, or the hidden ones with input and output sizes taken
/// from the data (`--hidden 25`).
public enum LayerSizes: Sendable, Equatable {
  case architecture(Architecture)
  case hidden([Int])

  /// The architecture for data with `inputs` features and `outputs` output units.
  /// - Throws: `TrainingError.mismatch` when given sizes do not fit the data.
  func resolved(inputs: Int, outputs: Int, dataName: String) throws -> Architecture {
    switch self {
    case .architecture(let architecture):
      guard architecture.inputCount == inputs, architecture.outputCount == outputs else {
        throw TrainingError.mismatch(
          "--layers \(architecture) takes \(architecture.inputCount) inputs and gives \(architecture.outputCount)"
            + " outputs, but \(dataName) has \(inputs) features and \(outputs) outputs (try --layers"
            + " \(([inputs] + architecture.layerSizes.dropFirst().dropLast() + [outputs]).map(String.init).joined(separator: "-"))"
            + " or --hidden)")
      }
      return architecture
    case .hidden(let sizes):
      do {
        return try Architecture(layerSizes: [inputs] + sizes + [outputs])
      } catch {
        throw TrainingError.invalidOption("--hidden: \(error)")
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

  /// As `runs.gradcheck_every` stores it: nil once, 0 never, N every N.
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

/// Everything a run is asked to be, with the command line's names in its errors.
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

  /// The most epochs one run may have.
  public static let maximumEpochs = 10_000_000

  /// - Throws: `TrainingError.invalidOption` naming the option and the value.
  public func validate() throws {
    let problems: [(Bool, String)] = [
      (
        learningRate.isFinite && learningRate > 0,
        "--lr must be a finite number greater than 0, got \(learningRate)"
      ),
      (lambda.isFinite && lambda >= 0, "--lambda must be a finite number ≥ 0, got \(lambda)"),
      (
        (0...Self.maximumEpochs).contains(epochs),
        "--epochs must be from 0 to \(Self.maximumEpochs), got \(epochs)"
      ),
      ((batchSize ?? 1) >= 1, "--batch-size must be 1 or more, got \(batchSize ?? 0)"),
      (
        validationFraction.isFinite && validationFraction >= 0 && validationFraction < 1,
        "--validation must be at least 0 and below 1, got \(validationFraction)"
      ),
      ((trainExamples ?? 1) >= 1, "--train-examples must be 1 or more, got \(trainExamples ?? 0)"),
      (snapshotEvery >= 1, "--snapshot-every must be 1 or more, got \(snapshotEvery)"),
      (seed <= UInt64(Int64.max), "--seed must be below 2^63, got \(seed)"),
    ]
    if let problem = problems.first(where: { !$0.0 }) {
      throw TrainingError.invalidOption(problem.1)
    }
    if let patience {
      guard patience >= 1 else {
        throw TrainingError.invalidOption("--patience must be 1 or more, got \(patience)")
      }
      guard validationFraction > 0 else {
        throw TrainingError.invalidOption(
          "--patience watches the validation error: it needs --validation above 0")
      }
    }
    if case .every(let n) = gradientChecks, n < 1 {
      throw TrainingError.invalidOption("--gradcheck-every must be 0 or more, got \(n)")
    }
  }

  /// The plan a stored run was made with.
  init(spec: RunSpec) throws {
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
