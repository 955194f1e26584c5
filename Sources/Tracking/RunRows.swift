import Foundation
import GRDB

/// The rows both backends write alike, and what they derive from them.

/// A `runs` row as it is first inserted: the spec, and either queued or already running.
struct NewRun: PersistableRecord {
  static let databaseTableName = "runs"
  let spec: RunSpec
  let createdAt: String
  let process: ProcessIdentity?

  func encode(to container: inout PersistenceContainer) throws {
    try spec.encode(to: &container)
    container["created_at"] = createdAt
    container["status"] = process == nil ? RunStatus.queued : .running
    if let process {
      container["started_at"] = createdAt
      container["heartbeat_at"] = createdAt
      container["host"] = process.host
      container["pid"] = process.pid
      container["attempts"] = 1
      container["lease_expires_at"] = Lease.end(from: Timestamp.date(from: createdAt) ?? Date())
    }
  }
}
/// Where a run's series stands: the next epoch, the best one, and the lowest train error.
struct SeriesSummary {
  var nextEpoch: Int
  var best: BestEpoch
  var bestTrainError: Double?

  init(nextEpoch: Int, best: BestEpoch, bestTrainError: Double?) {
    (self.nextEpoch, self.best, self.bestTrainError) = (nextEpoch, best, bestTrainError)
  }

  /// The summary of the epochs `epochs`, in order.
  init(_ epochs: [(epoch: Int, trainError: Double, validationError: Double?)]) {
    self.init(nextEpoch: 0, best: BestEpoch(), bestTrainError: nil)
    for epoch in epochs {
      note(
        epoch: epoch.epoch, trainError: epoch.trainError, validationError: epoch.validationError)
    }
  }

  mutating func note(epoch: Int, trainError: Double, validationError: Double?) {
    best.note(epoch: epoch, trainError: trainError, validationError: validationError)
    bestTrainError = min(bestTrainError ?? trainError, trainError)
    nextEpoch = epoch + 1
  }
}

extension SeriesSummary {
  /// The columns of `runs` that `holding` reads.
  static let holderColumns =
    "status, host, pid, last_epoch, best_epoch, best_validation_error, best_train_error"

  /// The summary of `run`, from its `holderColumns` in `row`, if `process` holds it.
  /// - Throws: `TrackingError.runNotFound` (no row), `.runNotRunning`, `.runHeldElsewhere`.
  static func holding(_ row: Row?, of run: Int64, by process: ProcessIdentity) throws -> Self {
    guard let row else { throw TrackingError.runNotFound(run) }
    let status = RunStatus(rawValue: row["status"]) ?? .queued
    guard status == .running else { throw TrackingError.runNotRunning(run, status: status) }
    let (host, pid): (String?, Int?) = (row["host"], row["pid"])
    guard host == process.host, pid == process.pid else {
      throw TrackingError.runHeldElsewhere(run, host: host, pid: pid)
    }
    let lastEpoch: Int? = row["last_epoch"]
    return SeriesSummary(
      nextEpoch: (lastEpoch ?? -1) + 1,
      best: BestEpoch(
        epoch: row["best_epoch"], validationError: row["best_validation_error"],
        lowestTrainError: row["best_train_error"]),
      bestTrainError: row["best_train_error"])
  }

  /// Notes `records` in order after the epochs summed up so far.
  /// - Throws: `TrackingError.invalidValue` for an epoch out of order.
  mutating func note(_ records: [EpochRecord], of run: Int64) throws {
    for record in records {
      guard record.epoch == nextEpoch else {
        throw TrackingError.invalidValue(
          "epoch \(record.epoch) of run \(run) cannot follow epoch \(nextEpoch - 1): epochs are recorded in order"
        )
      }
      note(
        epoch: record.epoch, trainError: record.trainError, validationError: record.validationError)
    }
  }

  /// The values of `summaryColumns` after `last`, the run's new last epoch.
  func summaryValues(after last: EpochRecord) -> [SQLValue] {
    [
      .integer(Int64(last.epoch)), .real(last.cost), .real(last.trainError),
      SQLValue(last.validationError), SQLValue(last.trainAccuracy),
      SQLValue(last.validationAccuracy), SQLValue(best.epoch.map(Int64.init)),
      SQLValue(best.validationError), SQLValue(bestTrainError),
    ]
  }

  /// The summary columns of `runs` an epoch's write sets, in `summaryValues`' order.
  static let summaryColumns = [
    "last_epoch", "final_cost", "final_train_error", "final_validation_error",
    "final_train_accuracy", "final_validation_accuracy", "best_epoch", "best_validation_error",
    "best_train_error",
  ]
}

extension Run {
  /// Refuses to let `process` resume this run unless it is `interrupted`, `running` for
  /// `process` (claimed from a sweep's queue), or `running` for a process that is gone.
  /// - Throws: `TrackingError.runNotRunning`, `.runHeldElsewhere`.
  func requireResumable(by process: ProcessIdentity) throws {
    switch status {
    case .interrupted: return
    case .running where host == process.host && pid == process.pid: return
    case .running:
      guard isStale(on: process.host) else {
        throw TrackingError.runHeldElsewhere(id, host: host, pid: pid)
      }
    default:
      throw TrackingError.runNotRunning(id, status: status)
    }
  }
}

extension SQLValue {
  /// NULL, or the value.
  init(_ value: Double?) { self = value.map(SQLValue.real) ?? .null }
  init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
  init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
}

extension SQLValue {
  /// `ids` as one parameter: PostgreSQL's array text, `{1,2,3}`, for `ANY($n::bigint[])`.
  static func integers(_ ids: [Int64]) -> SQLValue {
    .text("{" + ids.map(String.init).joined(separator: ",") + "}")
  }
}

extension Tag {
  /// Refuses a tag whose key or value holds a control character.
  static func requirePrintable(_ key: String, _ value: String) throws {
    try key.requirePrintable(as: "the tag key")
    try value.requirePrintable(as: "the value of tag '\(key)'")
  }
}

extension EpochRecord {
  /// Refuses a gradient check with a figure that is not finite.
  static func validateGradientCheck(
    _ layers: [(layer: Int, maxAbsDifference: Double, relativeDifference: Double)], of run: Int64,
    epoch: Int
  ) throws {
    for layer in layers where !layer.maxAbsDifference.isFinite || !layer.relativeDifference.isFinite
    {
      throw TrackingError.nonFiniteValue(
        "the gradient check of run \(run), epoch \(epoch), layer \(layer.layer) is not finite")
    }
  }
}
