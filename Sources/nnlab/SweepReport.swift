import Foundation
import Tracking

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

  var json: String {
    var counts: [String: Int] = [:]
    for run in runs { counts[run.status.rawValue, default: 0] += 1 }
    var object: [String: Any] = ["sweep": sweep, "runs": runs.count, "statuses": counts]
    if let best {
      object["best"] = [
        "id": best.id, "lambda": best.spec.lambda, "lr": best.spec.learningRate,
        "layers": best.spec.layers,
        "validationError": best.finalError ?? NSNull(),
      ]
    }
    let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }
}
