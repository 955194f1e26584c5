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
  func json(of report: Runner.Report? = nil) -> String {
    var object: [String: Any?] = [
      "id": run.id, "status": run.status.rawValue, "layers": run.spec.layers,
      "epochs": run.spec.epochs,
      "lastEpoch": run.lastEpoch, "cost": run.finalCost, "trainError": run.finalTrainError,
      "validationError": run.finalValidationError, "trainAccuracy": run.finalTrainAccuracy,
      "validationAccuracy": run.finalValidationAccuracy, "bestEpoch": run.bestEpoch,
      "bestValidationError": run.bestValidationError, "error": run.error,
      "stoppedEarly": run.stoppedEarly,
    ]
    if let report {
      object["seconds"] = report.seconds
      object["recordingSeconds"] = report.storageSeconds
    }
    let data = try? JSONSerialization.data(
      withJSONObject: object.mapValues { $0 ?? NSNull() }, options: [.sortedKeys])
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }
}
