import Datasets
import Foundation
import Tracking

/// Sweeps: a spec becomes a sweep of queued runs, and workers train them.
public enum Sweeps {
  /// Checks every run of `spec` (loading its data once, and splitting and scaling it once for
  /// the runs that do so alike) and returns their `runs` rows, touching
  /// no database: a bad spec is found before anything is stored.
  /// - Throws: `TrainingError`, `DatasetError`.
  public static func runs(of spec: SweepSpec, provenance: Runner.Provenance) throws -> [RunSpec] {
    let plans = try spec.plans()
    let source = spec.source
    let dataset = try source.load()
    let last = LastData()
    return try plans.map { plan in
      try Runner.prepare(plan, on: source, dataset: dataset, reusing: last)
        .runSpec(provenance: provenance)
    }
  }

  /// Queues the runs of `spec` as one sweep, in one transaction.
  public static func queue(
    _ spec: SweepSpec, runs: [RunSpec], in database: any RunStore
  ) throws -> (Sweep, [Run]) {
    try database.createSweep(name: spec.name, spec: try JSONText.encode(spec), runs: runs)
  }

  /// Puts a sweep's stopped runs back in the queue: `interrupted` and `failed` ones, and
  /// `running` ones whose process is gone. Returns their ids.
  public static func requeue(_ sweep: Int64, in database: any RunStore) throws -> [Int64] {
    try database.interruptStaleRuns()
    let stopped = try database.runs(RunQuery(sweep: sweep, statuses: [.interrupted, .failed]))
    return try database.requeueRuns(stopped.map(\.id))
  }

  /// Waits while runs of `sweep` are `running` in other live processes — a second
  /// `sweep --resume`, a `worker` started by hand — calling `poll` every `interval` seconds,
  /// until none is left or `shouldStop` says so. A run whose process is gone (`staleRuns`) is
  /// not waited for. The sweep's summary then counts what those processes trained.
  public static func awaitOtherWorkers(
    of sweep: Int64, in database: any RunStore, interval: TimeInterval = 0.2,
    shouldStop: () -> Bool, poll: () -> Void = {}
  ) throws {
    while !shouldStop() {
      let stale = Set(try database.staleRuns().map(\.id))
      let running = try database.runs(RunQuery(sweep: sweep, statuses: [.running]))
      guard running.contains(where: { !stale.contains($0.id) }) else { return }
      poll()
      usleep(UInt32(interval * 1_000_000))
    }
  }

  /// What a worker did.
  public struct WorkDone: Sendable {
    public var trained: [Runner.Report] = []
    public var failed: [(run: Int64, error: String)] = []
    /// Whether it stopped for a signal (its current run is `interrupted`).
    public var interrupted = false
  }

  /// Claims the queued runs of `sweep` one at a time and trains each until none is left. A run
  /// that fails or diverges does not stop the work, nor does one that another worker took
  /// over once this one's lease had ended (`onLost`); a signal does, after its current epoch.
  /// - Throws: `TrackingError` when the database itself cannot be used.
  public static func work(
    on sweep: Int64, with runner: Runner, onRun: (Runner.Report) -> Void = { _ in },
    onFailure: (Int64, String) -> Void = { _, _ in },
    onLost: (Int64, String) -> Void = { _, _ in }
  ) throws -> WorkDone {
    var done = WorkDone()
    /// A run that could not train is marked failed (if the runner has not done so) and left.
    func fail(_ run: Int64, _ message: String) {
      try? runner.database.finishRun(run, outcome: .failed(message))
      done.failed.append((run, message))
      onFailure(run, message)
    }
    while !runner.shouldStop(), let run = try runner.database.claimQueuedRun(in: sweep) {
      do {
        let report = try runner.trainClaimed(run)
        done.trained.append(report)
        onRun(report)
        if case .interrupted = report.outcome {
          done.interrupted = true
          break
        }
      } catch let error as TrackingError {
        switch error.cause {
        case .locked, .unusable, .damaged, .connectionLost: throw error
        case .runHeldElsewhere, .runNotRunning:
          onLost(run.id, error.description)  // the run is the other worker's now
        default:
          fail(run.id, error.description)
        }
      } catch {
        fail(run.id, "\(error)")
      }
    }
    return done
  }
}
