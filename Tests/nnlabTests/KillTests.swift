import Foundation
import TestSupport
import Testing
import Tracking

/// Process death: `train`, a `sweep` with its workers and `export --output`, SIGKILLed at random
/// moments (`Faults.rounds` each). Afterwards the file checks, every committed epoch is whole
/// and still there, the runs read as interrupted, and resuming ends with the weights of a run
/// never killed, bit for bit.
@Suite(.serialized) struct KillTests {
  /// Epochs of the killed runs: enough that `Faults.rounds` kills land before the end.
  static let epochs = 40 * Faults.rounds

  /// Waits until `count()` reaches `target` (or `process` ends), then sleeps 0–3 ms more, so a
  /// kill lands anywhere in an epoch, its write included.
  static func wait(for process: Process, until target: Int, _ count: () throws -> Int) rethrows {
    while try count() < target && process.isRunning { usleep(2_000) }
    usleep(UInt32.random(in: 0...3_000))
  }

  @Test func killedTrainingLosesNoCommittedEpoch() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("kill.sqlite").path
    let arguments = [
      "train", "--data", "spirals", "--examples", "300", "--hidden", "12", "--epochs",
      "\(Self.epochs)", "--snapshot-every", "1", "--gradcheck-every", "0", "--db", db, "--quiet",
    ]
    #expect(try CommandRunner.run(arguments).status == 0)  // run 1, never killed
    func committed() throws -> Int { try Faults.epochs(of: 2, in: db).count }

