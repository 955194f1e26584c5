import Foundation
import TestSupport
import Testing
import Tracking

/// Two `sweep --resume` of one sweep at once: the second joins the first as a worker.
@Suite struct SweepResumeTests {
  @Test func aSecondResumeJoinsTheFirst() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("j.sqlite").path
    let epochs = 150
    let sweep = try CommandRunner.start([
      "sweep", "--data", "glyphs", "--examples", "200", "--hidden", "6", "--epochs", "\(epochs)",
      "--lambda", "0,1,2", "--workers", "1", "--db", db, "--quiet",
    ])
    var store: RunDatabase?
    func runs() -> [Run] {
      if store == nil { store = try? RunDatabase.open(path: db, access: .readOnly) }
      return (try? store?.runs(RunQuery(sweep: 1))) ?? []
    }
    while sweep.isRunning && !runs().contains(where: { ($0.lastEpoch ?? 0) >= 5 }) {
      usleep(5_000)
    }
    kill(sweep.processIdentifier, SIGINT)
    sweep.waitUntilExit()
    #expect(sweep.terminationStatus == 130)
    #expect(runs().map(\.status) == [.interrupted, .queued, .queued])

    let first = try CommandRunner.start([
      "sweep", "--resume", "1", "--workers", "1", "--db", db, "--quiet",
    ])
    // The second starts while the first trains a run.
    while first.isRunning && !runs().contains(where: { $0.status == .running }) { usleep(5_000) }
    let second = try CommandRunner.run([
      "sweep", "--resume", "1", "--workers", "1", "--db", db, "--quiet",
    ])
    first.waitUntilExit()
    #expect(second.status == 0, "\(second.standardError)")
    #expect(second.standardOutput.contains("sweep 1: 3 runs — 3 finished"))
    #expect(first.terminationStatus == 0)
    let done = runs()
    #expect(done.allSatisfy { $0.status == .finished }, "\(done.map(\.status))")
    // Trained by the worker of each resume, each epoch of each run once.
    #expect(Set(done.compactMap(\.pid)).count == 2)
    for run in done {
      #expect(try store?.epochs(of: run.id).map(\.epoch) == Array(0...epochs))
    }
  }
}
