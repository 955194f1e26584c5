import Backprop
import PlainText

/// A dataset made ready for training: split into training and validation examples by a seeded
/// shuffle, cut to the first `trainExamples` training examples, and scaled by a scaling fitted
/// on the training examples only.
public struct PreparedData: Sendable {
  public let dataset: Dataset
  /// The examples descent trains on, scaled.
  public let training: Examples
  /// The held-out examples, scaled; nil when the validation fraction is 0.
  public let validation: Examples?
  public let scaling: Scaling
  /// Which rows of the dataset are in each split, in order.
  public let trainingRows: [Int]
  public let validationRows: [Int]

  /// - Parameters:
  ///   - validationFraction: the share in [0, 1) held out, rounded to whole examples.
  ///   - trainExamples: train on the first N training examples only (a learning curve over m).
  ///   - seed: seeds the shuffle; the same seed gives the same split.
  /// - Throws: `DatasetError.invalid` when a split would be empty.
  public init(
    _ dataset: Dataset, validationFraction: Double, trainExamples: Int?,
    scaling method: ScalingMethod, seed: UInt64
  ) throws {
    precondition((0..<1).contains(validationFraction), "the validation fraction is in [0, 1)")
    var generator = SeededGenerator(seed: seed ^ 0x5EED_5B17)  // not the initialization's sequence
    let order = generator.permutation(of: dataset.count)
    let validationCount = Int((Double(dataset.count) * validationFraction).rounded())
    var trainingRows = Array(order.dropFirst(validationCount))
    let validationRows = Array(order.prefix(validationCount))
    if let trainExamples {
      guard trainExamples <= trainingRows.count else {
        throw DatasetError.invalidSetting(
          key: "train-examples",
          problem:
            " \(trainExamples) asks for more than the \(trainingRows.count) training examples"
            + " \(dataset.name) has after the validation split")
      }
      trainingRows = Array(trainingRows.prefix(trainExamples))
    }
    guard !trainingRows.isEmpty else {
      throw DatasetError.invalid(
        "\(dataset.name): no training examples are left after the validation split")
    }
    guard validationFraction == 0 || !validationRows.isEmpty else {
      throw DatasetError.invalid(
        "\(dataset.name): \(dataset.count) examples leave none for validation at \(validationFraction)"
      )
    }
    let training = dataset.examples(at: trainingRows)
    let scaling = Scaling(fitting: method, to: training.inputs)
    if let feature = scaling.firstNonFiniteFeature {
      throw DatasetError.invalid(
        "\(dataset.name), feature '\(PlainText.escaped(dataset.featureNames[feature]))': its"
          + " \(method.rawValue) scaling is not a finite number; a run cannot start with it")
    }
    self.dataset = dataset
    self.scaling = scaling
    self.trainingRows = trainingRows
    self.validationRows = validationRows
    self.training = try Examples(
      inputs: scaling.apply(to: training.inputs), targets: training.targets)
    if validationRows.isEmpty {
      self.validation = nil
    } else {
      let held = dataset.examples(at: validationRows)
      self.validation = try Examples(inputs: scaling.apply(to: held.inputs), targets: held.targets)
    }
  }
}
