import Foundation
import GRDB
import Testing

@testable import Tracking

/// Handing runs to workers, and runs whose worker is gone — across real processes.
@Suite(.serialized)
struct ClaimTests {
  @Test func claimsTakeTheOldestQueuedRunOnce() throws {
    let database = try RunDatabase.inMemory()
    let sweep = try database.createSweep(name: nil, spec: "{}")
    let queued = try database.queueRuns([TestSupport.spec(), TestSupport.spec()], in: sweep.id)
    let worker = ProcessIdentity(host: "a", pid: 42)
    let first = try #require(try database.claimQueuedRun(in: sweep.id, by: worker))
    #expect(first.id == queued[0].id && first.status == .running)
    #expect(
      first.host == "a" && first.pid == 42 && first.startedAt != nil && first.heartbeatAt != nil)
    #expect(try database.claimQueuedRun(in: sweep.id, by: worker)?.id == queued[1].id)
    #expect(try database.claimQueuedRun(in: sweep.id, by: worker) == nil)
  }

  @Test func severalProcessesClaimEachRunExactlyOnce() throws {
    let url = try TestSupport.temporaryDirectory().appendingPathComponent("sweep.sqlite")
    let database = try RunDatabase.open(path: url.path)
    let sweep = try database.createSweep(name: "race", spec: "{}")
    let queued = try database.queueRuns((0..<200).map { _ in TestSupport.spec() }, in: sweep.id)
    try database.close()

    let workers = try (0..<4).map { _ in
      try TestSupport.startProbe(["claim", url.path, "\(sweep.id)"])
    }
    var claimed: [Int64] = []
    for (process, output) in workers {
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      claimed += text.split(separator: "\n").compactMap { Int64($0) }
    }
    #expect(claimed.count == 200)
    #expect(Set(claimed) == Set(queued.map(\.id)))
    let reopened = try RunDatabase.open(path: url.path)
    #expect(try reopened.statusCounts(in: sweep.id) == [.running: 200])
  }

  @Test func aKilledWriterLeavesOnlyWholeEpochs() throws {
    let url = try TestSupport.temporaryDirectory().appendingPathComponent("killed.sqlite")
    let database = try RunDatabase.open(path: url.path)
    let run = try database.createRun(TestSupport.spec(), runningIn: .current)
    try database.close()

    let (process, output) = try TestSupport.startProbe(["write", url.path, "\(run.id)"])
    // Let it commit a few dozen epochs, then kill it wherever it is.
    var seen = ""
    while seen.split(separator: "\n").count < 40 {
      let chunk = output.fileHandleForReading.availableData
      guard !chunk.isEmpty else { break }
      seen += String(decoding: chunk, as: UTF8.self)
    }
    usleep(UInt32.random(in: 0..<20_000))
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    seen += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let reported = seen.split(separator: "\n").compactMap { Int($0) }
    #expect(process.terminationReason == .uncaughtSignal)

    let reopened = try RunDatabase.open(path: url.path)
    #expect(try reopened.check().isEmpty)
    let epochs = try reopened.epochs(of: run.id).map(\.epoch)
    // Every epoch it reported committed is there, in order, and nothing half-written.
    #expect(epochs == Array(0..<epochs.count))
    #expect(epochs.count >= reported.count && reported.count >= 40)
    let layers = try reopened.layerEpochs(of: run.id)
    #expect(layers.count == 2 * epochs.count)
    #expect(try reopened.snapshotEpochs(of: run.id) == epochs)
    #expect(try reopened.run(run.id).lastEpoch == epochs.last)
  }

  @Test func runsWhoseProcessIsGoneAreInterrupted() throws {
    let database = try RunDatabase.inMemory()
    let here = ProcessIdentity.current
    let alive = try database.createRun(TestSupport.spec(), runningIn: here)
    let dead = try database.createRun(
      TestSupport.spec(), runningIn: ProcessIdentity(host: here.host, pid: 999_999))
    let elsewhere = try database.createRun(
      TestSupport.spec(), runningIn: ProcessIdentity(host: "other", pid: 999_999))
    let isAlive: @Sendable (Int) -> Bool = { $0 == here.pid }
    #expect(try database.staleRuns(isAlive: isAlive).map(\.id) == [dead.id])
    // A heartbeat older than the threshold makes a run stale on any host.
    #expect(
      try database.staleRuns(staleAfter: -1, isAlive: isAlive).map(\.id) == [
        alive.id, dead.id, elsewhere.id,
      ])

    let interrupted = try database.interruptStaleRuns(isAlive: isAlive)
    #expect(interrupted.map(\.id) == [dead.id] && interrupted[0].status == .interrupted)
    #expect(try database.run(alive.id).status == .running)
    #expect(try database.run(elsewhere.id).status == .running)
    #expect(ProcessIdentity.isAlive(pid: here.pid))
    #expect(!ProcessIdentity.isAlive(pid: 999_999))
  }
}
