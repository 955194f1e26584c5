import Datasets
import Synchronization

/// The data of the last run, kept for the next one of a worker (or the next plan of a sweep):
/// the dataset it loaded, and the dataset split and scaled as its plan said, which the next
/// plan usually asks for again, differing only in λ or α.
final class LastData: Sendable {
  private let dataset = Mutex<(source: DataSource, dataset: Dataset)?>(nil)
  private let prepared = Mutex<(key: PreparationKey, data: PreparedData)?>(nil)

  /// What prepared data is made of: the data (where from, read how, and its SHA-256: a file
  /// read with other columns has the same hash), and the plan's split and scaling.
  private struct PreparationKey: Equatable {
    let source: DataSource
    let sha256: String
    let validationFraction: Double
    let trainExamples: Int?
    let scaling: ScalingMethod
    let seed: UInt64
  }

  /// `source`'s dataset with the SHA-256 `expected`: the one kept when it is that, else
  /// loaded again (the file may have changed), and kept.
  func load(_ source: DataSource, expected: String) throws -> Dataset {
    let match = dataset.withLock { kept -> Dataset? in
      if let kept, kept.source == source, kept.dataset.sha256 == expected { return kept.dataset }
      kept = nil  // not the one: let it go, and what was prepared from it, before another loads
      return nil
    }
    if let match { return match }
    prepared.withLock { $0 = nil }
    let loaded = try source.load()
    dataset.withLock { $0 = (source, loaded) }
    return loaded
  }

  /// `dataset`, loaded from `source`, split and scaled as `plan` says: the data kept when it
  /// was made the same way, else made, and kept. The plan must be valid.
  func prepared(
    _ dataset: Dataset, from source: DataSource, for plan: TrainingPlan
  ) throws -> PreparedData {
    let key = PreparationKey(
      source: source, sha256: dataset.sha256, validationFraction: plan.validationFraction,
      trainExamples: plan.trainExamples, scaling: plan.scaling, seed: plan.seed)
    let match = prepared.withLock { kept -> PreparedData? in
      if let kept, kept.key == key { return kept.data }
      kept = nil
      return nil
    }
    if let match { return match }
    let data = try PreparedData(dataset, for: plan)
    prepared.withLock { $0 = (key, data) }
    return data
  }
}

extension PreparedData {
  /// `dataset` split and scaled as `plan` says.
  init(_ dataset: Dataset, for plan: TrainingPlan) throws {
    try self.init(
      dataset, validationFraction: plan.validationFraction, trainExamples: plan.trainExamples,
      scaling: plan.scaling, seed: plan.seed)
  }
}
