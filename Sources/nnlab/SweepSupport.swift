import Dispatch
import Foundation
import Synchronization
import Tracking
import Training

/// The worker processes a sweep starts: `nnlab worker --sweep N`, their output discarded (the
/// runs' outcomes are in the database).
struct WorkerPool {
  let processes: [Process]

  init(sweep: Int64, database: String, count: Int) throws {
    let executable =
      FileManager.default.fileExists(atPath: "/proc/self/exe")
      ? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
      : URL(fileURLWithPath: CommandLine.arguments[0])
    processes = try (0..<count).map { _ in
      let process = Process()
      process.executableURL = executable
      process.arguments = ["worker", "--sweep", "\(sweep)", "--db", database]
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      do {
        try process.run()
      } catch {
        throw CommandFailure(
          message: "cannot start a worker process (\(error.localizedDescription))",
          exitCode: .ioError)
      }
      return process
    }
  }

  /// Waits for every worker, showing progress; passes a Ctrl-C or SIGTERM on to them (each
  /// stops after its current epoch). Returns whether the sweep was interrupted.
  func wait(progress: SweepProgress) -> Bool {
    var signalled = false
    while processes.contains(where: \.isRunning) {
      if Interruption.isRequested && !signalled {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGINT) }
        signalled = true
      }
      progress.show()
      usleep(100_000)
    }
    progress.clear()
    return signalled || processes.contains { $0.terminationStatus == 130 }
  }
}

/// One line of a sweep's progress on a terminal: runs done of all, running, failed, the best
/// validation error so far, ETA.
final class SweepProgress: Sendable {
  let store: RunDatabase
  let sweep: Int64
  let enabled: Bool
  private let started = DispatchTime.now().uptimeNanoseconds

  init(store: RunDatabase, sweep: Int64, enabled: Bool) {
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

/// A sweep's outcome: how its runs ended and its best run (the λ × α grid is the `sweep`
/// report's).
struct SweepReport {
  let runs: [Run]
  let sweep: Int64

  /// The figure runs are compared by: final validation error, else final train error.
  private func figure(_ run: Run) -> Double? {
    run.status == .finished ? run.finalValidationError ?? run.finalTrainError : nil
  }

  var best: Run? {
    runs.compactMap { run in figure(run).map { (run, $0) } }.min { $0.1 < $1.1 }?.0
  }

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
          + " \(best.spec.layers): final validation error \(figure(best).map(Formatting.compact) ?? "?")"
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
        "validationError": figure(best) ?? NSNull(),
      ]
    }
    let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }
}
