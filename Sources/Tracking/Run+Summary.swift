import Foundation

/// Where a run's errors were measured: the `run_summary.measured_on` values.
public enum MeasuredOn: String, Codable, Sendable {
  case validation, train
}

/// The facts derived from a run, as the `run_summary` view (migration 0006) defines them.
extension Run {
  /// A running run whose heartbeat is older than this is taken for stopped, on any host.
  /// `run_summary.silent` has the same window.
  public static let staleAfter: TimeInterval = 600

  /// Where the run's errors were measured; nil before its first epoch.
  public var measuredOn: MeasuredOn? {
    finalTrainError == nil ? nil : finalValidationError == nil ? .train : .validation
  }

  /// The error a run, or an epoch of it, is judged by: its validation error, else (without a
  /// validation split) its train error.
  public static func judgedError(validation: Double?, train: Double?) -> Double? {
    validation ?? train
  }

  /// The error the run is judged by at its last epoch.
  public var finalError: Double? {
    Self.judgedError(validation: finalValidationError, train: finalTrainError)
  }

  /// The error the run is judged by at its best epoch (the lowest train error is that of the
  /// best epoch without a validation split).
  public var bestError: Double? { BestEpoch(of: self).error }

  /// The finished runs of `runs` that have a final error, the best (the lowest) first; runs
  /// of equal error in the order given.
  public static func ranked(_ runs: [Run]) -> [Run] {
    runs.compactMap { run in run.status == .finished ? run.finalError.map { (run, $0) } : nil }
      .enumerated().sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }
      .map(\.element.0)
  }

  /// Whether the run is `running` with no heartbeat for `window` seconds before `now`.
  public func isSilent(at now: Date = Date(), window: TimeInterval = staleAfter) -> Bool {
    status == .running
      && (heartbeatAt ?? createdAt) < Timestamp.string(now.addingTimeInterval(-window))
  }

  /// Whether the run is `running` but its process is gone: silent (see `isSilent`), past its
  /// lease (`Lease`), or on `host` with a pid that `isAlive` does not find.
  public func isStale(
    on host: String = ProcessIdentity.current.host, window: TimeInterval = staleAfter,
    isAlive: (Int) -> Bool = ProcessIdentity.isAlive
  ) -> Bool {
    guard status == .running else { return false }
    return ProcessIdentity.isGone(host: self.host, pid: pid, here: host, isAlive: isAlive)
      || isSilent(window: window) || leaseExpiresAt.map { $0 < Timestamp.now() } == true
  }
}
