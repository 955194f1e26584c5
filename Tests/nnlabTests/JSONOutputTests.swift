import Foundation
import TestSupport
import Testing
import Tracking

/// The JSON that commands print for scripts, read back as a script reads it.
struct JSONOutputTests {
  static func object(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8))
  }

  /// A sweep's weights export lists each run's weights file with its run and epoch; the sweep's
  /// summary names the run of lowest final error; a run without a validation split has a null
  /// validation error, not a missing one.
  @Test func sweepSummaryWeightsAndNullsReadBack() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("runs.sqlite").path
    let sweep = try CommandRunner.run([
      "sweep", "--data", "xor", "--examples", "40", "--hidden", "3", "--epochs", "6",
      "--gradcheck-every", "0", "--lambda", "0,3", "--lr", "1", "--db", db, "--json", "--quiet",
    ])
    #expect(sweep.status == 0, "\(sweep.standardError)")
    let runs = try RunDatabase.open(path: db, access: .readOnly).runs(RunQuery(sweep: 1))
    let lowest = try #require(runs.min { ($0.finalError ?? 1) < ($1.finalError ?? 1) })
    struct Summary: Decodable {
      struct Best: Decodable {
        let id: Int64
        let validationError: Double
      }
      let best: Best
      let statuses: [String: Int]
    }
    let summary = try JSONDecoder().decode(Summary.self, from: Data(sweep.standardOutput.utf8))
    #expect(summary.best.id == lowest.id && summary.best.validationError == lowest.finalError)
    #expect(summary.statuses == ["finished": 2])

    let export = try CommandRunner.run(["export", "weights", "--sweep", "1", "--db", db])
    #expect(export.status == 0, "\(export.standardError)")
    let entries = try #require(try Self.object(export.standardOutput) as? [[String: Any]])
    #expect(entries.map { $0["run_id"] as? Int } == runs.map { Int($0.id) })
    for (entry, run) in zip(entries, runs) {
      #expect(Set(entry.keys) == ["run_id", "epoch", "weights"])
      #expect(entry["epoch"] as? Int == run.lastEpoch)
      let file = try CommandRunner.run(["export", "weights", "--run", "\(run.id)", "--db", db])
      let weights = try #require(entry["weights"] as? NSDictionary)
      #expect(weights == (try Self.object(file.standardOutput) as? NSDictionary))
    }

    let train = try CommandRunner.run([
      "train", "--data", "xor", "--examples", "40", "--hidden", "3", "--epochs", "2",
      "--validation", "0", "--db", db, "--json", "--quiet",
    ])
    #expect(train.status == 0, "\(train.standardError)")
    let figures = try #require(try Self.object(train.standardOutput) as? [String: Any])
    #expect(figures["validationError"] is NSNull && figures["trainError"] is Double)
  }
}
