import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracking

/// The facts derived from a run have one definition each: the `run_summary` view and `Run`'s
/// properties agree, and the storage's engine stays inside Tracking.
struct RunSummaryTests {
  /// Runs whose heartbeats are just inside and just outside `Run.staleAfter`: the view's
  /// `silent` and `Run.isSilent` tell them apart alike, so their windows are the same.
  @Test func theViewsSilentWindowIsRunStaleAfter() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let database = try RunDatabase.open(path: directory.appendingPathComponent("runs.sqlite").path)
    let sweep = try database.createSweep(name: nil, spec: "{}")
    let queued = try database.queueRuns([RunSpec.example()], in: sweep.id)[0]
    let recent = try database.createRun(RunSpec.example())
    let silent = try database.createRun(RunSpec.example())
    let now = Date()
    try database.writer.write { db in
      for (run, age, status) in [
        (recent.id, Run.staleAfter - 30, "running"), (silent.id, Run.staleAfter + 30, "running"),
        (queued.id, Run.staleAfter + 30, "queued"),
      ] {
        let heartbeat = Timestamp.string(now.addingTimeInterval(-age))
        try db.execute(
          sql: "UPDATE runs SET heartbeat_at = ?, created_at = ?, status = ? WHERE id = ?",
          arguments: [heartbeat, heartbeat, status, run])
      }
    }
    let runs = try database.runs()
    let view = try database.select("SELECT run_id, silent FROM run_summary ORDER BY run_id")
    #expect(view.rows.map { $0[0] } == runs.map { .integer($0.id) })
    #expect(view.rows.map { $0[1] } == runs.map { .integer($0.isSilent(at: now) ? 1 : 0) })
    #expect(runs.map { $0.isSilent(at: now) } == [false, false, true])
  }

  /// Ties keep the earlier epoch; without a validation error the train error ranks epochs.
  @Test func theBestEpochIsTheLowestJudgedErrorAndTheEarliest() {
    var validated = BestEpoch()
    for (epoch, validation) in [(0, 0.4), (1, 0.3), (2, 0.3), (3, 0.35)] {
      validated.note(epoch: epoch, trainError: 0.1 * Double(3 - epoch), validationError: validation)
    }
    #expect(validated.epoch == 1 && validated.error == 0.3 && validated.validationError == 0.3)
    var trained = BestEpoch()
    for (epoch, train) in [(0, 0.5), (1, 0.2), (2, 0.25)] {
      trained.note(epoch: epoch, trainError: train, validationError: nil)
    }
    #expect(trained.epoch == 1 && trained.error == 0.2 && trained.validationError == nil)
  }

  /// The write path's summary is `BestEpoch` over the epochs written, also after a resume
  /// drops the later ones.
  @Test(arguments: Backend.tested)
  func theDatabasesBestEpochIsBestEpochOverItsEpochs(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    let errors = [0.6, 0.4, 0.5, 0.4, 0.2, 0.3]
    for (epoch, error) in errors.enumerated() {
      try database.recordEpoch(
        TrackingSupport.epoch(epoch, validationError: error, snapshot: epoch == 3), of: run.id)
    }
    func best(_ epochs: Int) -> BestEpoch {
      var best = BestEpoch()
      for (epoch, error) in errors.prefix(epochs).enumerated() {
        best.note(epoch: epoch, trainError: 0.5, validationError: error)
      }
      return best
    }
    #expect(BestEpoch(of: try database.run(run.id)) == best(6))
    #expect(try database.run(run.id).bestEpoch == 4)
    try database.finishRun(run.id, outcome: .interrupted("test"))
    let resumed = try database.resumeRun(run.id, fromEpoch: 3)
    #expect(BestEpoch(of: resumed) == best(4))
    #expect(resumed.bestEpoch == 1)
  }

  /// GRDB stays inside Tracking (its SQLite backend): no other module imports it.
  @Test func onlyTrackingImportsGRDB() throws {
    var importers: [String] = []
    for folder in ["Sources", "bench", "Plugins"] {
      let root = TrackingSupport.packageRoot.appendingPathComponent(folder)
      let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }
      for file in files ?? [] where file.hasSuffix(".swift") {
        guard !(folder == "Sources" && file.hasPrefix("Tracking/")) else { continue }
        let text = try String(
          contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        if text.split(separator: "\n").contains(where: { $0.hasPrefix("import GRDB") }) {
          importers.append("\(folder)/\(file)")
        }
      }
    }
    #expect(importers == [])
  }
}