    var process = try CommandRunner.start(arguments)
    var (kills, lost) = (0, 0)
    for round in 1...Faults.rounds {
      // The next kill somewhere in this round's share of the epochs.
      let target = Self.epochs * round / (Faults.rounds + 1) - Int.random(in: 0...10)
      try Self.wait(for: process, until: target, committed)
      let before = try committed()
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      guard process.terminationReason == .uncaughtSignal else { break }  // it had finished
      kills += 1
      let after = try committed()
      lost += max(0, before - after)
      #expect(after >= before, "round \(round): \(before) epochs before the kill, \(after) after")
      #expect(try Faults.problems(of: 2, in: db, layers: 2) == [])
      #expect(try Faults.statuses(in: db)[2] == "interrupted", "round \(round)")
      process = try CommandRunner.start(["resume", "2", "--db", db, "--quiet"])
    }
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(kills == Faults.rounds, "the run finished before every kill")
    #expect(lost == 0)
    #expect(try Faults.epochs(of: 2, in: db).map(\.epoch) == Array(0...Self.epochs))
    let weights = try Faults.finalWeights(of: [1, 2], in: db)
    #expect(!weights[0].isEmpty && weights[0] == weights[1])
    Faults.report("train killed \(kills) times, \(lost) committed epochs lost, resumed bitwise")
  }

  @Test func killedSweepLosesNoCommittedEpoch() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("sweep.sqlite").path
    let grid = [
      "--data", "spirals", "--examples", "200", "--hidden", "8", "--epochs", "\(Self.epochs / 2)",
      "--snapshot-every", "1", "--gradcheck-every", "0", "--lambda", "0,0.1", "--lr", "0.5,1",
      "--db", db, "--quiet",
    ]
    #expect(try CommandRunner.run(["sweep"] + grid + ["--workers", "1"]).status == 0)
    let store = try RunDatabase.open(path: db, access: .readOnly)
    func runs() throws -> [Run] { try store.runs(RunQuery(sweep: 2)) }
    func committed() throws -> Int { try runs().reduce(0) { $0 + ($1.lastEpoch ?? -1) + 1 } }

    var sweep = try CommandRunner.start(["sweep"] + grid + ["--workers", "2"])
    var (kills, lost) = (0, 0)
    for round in 1...Faults.rounds {
      let target = 4 * (Self.epochs / 2 + 1) * round / (Faults.rounds + 1)
      try Self.wait(for: sweep, until: target, committed)
      let before = try runs().map { ($0.id, try Faults.epochs(of: $0.id, in: db).count) }
      let workers = Faults.killTree(sweep.processIdentifier)
      sweep.waitUntilExit()
      guard sweep.terminationReason == .uncaughtSignal else { break }
      kills += 1
      // Until the killed workers are reaped, their runs still have a live process.
      let deadline = Date().addingTimeInterval(10)
      while workers.contains(where: { kill($0, 0) == 0 }) && Date() < deadline { usleep(2_000) }
      for (run, count) in before {
        let after = try Faults.epochs(of: run, in: db).count
        lost += max(0, count - after)
        #expect(try Faults.problems(of: run, in: db, layers: 2) == [])
      }
      let statuses = try Faults.statuses(in: db)
      #expect(
        try runs().allSatisfy { ["interrupted", "finished", "queued"].contains(statuses[$0.id]) },
        "round \(round): \(statuses)")
      sweep = try CommandRunner.start(["sweep", "--resume", "2", "--workers", "2", "--db", db])
    }
    sweep.waitUntilExit()
    #expect(sweep.terminationStatus == 0)
    #expect(kills == Faults.rounds, "the sweep finished before every kill")
    #expect(lost == 0)
    let (first, second) = (
      try store.runs(RunQuery(sweep: 1, sort: .id)), try store.runs(RunQuery(sweep: 2, sort: .id))
    )
    #expect(second.allSatisfy { $0.status == .finished && $0.lastEpoch == Self.epochs / 2 })
    #expect(
      try Faults.finalWeights(of: first.map(\.id), in: db)
        == Faults.finalWeights(of: second.map(\.id), in: db))
    Faults.report(
      "sweep killed \(kills) times with its workers, \(lost) committed epochs lost, resumed bitwise"
    )
  }

  /// `export --output` stopped by SIGKILL at random moments within the time a whole export
  /// takes, and by Ctrl-C while it writes its temporary file: the file is there whole or not at
  /// all, and after Ctrl-C no temporary file is left either.
  @Test func anInterruptedExportLeavesNoHalfFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("export.sqlite").path
    // 4 runs of 400-25-10: their weights are 41,140 rows of CSV, 1.4 MB.
    #expect(
      try CommandRunner.run([
        "sweep", "--data", "glyphs", "--examples", "100", "--hidden", "25", "--epochs", "2",
        "--lambda", "0,1", "--lr", "0.1,1", "--gradcheck-every", "0", "--db", db, "--quiet",
      ]).status == 0)
    let export = ["export", "weights", "--sweep", "1", "--format", "csv", "--db", db]
    let started = Date()
    let whole = try CommandRunner.run(export)
    let duration = Date().timeIntervalSince(started)
    let output = directory.appendingPathComponent("weights.csv")
    func temporaryFiles() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasPrefix(".weights.csv.") }
    }
    var stops = [SIGKILL: 0, SIGINT: 0]
    for round in 0..<2 * Faults.rounds {
      let signalNumber = round % 2 == 0 ? SIGKILL : SIGINT
      try? FileManager.default.removeItem(at: output)
      let process = try CommandRunner.start(export + ["--output", output.path])
      if signalNumber == SIGKILL {
        usleep(UInt32(Double.random(in: 0..<duration) * 1e6))
      } else {
        let deadline = Date().addingTimeInterval(2 * duration + 1)
        while try temporaryFiles().isEmpty && process.isRunning && Date() < deadline {
          usleep(100)
        }
        usleep(UInt32.random(in: 0...2_000))
      }
      kill(process.processIdentifier, signalNumber)
      process.waitUntilExit()
      if process.terminationReason == .uncaughtSignal { stops[signalNumber, default: 0] += 1 }
      if let written = try? String(contentsOf: output, encoding: .utf8) {
        #expect(written == whole.standardOutput, "round \(round): a partial file")
      }
      let leftovers = try temporaryFiles()
      if signalNumber == SIGINT { #expect(leftovers == [], "round \(round)") }
      for leftover in leftovers {
        try FileManager.default.removeItem(atPath: directory.path + "/" + leftover)
      }
    }
    #expect(stops[SIGINT] ?? 0 > 0, "no Ctrl-C came while the export wrote")
    Faults.report(
      "export stopped \(stops[SIGKILL] ?? 0) times by SIGKILL, \(stops[SIGINT] ?? 0) by Ctrl-C while it wrote; no half file"
    )
  }
}
