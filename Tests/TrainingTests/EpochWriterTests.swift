import Backprop
import Foundation
import TestSupport
import Testing
import Tracking

@testable import Training

/// The writer that takes a run's epochs off the training loop.
struct EpochWriterTests {
  static func spec() -> RunSpec {
    RunSpec.example(
      layers: "2-2-2", learningRate: 1, lambda: 0, epochs: 500, seed: 1, validationFraction: 0)
  }

  static func epoch(_ epoch: Int) -> EpochRecord {
    EpochRecord(
      epoch: epoch, cost: 1 / Double(epoch + 1), trainError: 0.5, validationError: nil,
      trainAccuracy: nil, validationAccuracy: nil, gradientNorm: 0.1, seconds: 0,
      layers: [
        .init(layer: 1, gradientNorm: 0.1, weightNorm: 1, updateRatio: 0.1, saturation: nil)
      ],
      snapshots: epoch % 100 == 0
        ? [.init(layer: 1, rows: 2, columns: 3, values: Array(repeating: Double(epoch), count: 6))]
        : [])
  }

  /// Handed over faster than they are committed, every epoch lands, in order and whole.
  @Test func everyEpochHandedOverIsWrittenInOrder() throws {
    let database = try RunDatabase.inMemory()
    let run = try database.createRun(Self.spec())
    let writer = EpochWriter(database: database, run: run.id, weightCount: 12)
    for epoch in 0...500 { try writer.write(Self.epoch(epoch)) }
    try writer.finish()
    #expect(try database.epochs(of: run.id).map(\.cost) == (0...500).map { 1 / Double($0 + 1) })
    #expect(try database.snapshotEpochs(of: run.id) == [0, 100, 200, 300, 400, 500])
    #expect(try database.run(run.id).lastEpoch == 500)
  }

  /// On a server, epochs handed over one by one gather for the store's time (200 ms) into a
  /// few transactions, and those that come during a write wait out a gathering of their own
  /// rather than going a few at a time: at most one transaction for each 200 ms, and the last.
  /// (Counted by the transactions that inserted the rows, PostgreSQL's `xmin`.)
  @Test(arguments: Backend.postgresOnly)
  func epochsGatherForTheStoresTime(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(Self.spec())
    let writer = EpochWriter(database: database, run: run.id, weightCount: 12)
    let start = Date()
    for epoch in 0..<40 {
      try writer.write(Self.epoch(epoch))
      usleep(10_000)
    }
    try writer.finish()
    let elapsed = Date().timeIntervalSince(start)
    let transactions = try database.select(
      "SELECT COUNT(DISTINCT xmin::text) FROM epochs WHERE run_id = :run",
      parameters: ["run": .integer(run.id)])
    #expect(try database.epochs(of: run.id).count == 40)
    guard case .integer(let count) = transactions.rows.first?.first else {
      Issue.record("no count: \(transactions)")
      return
    }
    #expect(count >= 2)
    #expect(count <= Int64(elapsed / 0.2) + 2, "\(count) transactions in \(elapsed) s")
  }

  /// How many epochs may wait: as many as 16 MB of weights hold, at least 32 and at most 128.
  @Test(arguments: Backend.tested)
  func theEpochsWaitingAreBoundedByTheirWeights(_ backend: Backend) throws {
    let database = try backend.newStore()
    let run = try database.createRun(Self.spec())
    func limit(_ architecture: Architecture) -> Int {
      EpochWriter(database: database, run: run.id, weightCount: architecture.parameterCount).limit
    }
    #expect(limit([64, 25, 10]) == 128)  // 1,885 weights: 15 KB an epoch
    #expect(limit([400, 50, 10]) == 102)  // 20,560 weights: 164 KB an epoch
    #expect(limit([784, 128, 10]) == 32)  // 101,770 weights: 0.8 MB an epoch
  }

  /// A write that fails (here epoch 2 after epoch 0, which the storage layer refuses) is the
  /// error of `finish` and of any later hand-over — even with more epochs handed over than
  /// may wait — and nothing after it is written.
  @Test func aFailedWriteIsReported() throws {
    let database = try RunDatabase.inMemory()
    let run = try database.createRun(Self.spec())
    let writer = EpochWriter(database: database, run: run.id, weightCount: 12)
    try writer.write(Self.epoch(0))
    try writer.finish()
    var refused = false
    for epoch in 2..<(2 + 3 * writer.limit) where !refused {
      do { try writer.write(Self.epoch(epoch)) } catch is TrackingError { refused = true }
    }
    #expect(throws: TrackingError.self) { try writer.finish() }
    #expect(throws: TrackingError.self) { try writer.write(Self.epoch(1)) }
    #expect(try database.epochs(of: run.id).map(\.epoch) == [0])
  }

  /// An epoch that cannot be stored (a NaN) is refused as it is handed over, alone: the
  /// epochs before it are written.
  @Test func aBadEpochIsRefusedAlone() throws {
    let database = try RunDatabase.inMemory()
    let run = try database.createRun(Self.spec())
    let writer = EpochWriter(database: database, run: run.id, weightCount: 12)
    for epoch in 0..<10 { try writer.write(Self.epoch(epoch)) }
    var bad = Self.epoch(10)
    bad.layers[0].weightNorm = .nan
    #expect(throws: TrackingError.self) { try writer.write(bad) }
    try writer.finish()
    #expect(try database.epochs(of: run.id).map(\.epoch) == Array(0..<10))
  }
}
