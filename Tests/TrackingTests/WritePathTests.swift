import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracking

/// The write path: runs, epochs whole or not at all, snapshots bit for bit, the summary.
struct WritePathTests {
  @Test(arguments: Backend.tested)
  func snapshotsRoundTripBitForBit(_ backend: Backend) throws {
    let values: [Double] = [
      0, -0.0, 1, -1, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
      Double.leastNormalMagnitude / 3, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .pi,
      1e-300, -2.5e300,
    ]
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    var record = TrackingSupport.epoch(0)
    record.snapshots = [.init(layer: 1, rows: 1, columns: values.count, values: values)]
    try database.recordEpoch(record, of: run.id)
    let stored = try #require(try database.snapshot(of: run.id).first)
    #expect(stored.rows == 1 && stored.cols == values.count)
    #expect(try stored.values().map(\.bitPattern) == values.map(\.bitPattern))

    // Byte by byte, as the format says: 8 bytes per value, least significant first, row-major.
    let bytes = [UInt8](stored.data)
    #expect(bytes.count == values.count * 8)
    for (index, value) in values.enumerated() {
      let pattern = (0..<8).reduce(UInt64(0)) {
        $0 | UInt64(bytes[index * 8 + $1]) << (8 * UInt64($1))
      }
      #expect(pattern == value.bitPattern)
    }
    #expect(Array(bytes[8..<16]) == [0, 0, 0, 0, 0, 0, 0, 0x80])  // −0.0: only the sign bit
  }

  static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(
    where: FileManager.default.isExecutableFile)

