import Foundation
import Tracking
import Training

/// A run's outcome in a few lines, or as JSON for scripts.
struct RunSummary {
  let run: Run

  init(_ run: Run) { self.run = run }

  var text: String {
    let spec = run.spec
    var lines = [
      "run \(run.id) \(run.status.rawValue): \(run.lastEpoch.map { "\($0) of \(spec.epochs)" } ?? "no") epochs of"
        + " \(spec.layers) on \(spec.datasetName), λ = \(Formatting.compact(spec.lambda)), α = \(Formatting.compact(spec.learningRate))"
    ]
    var figures: [String] = []
    if let cost = run.finalCost { figures.append("cost \(Formatting.compact(cost))") }
    if let train = run.finalTrainError {
      figures.append("train error \(Formatting.compact(train))")
    }
    if let validation = run.finalValidationError {
      figures.append("validation error \(Formatting.compact(validation))")
    }
    if let accuracy = run.finalValidationAccuracy ?? run.finalTrainAccuracy {
      figures.append(
        "\(run.finalValidationAccuracy != nil ? "validation" : "train") accuracy \(String(format: "%.1f", accuracy * 100)) %"
      )
    }
    if !figures.isEmpty { lines.append("  " + figures.joined(separator: ", ")) }
    if run.stoppedEarly, let patience = spec.patience {
      lines.append("  stopped early: no better validation error in the last \(patience) epochs")
    }
    if let best = run.bestEpoch, let error = run.bestValidationError {
      lines.append("  best validation error \(Formatting.compact(error)) at epoch \(best)")
    }
    return lines.joined(separator: "\n")
  }

  /// The summary as JSON; with the report of the run that just trained, also its wall time
  /// (`seconds`) and the part of it spent recording (`recordingSeconds`).
  func json(of report: Runner.Report? = nil) throws -> String {
    try JSONText.encode(Figures(run: run, report: report))
  }

  /// What `--json` prints: the run's figures, null where it has none.
  struct Figures: Encodable {
    let run: Run
    let report: Runner.Report?

    private enum CodingKeys: String, CodingKey {
      case id, status, layers, epochs, lastEpoch, cost, trainError, validationError
      case trainAccuracy, validationAccuracy, bestEpoch, bestValidationError, error, stoppedEarly
      case seconds, recordingSeconds
    }

    func encode(to encoder: any Encoder) throws {
      var json = encoder.container(keyedBy: CodingKeys.self)
      try json.encode(run.id, forKey: .id)
      try json.encode(run.status, forKey: .status)
      try json.encode(run.spec.layers, forKey: .layers)
      try json.encode(run.spec.epochs, forKey: .epochs)
      try json.encode(run.lastEpoch, forKey: .lastEpoch)
      try json.encode(run.finalCost, forKey: .cost)
      try json.encode(run.finalTrainError, forKey: .trainError)
      try json.encode(run.finalValidationError, forKey: .validationError)
      try json.encode(run.finalTrainAccuracy, forKey: .trainAccuracy)
      try json.encode(run.finalValidationAccuracy, forKey: .validationAccuracy)
      try json.encode(run.bestEpoch, forKey: .bestEpoch)
      try json.encode(run.bestValidationError, forKey: .bestValidationError)
      try json.encode(run.error, forKey: .error)
      try json.encode(run.stoppedEarly, forKey: .stoppedEarly)
      try json.encodeIfPresent(report?.seconds, forKey: .seconds)
      try json.encodeIfPresent(report?.storageSeconds, forKey: .recordingSeconds)
    }
  }
}
