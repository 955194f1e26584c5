import Foundation
import Tracking
import Training

/// A sweep's outcome: how its runs ended and its best run (the λ × α grid is the `sweep`
/// report's).
struct SweepReport {
  let runs: [Run]
  let sweep: Int64

  /// The finished run of lowest final error (`Run.ranked`).
  var best: Run? { Run.ranked(runs).first }

  var text: String {
    var counts: [RunStatus: Int] = [:]
    for run in runs { counts[run.status, default: 0] += 1 }
    var lines = [
      "sweep \(sweep): \(runs.count) runs — "
        + RunStatus.allCases.compactMap { status in
          counts[status].map { "\($0) \(status.rawValue)" }
        }
        .joined(separator: ", ")
    ]
    if let best {
      lines.append(
        "best run: \(best.id), λ = \(Formatting.compact(best.spec.lambda)), α = \(Formatting.compact(best.spec.learningRate)),"
          + " \(best.spec.layers): final validation error \(best.finalError.map(Formatting.compact) ?? "?")"
          + (best.finalValidationAccuracy.map { String(format: " (accuracy %.1f %%)", $0 * 100) }
            ?? ""))
    }
    return lines.joined(separator: "\n")
  }

  /// What `--json` prints: the runs, their count by status, and the best run.
  struct Summary: Encodable {
    /// The best run: its id, λ, α, layers and final error.
    struct Best: Encodable {
      let id: Int64
      let lambda: Double
      let lr: Double
      let layers: String
      let validationError: Double?
    }

    let sweep: Int64
    let runs: Int
    let statuses: [String: Int]
    let best: Best?
  }

  var summary: Summary {
    var counts: [String: Int] = [:]
    for run in runs { counts[run.status.rawValue, default: 0] += 1 }
    return Summary(
      sweep: sweep, runs: runs.count, statuses: counts,
      best: best.map {
        Summary.Best(
          id: $0.id, lambda: $0.spec.lambda, lr: $0.spec.learningRate, layers: $0.spec.layers,
          validationError: $0.finalError)
      })
  }

  func json() throws -> String { try JSONText.encode(summary) }
}
