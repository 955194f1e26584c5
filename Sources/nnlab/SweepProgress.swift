import Dispatch
import Tracking

/// One line of a sweep's progress on a terminal: runs done of all, running, failed, the best
/// validation error so far, ETA.
final class SweepProgress: Sendable {
  let store: any RunStore
  let sweep: Int64
  let enabled: Bool
  private let started = DispatchTime.now().uptimeNanoseconds

  init(store: any RunStore, sweep: Int64, enabled: Bool) {
    self.store = store
    self.sweep = sweep
    self.enabled = enabled
  }

  func show() {
    guard enabled, let counts = try? store.statusCounts(in: sweep) else { return }
    let total = counts.values.reduce(0, +)
    let ended = [RunStatus.finished, .diverged, .failed].reduce(0) { $0 + (counts[$1] ?? 0) }
    let best = (try? store.runs(RunQuery(sweep: sweep, sort: .bestValidationError, limit: 1)))?
      .first?
      .bestValidationError
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let remaining = ended == 0 ? 0 : elapsed / Double(ended) * Double(total - ended)
    Terminal.standardError.write(
      "\r\u{1B}[K sweep \(sweep)  \(ended)/\(total) done  \(counts[.running] ?? 0) running"
        + "  \(counts[.failed] ?? 0) failed  \(counts[.diverged] ?? 0) diverged"
        + (best.map { "  best validation \(Formatting.compact($0))" } ?? "")
        + "  ETA \(Int(remaining.rounded()))s")
  }

  func clear() {
    if enabled { Terminal.standardError.write("\r\u{1B}[K") }
  }
}