  /// An independent reader that knows only docs/schema.md's description of the BLOB: Python's
  /// sqlite3 and struct '<d', row-major rows × cols.
  @Test(
    .enabled(
      if: python != nil, "python3 is not installed: the independent snapshot reader cannot run"))
  func snapshotsReadWithNothingButTheFormatDescription() throws {
    let python = try #require(Self.python)
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("runs.sqlite")
    let database = try RunDatabase.open(path: url.path)
    let run = try database.createRun(RunSpec.example())
    let theta = (0..<6).map { Double($0) - 2.5 }  // 2 × 3
    var record = TrackingSupport.epoch(0)
    record.snapshots = [.init(layer: 1, rows: 2, columns: 3, values: theta)]
    try database.recordEpoch(record, of: run.id)
    try database.close()

    let script = """
      import sqlite3, struct, sys
      rows, cols, data = sqlite3.connect(sys.argv[1]).execute(
          "SELECT rows, cols, data FROM weight_snapshots WHERE layer = 1").fetchone()
      values = struct.unpack('<%dd' % (rows * cols), data)
      print(';'.join(' '.join(repr(values[r * cols + c]) for c in range(cols)) for r in range(rows)))
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script, url.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "-2.5 -1.5 -0.5;0.5 1.5 2.5")
  }

  @Test(arguments: Backend.tested)
  func summaryIsCurrentAfterEachEpoch(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    #expect(run.status == .running && run.lastEpoch == nil && run.bestEpoch == nil)
    let validationErrors = [0.9, 0.5, 0.6, 0.5, 0.4, 0.7]
    var best = (epoch: 0, error: Double.infinity)
    for (epoch, error) in validationErrors.enumerated() {
      try database.recordEpoch(
        TrackingSupport.epoch(epoch, validationError: error, trainError: 1 / Double(epoch + 1)),
        of: run.id)
      if error < best.error { best = (epoch, error) }
      let summary = try database.run(run.id)
      #expect(summary.lastEpoch == epoch)
      #expect(summary.finalValidationError == error)
      #expect(summary.finalValidationAccuracy == 1 - error)
      #expect(summary.finalTrainError == 1 / Double(epoch + 1))
      #expect(summary.finalCost == 1 / Double(epoch + 1) + 0.01)
      // Ties keep the earlier epoch (0.5 at epochs 1 and 3).
      #expect(summary.bestEpoch == best.epoch, "after epoch \(epoch)")
      #expect(summary.bestValidationError == best.error)
      #expect(summary.heartbeatAt.map { $0 >= run.createdAt } == true)
    }
  }

  @Test(arguments: Backend.tested)
  func withoutAValidationSplitTheBestEpochHasTheLowestTrainError(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    for (epoch, trainError) in [0.8, 0.3, 0.5].enumerated() {
      try database.recordEpoch(TrackingSupport.epoch(epoch, trainError: trainError), of: run.id)
    }
    let summary = try database.run(run.id)
    #expect(summary.bestEpoch == 1 && summary.bestValidationError == nil)
    #expect(summary.bestTrainError == 0.3)
    // Grouped epochs keep the lowest train error of the group and of those before.
    try database.recordEpochs(
      [TrackingSupport.epoch(3, trainError: 0.4), TrackingSupport.epoch(4, trainError: 0.2)],
      of: run.id)
    #expect(try database.run(run.id).bestTrainError == 0.2)
  }

  @Test(arguments: Backend.tested)
  func groupedEpochsLandTogetherEachWhole(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    try database.recordEpochs(
      (0..<5).map { TrackingSupport.epoch($0, validationError: 0.5, snapshot: $0 % 2 == 0) },
      of: run.id
    )
    #expect(try database.epochs(of: run.id).map(\.epoch) == [0, 1, 2, 3, 4])
    #expect(try database.layerEpochs(of: run.id).count == 10)
    #expect(try database.snapshotEpochs(of: run.id) == [0, 2, 4])
    #expect(try database.run(run.id).lastEpoch == 4)
  }

  @Test(arguments: Backend.tested)
  func aFailingEpochLeavesNothingBehind(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    try database.recordEpoch(TrackingSupport.epoch(0, snapshot: true), of: run.id)
    // Epoch 1 is written whole and epoch 2 has its row and two layer rows written before its
    // repeated layer fails: the group is one transaction, so neither stays.
    var broken = TrackingSupport.epoch(2, snapshot: true)
    broken.layers.append(broken.layers[0])
    do {
      try database.recordEpochs([TrackingSupport.epoch(1, snapshot: true), broken], of: run.id)
      Issue.record("a repeated layer was accepted")
    } catch let error as TrackingError {
      // SQLite: "UNIQUE constraint failed: layer_epochs…"; PostgreSQL: "…constraint \"layer_epochs_pkey\"".
      #expect(error.description.contains("layer_epochs"), "\(error)")
    }
    #expect(try database.epochs(of: run.id).map(\.epoch) == [0])
    #expect(try database.layerEpochs(of: run.id).count == 2)
    #expect(try database.snapshotEpochs(of: run.id) == [0])
    #expect(try database.run(run.id).lastEpoch == 0)
  }

  /// A value made NaN or infinite, named as the error must name it.
  enum Spoiled: String, CaseIterable, Sendable {
    case cost
    case validationError = "validation_error"
    case updateRatio = "update_ratio"
    case weights = "weights of layer 2"

    func spoil(_ record: inout EpochRecord) {
      switch self {
      case .cost: record.cost = .nan
      case .validationError: record.validationError = .infinity
      case .updateRatio: record.layers[1].updateRatio = -.infinity
      case .weights: record.snapshots[1].values[3] = .nan
      }
    }
  }

  @Test(arguments: Backend.tested, Spoiled.allCases)
  func nonFiniteValuesAreRefusedNotStoredAsNull(_ backend: Backend, _ spoiled: Spoiled) throws {
    let name = spoiled.rawValue
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    var record = TrackingSupport.epoch(0, validationError: 0.5, snapshot: true)
    spoiled.spoil(&record)
    do {
      try database.recordEpoch(record, of: run.id)
      Issue.record("a non-finite \(name) was accepted")
    } catch let error as TrackingError {
      guard case .nonFiniteValue(let message) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(message.contains("epoch 0 of run \(run.id)") && message.contains(name), "\(message)")
    }
    #expect(try database.epochs(of: run.id).isEmpty)
  }

  @Test(arguments: Backend.tested)
  func epochsAreRecordedOnlyForRunningRuns(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    try database.finishRun(run.id, outcome: .finished)
    #expect(throws: TrackingError.runNotRunning(run.id, status: .finished)) {
      try database.recordEpoch(TrackingSupport.epoch(0), of: run.id)
    }
    #expect(try database.epochs(of: run.id).isEmpty)
    #expect(throws: TrackingError.runNotFound(999)) {
      try database.recordEpoch(TrackingSupport.epoch(0), of: 999)
    }
  }

  @Test(arguments: Backend.tested)
  func epochsAreRecordedInOrder(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    #expect(throws: TrackingError.self) {
      try database.recordEpoch(TrackingSupport.epoch(1), of: run.id)
    }
    try database.recordEpochs([TrackingSupport.epoch(0), TrackingSupport.epoch(1)], of: run.id)
    for wrong in [
      [TrackingSupport.epoch(1)], [TrackingSupport.epoch(3)],
      [TrackingSupport.epoch(2), TrackingSupport.epoch(4)],
    ] {
      do {
        try database.recordEpochs(wrong, of: run.id)
        Issue.record("epochs \(wrong.map(\.epoch)) were accepted after epoch 1")
      } catch let error as TrackingError {
        #expect(error.description.contains("epochs are recorded in order"), "\(error)")
      }
    }
    #expect(try database.epochs(of: run.id).map(\.epoch) == [0, 1])
    #expect(try database.run(run.id).lastEpoch == 1)
  }

  @Test(arguments: Backend.tested)
  func badSpecsAreRefusedWithTheirColumn(_ backend: Backend) throws {
    let database = try backend.newStore()
    #expect(throws: TrackingError.invalidValue("learning_rate must be greater than 0, got -1.0")) {
      try database.createRun(RunSpec.example(learningRate: -1))
    }
    #expect(throws: TrackingError.nonFiniteValue("lambda is nan")) {
      try database.createRun(RunSpec.example(lambda: .nan))
    }
    #expect(try database.runs().isEmpty)
  }

  @Test(arguments: Backend.tested)
  func outcomesAreRecorded(_ backend: Backend) throws {
    let database = try backend.newStore()
    let specs = (0..<3).map { _ in RunSpec.example() }
    let runs = try specs.map { try database.createRun($0) }
    try database.finishRun(runs[0].id, outcome: .finished)
    try database.finishRun(runs[1].id, outcome: .diverged(epoch: 37, reason: "cost is nan"))
    try database.finishRun(runs[2].id, outcome: .failed("disk full"))
    let finished = try database.runs()
    #expect(finished.map(\.status) == [.finished, .diverged, .failed])
    #expect(
      finished[1].divergedEpoch == 37 && finished[1].error == "diverged at epoch 37: cost is nan")
    #expect(finished[2].error == "disk full")
    #expect(finished.allSatisfy { $0.finishedAt != nil })
    #expect(
      try database.runs(RunQuery(statuses: [.diverged, .failed])).map(\.id) == [
        runs[1].id, runs[2].id,
      ])
  }

  @Test(arguments: Backend.tested)
  func deletingRunsTakesTheirSeriesAlong(_ backend: Backend) throws {
    let database = try backend.newStore()
    let sweep = try database.createSweep(name: "grid", spec: "{}")
    let queued = try database.queueRuns([RunSpec.example(), RunSpec.example()], in: sweep.id)
    let run = try #require(try database.claimQueuedRun(in: sweep.id))
    try database.recordEpoch(TrackingSupport.epoch(0, snapshot: true), of: run.id)
    try database.setTag("note", to: "first", of: run.id)
    try database.setTag("note", to: "second", of: run.id)
    #expect(try database.tags(of: run.id) == ["note": "second"])
    try database.recordGradientCheck([(1, 1e-11, 1e-10)], of: run.id, epoch: 0)
    #expect(try database.gradientChecks(of: run.id).count == 1)

    #expect(try database.deleteRuns([run.id]) == 1)
    #expect(try database.epochs(of: run.id).isEmpty)
    #expect(try database.layerEpochs(of: run.id).isEmpty)
    #expect(try database.snapshot(of: run.id).isEmpty)
    #expect(try database.tags(of: run.id).isEmpty)
    #expect(try database.gradientChecks(of: run.id).isEmpty)
    #expect(try database.deleteSweep(sweep.id) == 1)
    #expect(try database.runs().isEmpty)
    #expect(queued.count == 2)
    #expect(try database.check().isEmpty)
  }

  @Test(arguments: Backend.tested)
  func snapshotsAreFoundAtOrBeforeAnEpoch(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(RunSpec.example())
    for epoch in 0...6 {
      try database.recordEpoch(TrackingSupport.epoch(epoch, snapshot: epoch % 3 == 0), of: run.id)
    }
    #expect(try database.snapshot(of: run.id, atOrBefore: 5).map(\.epoch) == [3, 3])
    #expect(try database.snapshot(of: run.id, atOrBefore: 6).map(\.layer) == [1, 2])
    #expect(try database.snapshot(of: run.id).first?.epoch == 6)
    #expect(try database.snapshot(of: run.id, atOrBefore: 2).first?.values().first == 0)
  }

  @Test(arguments: Backend.tested)
  func runsAreListedByFilterAndSort(_ backend: Backend) throws {
    let database = try backend.newStore()
    let sweep = try database.createSweep(name: nil, spec: "{}")
    let runs = try database.queueRuns(
      [0.1, 1, 10].map { RunSpec.example(lambda: $0) }, in: sweep.id)
    let solo = try database.createRun(RunSpec.example(lambda: 3))
    for (run, error) in zip(runs.prefix(2), [0.4, 0.2]) {
      _ = try database.claimQueuedRun(in: sweep.id)
      try database.recordEpoch(TrackingSupport.epoch(0, validationError: error), of: run.id)
    }
    let sorted = try database.runs(RunQuery(sweep: sweep.id, sort: .finalValidationError))
    #expect(sorted.map(\.id) == [runs[1].id, runs[0].id, runs[2].id])  // no value: last
    let descending = try database.runs(RunQuery(sort: .lambda, descending: true, limit: 2))
    #expect(descending.map(\.id) == [runs[2].id, solo.id])
    #expect(try database.runs(RunQuery(ids: [solo.id])).map(\.spec.lambda) == [3])
    #expect(try database.statusCounts(in: sweep.id) == [.running: 2, .queued: 1])
    #expect(try database.sweep()?.id == sweep.id)
  }
}
