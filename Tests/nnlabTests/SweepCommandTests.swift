import Foundation
import TestSupport
import Testing
import Tracking

/// `nnlab sweep` and `nnlab worker` as a user runs them.
@Suite(.serialized)
struct SweepCommandTests {
  let tiny = [
    "--data", "xor", "--examples", "80", "--hidden", "3", "--epochs", "12", "--gradcheck-every",
    "0",
  ]

  @Test func aGridRunsEveryCombinationOnceWithEveryEpoch() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("grid.sqlite").path
    let result = try CommandRunner.run(
      ["sweep"] + tiny + ["--lambda", "0,0.1,1", "--lr", "0.3,1,3", "--workers", "2", "--db", db])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardOutput.contains("sweep 1: 9 runs — 9 finished"))
    let store = try RunDatabase.open(path: db, access: .readOnly)
    let runs = try store.runs(RunQuery(sweep: 1))
    let pairs = runs.map { "\($0.spec.lambda) \($0.spec.learningRate)" }
    let expected: [String] = [0.0, 0.1, 1].flatMap { (lambda: Double) -> [String] in
      [0.3, 1, 3].map { (rate: Double) in "\(lambda) \(rate)" }
    }
    #expect(pairs.sorted() == expected.sorted() && Set(pairs).count == 9)
    for run in runs {
      #expect(run.status == .finished)
      #expect(try store.epochs(of: run.id).map(\.epoch) == Array(0...12))
    }
    #expect(try store.sweep(1)?.spec.contains(#""lambda":[0,0.1,1]"#) == true)
  }

  /// `train` is a sweep of one point: the same options record the same run, whichever command
  /// is given them — every hyperparameter column, every epoch row, check and snapshot, bit for
  /// bit (all but the epochs' wall times).
  @Test func trainAndAOnePointSweepRecordTheSameRun() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("one.sqlite").path
    let options = [
      "--data", "spirals", "--examples", "90", "--data-seed", "3", "--hidden", "5,4",
      "--activation", "tanh", "--cost", "mse", "--lr", "0.7", "--lambda", "0.01", "--epochs",
      "14", "--batch-size", "16", "--validation", "0.25", "--train-examples", "50", "--scale",
      "minmax", "--seed", "7", "--snapshot-every", "3", "--gradcheck-every", "5", "--patience",
      "3",
    ]
    let train = try CommandRunner.run(["train"] + options + ["--db", db, "--quiet"])
    #expect(train.status == 0, "\(train.standardError)")
    let sweep = try CommandRunner.run(
      ["sweep"] + options + ["--workers", "1", "--db", db, "--quiet"])
    #expect(sweep.status == 0, "\(sweep.standardError)")
    let store = try RunDatabase.open(path: db, access: .readOnly)
    let runs = try store.runs().sorted { $0.id < $1.id }
    try #require(runs.count == 2 && runs[0].spec.sweepId == nil && runs[1].spec.sweepId == 1)
    let (trained, swept) = (runs[0], runs[1])
    func columns(_ run: Run) -> RunSpec {
      var spec = run.spec
      (spec.sweepId, spec.commandLine) = (nil, nil)
      return spec
    }
    #expect(columns(trained) == columns(swept))
    // Patience stops the run before its 14 epochs, so the worker must have read it back too.
    let last = try #require(trained.lastEpoch)
    #expect(trained.stoppedEarly && last < 14)
    #expect(trained.status == swept.status && trained.stoppedEarly == swept.stoppedEarly)
    #expect((trained.lastEpoch, trained.bestEpoch) == (swept.lastEpoch, swept.bestEpoch))
    func epochs(_ run: Run) throws -> [[Double?]] {
      try store.epochs(of: run.id).map {
        [
          Double($0.epoch), $0.cost, $0.trainError, $0.validationError, $0.trainAccuracy,
          $0.validationAccuracy, $0.gradientNorm,
        ]
      }
    }
    #expect(try epochs(trained).count == last + 1)
    #expect(try epochs(trained) == epochs(swept))
    func layers(_ run: Run) throws -> [[Double?]] {
      try store.layerEpochs(of: run.id).map {
        [
          Double($0.epoch), Double($0.layer), $0.gradientNorm, $0.weightNorm, $0.updateRatio,
          $0.saturation,
        ]
      }
    }
    #expect(try layers(trained) == layers(swept))
    func checks(_ run: Run) throws -> [[Double]] {
      try store.gradientChecks(of: run.id).map {
        [Double($0.epoch), Double($0.layer), $0.maxAbsDifference, $0.relativeDifference]
      }
    }
    #expect(
      try Set(checks(trained).map { Int($0[0]) }) == Set(stride(from: 0, through: last, by: 5)))
    #expect(try checks(trained) == checks(swept))
    #expect(
      try Set(store.snapshotEpochs(of: trained.id))
        == Set(Array(stride(from: 0, through: last, by: 3)) + [last]))
    #expect(try store.snapshotEpochs(of: trained.id) == store.snapshotEpochs(of: swept.id))
    for epoch in try store.snapshotEpochs(of: trained.id) {
      let (a, b) = (
        try store.snapshot(of: trained.id, atOrBefore: epoch),
        try store.snapshot(of: swept.id, atOrBefore: epoch)
      )
      #expect(
        a.map { [$0.epoch, $0.layer, $0.rows, $0.cols] }
          == b.map { [$0.epoch, $0.layer, $0.rows, $0.cols] })
      #expect(a.map(\.data) == b.map(\.data))
    }
  }

  @Test func manyWorkersOverManyRunsNeverReportALock() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("many.sqlite").path
    let result = try CommandRunner.run(
      [
        "sweep", "--data", "xor", "--examples", "40", "--hidden", "2", "--epochs", "4",
        "--gradcheck-every", "0",
        "--lambda", "log:0.001:10:10", "--lr", "0.3,1,3,10", "--workers", "4", "--db", db,
        "--quiet",
      ])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(!result.standardError.contains("locked"))
    let runs = try RunDatabase.open(path: db, access: .readOnly).runs(RunQuery(sweep: 1))
    #expect(runs.count == 40 && runs.allSatisfy { $0.status == .finished && $0.lastEpoch == 4 })
  }

  @Test func aDivergingRunDoesNotStopTheOthers() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("div.sqlite").path
    let result = try CommandRunner.run(
      [
        "sweep", "--data", "spirals", "--examples", "60", "--hidden", "8", "--activation", "relu",
        "--lambda", "0",
        "--lr", "0.3,100", "--epochs", "40", "--gradcheck-every", "0", "--workers", "2", "--db", db,
      ])
    #expect(result.status == 0, "\(result.standardError)")
    let runs = try RunDatabase.open(path: db, access: .readOnly).runs(RunQuery(sweep: 1))
    #expect(runs.first { $0.spec.learningRate == 100 }?.status == .diverged)
    #expect(runs.first { $0.spec.learningRate == 0.3 }?.status == .finished)
    #expect(result.standardOutput.contains("÷"))
  }

  @Test func aFileAndTheEquivalentFlagsMakeTheSameRuns() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("same.sqlite").path
    let file = directory.appendingPathComponent("sweep.yaml")
    try """
    data: xor
    examples: 80
    hidden: 3
    epochs: 12
    gradcheck-every: 0
    lambda: [0, 1]
    lr: 0.3,3
    seed: [1, 2]
    """.write(to: file, atomically: true, encoding: .utf8)
    #expect(try CommandRunner.run(["sweep", file.path, "--workers", "0", "--db", db]).status == 0)
    #expect(
      try CommandRunner.run(
        ["sweep"] + tiny + [
          "--lambda", "0,1", "--lr", "0.3,3", "--seed", "1,2", "--workers", "0", "--db", db,
        ]
      ).status == 0)
    let store = try RunDatabase.open(path: db, access: .readOnly)
    func specs(_ sweep: Int64) throws -> [RunSpec] {
      try store.runs(RunQuery(sweep: sweep)).map { run in
        var spec = run.spec
        (spec.sweepId, spec.commandLine) = (nil, nil)
        return spec
      }
    }
    #expect(try specs(1).count == 8)
    #expect(try specs(1) == specs(2))
    #expect(try store.sweep(1)?.spec == store.sweep(2)?.spec)
  }

  @Test(arguments: [
    (["--lambda", "0,x"], "'x' is not a number"), (["--lambda", ""], "is not a number"),
    (["--lambda=-1"], "--lambda must be a finite number ≥ 0"),
    (["--lr", "log:1:0.1:3"], "is not log:LOW:HIGH:N"),
    (
      ["--lambda", "log:0.000001:1:1000", "--lr", "log:0.000001:1:1000"],
      "1 × 1 × 1 × 1 × 1 × 1000 × 1000 = 1000000 runs; one sweep may have at most 100000"
    ),
  ])
  func badSpecsQueueNothing(arguments: [String], message: String) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("bad.sqlite")
    let result = try CommandRunner.run(["sweep", "--data", "xor"] + arguments + ["--db", db.path])
    #expect(result.status == 64)
    #expect(
      result.standardError.hasPrefix("error: ") && result.standardError.contains(message),
      "\(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: db.path))
  }

  @Test func anUnknownKeyInAFileIsAnError() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("bad.yaml")
    try "lamda: [1]\n".write(to: file, atomically: true, encoding: .utf8)
    let result = try CommandRunner.run([
      "sweep", file.path, "--db", directory.appendingPathComponent("x.sqlite").path,
    ])
    #expect(result.status == 64)
    #expect(result.standardError.contains("unknown key 'lamda'"))
  }

  @Test func ctrlCStopsTheWorkersAndTheSweepResumes() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("int.sqlite").path
    let sweep = try CommandRunner.start([
      "sweep", "--data", "glyphs", "--examples", "200", "--hidden", "6", "--epochs", "300",
      "--lambda", "0,1",
      "--workers", "2", "--db", db, "--quiet",
    ])
    var store: RunDatabase?
    while sweep.isRunning {
      if store == nil { store = try? RunDatabase.open(path: db, access: .readOnly) }
      if let runs = try? store?.runs(RunQuery(sweep: 1)),
        runs.contains(where: { ($0.lastEpoch ?? 0) >= 5 })
      {
        break
      }
      usleep(5_000)
    }
    kill(sweep.processIdentifier, SIGINT)
    sweep.waitUntilExit()
    #expect(sweep.terminationStatus == 130)
    let stopped = try RunDatabase.open(path: db, access: .readOnly).runs(RunQuery(sweep: 1))
    #expect(
      stopped.allSatisfy { $0.status == .interrupted || $0.status == .queued },
      "\(stopped.map(\.status))")
    let resume = try CommandRunner.run([
      "sweep", "--resume", "1", "--workers", "2", "--db", db, "--quiet",
    ])
    #expect(
      resume.status == 0 && resume.standardOutput.contains("2 runs — 2 finished"),
      "\(resume.standardError)")
  }

  /// A worker SIGKILLed mid-run; `--resume` completes the sweep with the weights a sweep
  /// without the kill has, bit for bit.
  @Test func aKilledWorkerIsResumedBitwise() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("kill.sqlite").path
    let grid = [
      "--data", "glyphs", "--examples", "200", "--hidden", "6", "--epochs", "60",
      "--snapshot-every", "4",
      "--lambda", "0,1", "--lr", "1",
    ]
    #expect(
      try CommandRunner.run(["sweep"] + grid + ["--workers", "1", "--db", db, "--quiet"]).status
        == 0)
    #expect(
      try CommandRunner.run(["sweep"] + grid + ["--workers", "0", "--db", db, "--quiet"]).status
        == 0)
    let worker = try CommandRunner.start(["worker", "--sweep", "2", "--db", db])
    let store = try RunDatabase.open(path: db, access: .readOnly)
    func epochsDone() -> Int {
      ((try? store.runs(RunQuery(sweep: 2))) ?? []).reduce(0) { $0 + ($1.lastEpoch ?? 0) }
    }
    let stopAt = Int.random(in: 10...50)
    while epochsDone() < stopAt && worker.isRunning { usleep(5_000) }
    kill(worker.processIdentifier, SIGKILL)
    worker.waitUntilExit()
    #expect(epochsDone() < 120, "the worker finished before it was killed at \(stopAt)")

    let resume = try CommandRunner.run(["sweep", "--resume", "2", "--workers", "2", "--db", db])
    #expect(resume.status == 0, "\(resume.standardError)")
    #expect(resume.standardOutput.contains("sweep 2: 2 runs — 2 finished"))
    let first = try store.runs(RunQuery(sweep: 1, sort: .lambda))
    let second = try store.runs(RunQuery(sweep: 2, sort: .lambda))
    for (a, b) in zip(first, second) {
      #expect(
        try store.snapshot(of: a.id).map { try $0.values() }
          == store.snapshot(of: b.id).map { try $0.values() })
      #expect(try store.epochs(of: b.id).map(\.epoch) == Array(0...60))
    }
  }
}
