import Backprop
import Datasets
import Foundation
import Tracking

/// A run's network at one of its snapshots, with what it needs to read new data as it read its
/// training data: the fitted scaling, the feature names and what the outputs mean.
public struct TrainedModel: Sendable {
  public let run: Run
  /// The epoch of the snapshot.
  public let epoch: Int
  public let network: Network
  public let scaling: Scaling
  public let featureNames: [String]
  public let outputs: Outputs

  /// The weights of run `id` at epoch `epoch` (the last snapshot when nil).
  /// - Throws: `TrainingError.notFound` when there is no snapshot at that epoch,
  ///   `TrainingError.invalidInput` when the run's stored scaling, features or outputs are
  ///   unreadable, `TrackingError.runNotFound`.
  public static func load(run id: Int64, epoch: Int? = nil, from database: any RunStore) throws
    -> TrainedModel
  {
    let run = try database.run(id)
    let snapshot = try database.snapshot(of: id, atOrBefore: epoch)
    guard let found = snapshot.first?.epoch, epoch == nil || found == epoch else {
      throw try Self.noSnapshot(of: id, at: epoch, in: database)
    }
    let decoder = JSONDecoder()
    guard let activation = Activation(rawValue: run.spec.activation),
      let scaling = run.spec.scaling.flatMap({
        try? decoder.decode(Scaling.self, from: Data($0.utf8))
      }),
      let features = run.spec.features.flatMap({
        try? decoder.decode([String].self, from: Data($0.utf8))
      }),
      let outputs = run.spec.outputs.flatMap({
        try? decoder.decode(Outputs.self, from: Data($0.utf8))
      }),
      scaling.applies(toFeatures: features.count)
    else {
      throw TrainingError.invalidInput(
        "run \(id) does not record its scaling, features and outputs")
    }
    return TrainedModel(
      run: run, epoch: found, network: try Network(snapshot: snapshot, activation: activation),
      scaling: scaling,
      featureNames: features, outputs: outputs)
  }

  /// The error for a missing snapshot, listing the epochs that have one.
  public static func noSnapshot(of id: Int64, at epoch: Int?, in database: any RunStore) throws
    -> TrainingError
  {
    let epochs = try database.snapshotEpochs(of: id)
    return TrainingError.notFound(
      "run \(id) has no weight snapshot at epoch \(epoch.map(String.init) ?? "any")"
        + (epochs.isEmpty ? "" : " (snapshots: \(Self.describe(epochs)))"))
  }

  /// `0, 10, 20 … 100` or the list when short.
  private static func describe(_ epochs: [Int]) -> String {
    epochs.count <= 6
      ? epochs.map(String.init).joined(separator: ", ")
      : "\(epochs.prefix(3).map(String.init).joined(separator: ", ")) … \(epochs.last ?? 0)"
  }

  /// h_Θ(X) for raw (unscaled) inputs X with the model's features, one row per example.
  public func outputs(for inputs: Matrix) -> Matrix {
    network.forwardPropagate(scaling.apply(to: inputs)).outputs
  }

  /// How the model does on labelled data: its cost without regularization, its accuracy and
  /// confusion matrix (rows: true class, columns: predicted) when the outputs are classes.
  public struct Evaluation: Sendable {
    public let examples: Int
    public let cost: Double
    public let accuracy: Double?
    public let confusion: [[Int]]?
  }

  /// Evaluates on `dataset`, whose features and outputs must be the model's.
  public func evaluate(on dataset: Dataset) throws -> Evaluation {
    let examples = try Examples(inputs: scaling.apply(to: dataset.inputs), targets: dataset.targets)
    let forward = network.forwardPropagate(examples.inputs)
    let objective = try Objective(
      cost: Cost(rawValue: run.spec.costFunction) ?? .crossEntropy, lambda: 0)
    let cost = objective.dataCost(of: forward, targets: examples.targets)
    guard outputs.areClasses else {
      return Evaluation(examples: examples.count, cost: cost, accuracy: nil, confusion: nil)
    }
    var confusion = Array(
      repeating: Array(repeating: 0, count: outputs.count), count: outputs.count)
    for i in 0..<examples.count {
      confusion[examples.targets.argmax(row: i)][forward.outputs.argmax(row: i)] += 1
    }
    let correct = (0..<outputs.count).reduce(0) { $0 + confusion[$1][$1] }
    return Evaluation(
      examples: examples.count, cost: cost, accuracy: Double(correct) / Double(examples.count),
      confusion: confusion)
  }

}

extension TrainedModel {
  /// Loads `data` — a built-in name or a CSV file — as this model reads data: its feature
  /// columns by name, in any order, other columns ignored; its outputs (the run's label or
  /// target columns, by name, unless `label` names another label column) with its classes.
  /// - Parameter withOutputs: false to read the features only (for predictions).
  /// - Throws: `DatasetError` for data that is missing, malformed or does not fit the model,
  ///   `TrainingError.invalidInput` when the run does not record its label column's name and
  ///   `label` does not give it.
  public func load(
    _ data: String, label: String? = nil, examples: Int? = nil,
    dataSeed: UInt64 = DataSource.defaultDataSeed,
    withOutputs: Bool = true
  ) throws -> Dataset {
    let dataset: Dataset
    switch DataSource.named(data, examples: examples, columns: CSVColumns(), dataSeed: dataSeed) {
    case .builtIn:
      dataset = try DataSource.builtIn(name: data, examples: examples, seed: dataSeed).load()
      guard dataset.featureNames == featureNames, !withOutputs || dataset.outputs == outputs else {
        throw DatasetError.invalid(
          "\(data) does not have the features and outputs run \(run.id) was trained on")
      }
    case .csv:
      var columns = CSVColumns(features: featureNames)
      if withOutputs {
        (columns.label, columns.targets) = try label.map { ($0, nil) } ?? outputColumns()
      } else {
        columns.targets = []
      }
      var classes: [String]?
      if case .classes(let names) = outputs, withOutputs { classes = names }
      dataset = try CSVDataset.load(path: data, columns: columns, classes: classes)
      guard !withOutputs || dataset.outputs.count == outputs.count else {
        throw DatasetError.invalid("\(data) does not have the outputs run \(run.id) was trained on")
      }
    }
    return dataset
  }

  /// The run's label column or target columns, by name, as its data source records them.
  private func outputColumns() throws -> (label: String?, targets: [String]?) {
    let trained = run.spec.dataSource.flatMap { try? DataSource(json: $0) }
    if case .csv(_, let stored) = trained, stored.label != nil || stored.targets != nil {
      return (stored.label, stored.targets)
    }
    // A built-in dataset has no label column; a run recorded before the label's name was
    // stored has nil for the default, the last column of a file that may be gone.
    guard case .csv = trained else {
      throw TrainingError.invalidSettingInput(
        key: "label",
        problem: " is needed: run \(run.id) was trained on built-in data, which has no label column"
      )
    }
    throw TrainingError.invalidSettingInput(
      key: "label",
      problem: " is needed: run \(run.id) does not record the name of its label column")
  }
}
