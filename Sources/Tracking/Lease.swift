import Foundation

/// A worker holds the run it trains for `Lease.seconds` after each write of its epochs. A run
/// whose lease has ended is taken for stopped (`Run.isStale`), and the next worker that asks
/// for work in its sweep reclaims it and resumes it from its snapshot. On PostgreSQL the
/// server's clock sets and judges leases, so workers' clocks need not agree.
public enum Lease {
  /// 300 seconds, or the seconds in `NNLAB_LEASE`.
  public static var seconds: TimeInterval { (try? configured.get()) ?? 300 }

  /// `NNLAB_LEASE`, read once: its seconds, or the error naming it.
  public static let configured = EnvironmentSetting.seconds(
    "NNLAB_LEASE", ProcessInfo.processInfo.environment["NNLAB_LEASE"], default: 300,
    atLeast: 1)

  /// When a lease taken at `now` ends, as stored.
  static func end(from now: Date = Date()) -> String {
    Timestamp.string(now.addingTimeInterval(seconds))
  }
}

/// Settings read from the environment.
enum EnvironmentSetting {
  /// `text`, the value of the variable `name`: its seconds, `fallback` when it is unset or
  /// empty, or the error naming it when it is not a number of seconds ≥ `minimum`; at most
  /// 2,000,000 seconds (SQLite's busy timeout is 2³¹ − 1 milliseconds).
  static func seconds(
    _ name: String, _ text: String?, default fallback: TimeInterval, atLeast minimum: Double = 0
  ) -> Result<TimeInterval, TrackingError> {
    guard let text, !text.isEmpty else { return .success(fallback) }
    guard let seconds = Double(text), seconds.isFinite, seconds >= minimum else {
      return .failure(
        .invalidSetting(
          "\(name) must be a number of seconds ≥ \(String(format: "%g", minimum)), got '\(text)'"))
    }
    return .success(min(seconds, 2_000_000))
  }
}
