import Foundation
import TestSupport
import Testing
import Tracking

@testable import Training

/// On runs the runner trains, the `run_summary` view and `Run`'s properties agree, and early
/// stopping counts its patience from the best epoch the database records.
struct RunSummaryTests {
  @Test func theViewAndRunAgreeOnTrainedRuns() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try RunDatabase.open(path: directory.appendingPathComponent("runs.sqlite").path)
    let plans = [
      TrainingPlan(
        layers: .hidden([8]), learningRate: 30, lambda: 0, epochs: 300, validationFraction: 0.3,
        gradientChecks: .never, patience: 5),
      TrainingPlan(layers: .hidden([3]), epochs: 20, validationFraction: 0, gradientChecks: .never),
    ]
    var specs: [RunSpec] = []
    for plan in plans {
      let prepared = try Runner.prepare(plan, on: .builtIn(name: "spirals", examples: 80, seed: 1))
      specs.append(
        try Runner(database: store).train(prepared, provenance: .init(nnlabVersion: "test")).run
          .spec)
    }
    _ = try store.createSweep(name: nil, spec: "{}", runs: specs)  // queued: no figures yet

    let runs = try store.runs()
    let view = try store.select(
      "SELECT run_id, measured_on, final_error, best_error, silent FROM run_summary ORDER BY run_id"
    )
    func value(_ number: Double?) -> SQLValue { number.map(SQLValue.real) ?? .null }
    #expect(
      view.rows
        == runs.map {
          [
            .integer($0.id), $0.measuredOn.map { .text($0.rawValue) } ?? .null,
            value($0.finalError), value($0.bestError), .integer($0.isSilent() ? 1 : 0),
          ]
        })
    #expect(runs.map(\.measuredOn) == [.validation, .train, nil, nil])

    // The loop stopped `patience` epochs after the best epoch the database holds.
    let stopped = runs[0]
    #expect(stopped.stoppedEarly)
    #expect(stopped.bestEpoch.map { $0 + 5 } == stopped.lastEpoch)
    let epochs = try store.epochs(of: stopped.id)
    let lowest = try #require(epochs.compactMap(\.validationError).min())
    #expect(stopped.bestEpoch == epochs.first { $0.validationError == lowest }?.epoch)
  }
}
