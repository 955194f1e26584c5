import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracking

/// Handing runs to workers, and runs whose worker is gone — across real processes.
@Suite(.serialized)
struct ClaimTests {
  @Test(arguments: Backend.tested)
  func claimsTakeTheOldestQueuedRunOnce(_ backend: Backend) throws {
    let worker = ProcessIdentity(host: "a", pid: 42)
    let database = try backend.newStore(as: worker)
    let sweep = try database.createSweep(name: nil, spec: "{}")
    let queued = try database.queueRuns([RunSpec.example(), RunSpec.example()], in: sweep.id)
    let first = try #require(try database.claimQueuedRun(in: sweep.id))
    #expect(first.id == queued[0].id && first.status == .running)
    #expect(
      first.host == "a" && first.pid == 42 && first.startedAt != nil && first.heartbeatAt != nil)
    #expect(try database.claimQueuedRun(in: sweep.id)?.id == queued[1].id)
    #expect(try database.claimQueuedRun(in: sweep.id) == nil)
  }

  /// A queued run locked for a moment by another transaction (here psql's, for half a second)
  /// is claimed once free, not taken for none left: the worker would stop.
  @Test(arguments: Backend.postgresOnly)
  func aQueuedRunLockedForAMomentIsStillClaimed(_ backend: Backend) throws {
    let url = try Backend.newPostgresDatabase()
    let database = try RunStores.open(url, as: ProcessIdentity(host: "a", pid: 42))
    let sweep = try database.createSweep(name: nil, spec: "{}")
    let queued = try database.queueRuns([RunSpec.example()], in: sweep.id)
    let locker = Process()
    locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    locker.arguments = [
      "psql", "-X", "-q", url, "-c",
      "BEGIN; SELECT id FROM runs WHERE id = \(queued[0].id) FOR UPDATE; SELECT pg_sleep(0.5); COMMIT;",
    ]
    locker.standardOutput = FileHandle.nullDevice
    try locker.run()
    defer { locker.waitUntilExit() }
    // Until psql holds the row, taking it without waiting succeeds (and lets it go at once).
    let start = Date()
    while (try? Backend.psql(
      url, "SELECT id FROM runs WHERE id = \(queued[0].id) FOR UPDATE NOWAIT"))
      != nil
    {
      try #require(Date().timeIntervalSince(start) < 5, "psql never locked the run")
      usleep(10_000)
    }
    #expect(try database.claimQueuedRun(in: sweep.id)?.id == queued[0].id)
  }

  @Test(arguments: Backend.tested)
  func severalProcessesClaimEachRunExactlyOnce(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let location = try backend.newDatabase(in: folder)
    let database = try RunStores.open(location)
    let sweep = try database.createSweep(name: "race", spec: "{}")
    let queued = try database.queueRuns((0..<200).map { _ in RunSpec.example() }, in: sweep.id)
    try database.close()

    // All four start at the same moment, so their claims interleave.
    let start = "\(Int((Date().timeIntervalSince1970 + 1.5) * 1000))"
    let workers = try (0..<4).map { _ in
      try TrackingSupport.startProbe(["claim", location, "\(sweep.id)", start])
    }
    var claimed: [[Int64]] = []
    for (process, output) in workers {
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      claimed.append(text.split(separator: "\n").compactMap { Int64($0) })
    }
    let all = claimed.flatMap { $0 }
    #expect(all.count == 200)
    #expect(Set(all) == Set(queued.map(\.id)))
    #expect(claimed.filter { !$0.isEmpty }.count >= 2, "claims per worker: \(claimed.map(\.count))")
    let reopened = try RunStores.open(location)
    #expect(try reopened.statusCounts(in: sweep.id) == [.running: 200])
  }

  @Test(arguments: Backend.tested)
  func aKilledWriterLeavesOnlyWholeEpochs(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let location = try backend.newDatabase(in: folder)
    let database = try RunStores.open(location)
    let sweep = try database.createSweep(name: nil, spec: "{}")
    let run = try #require(try database.queueRuns([RunSpec.example()], in: sweep.id).first)
    try database.close()

    let (process, output) = try TrackingSupport.startProbe(["write", location, "\(sweep.id)"])
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

    let reopened = try RunStores.open(location)
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

  /// The pid of a process that has come and gone.
  static func deadPID() throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "exit 0"]
    try process.run()
    process.waitUntilExit()
    return Int(process.processIdentifier)
  }

  @Test(arguments: Backend.tested)
  func runsWhoseProcessIsGoneAreInterrupted(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let location = try backend.newDatabase(in: folder)
    let here = ProcessIdentity.current
    let deadPID = try Self.deadPID()
    let database = try RunStores.open(location)
    let alive = try database.createRun(RunSpec.example())
    let dead = try RunStores.open(
      location, as: ProcessIdentity(host: here.host, pid: deadPID)
    )
    .createRun(RunSpec.example())
    let elsewhere = try RunStores.open(
      location, as: ProcessIdentity(host: "other", pid: deadPID)
    )
    .createRun(RunSpec.example())
    #expect(try database.staleRuns().map(\.id) == [dead.id])
    // A heartbeat older than the threshold makes a run stale on any host.
    #expect(try database.staleRuns(staleAfter: -1).map(\.id) == [alive.id, dead.id, elsewhere.id])

    let interrupted = try database.interruptStaleRuns()
    #expect(interrupted.map(\.id) == [dead.id] && interrupted[0].status == .interrupted)
    #expect(try database.run(alive.id).status == .running)
    #expect(try database.run(elsewhere.id).status == .running)
    #expect(ProcessIdentity.isAlive(pid: here.pid))
    #expect(!ProcessIdentity.isAlive(pid: deadPID))
  }

  @Test(arguments: Backend.tested)
  func onlyTheProcessHoldingARunWritesItsEpochs(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let location = try backend.newDatabase(in: folder)
    let deadPID = try Self.deadPID()
    let gone = try RunStores.open(
      location, as: ProcessIdentity(host: ProcessIdentity.current.host, pid: deadPID))
    let sweep = try gone.createSweep(name: nil, spec: "{}")
    _ = try gone.queueRuns([RunSpec.example()], in: sweep.id)
    let run = try #require(try gone.claimQueuedRun(in: sweep.id))
    try gone.recordEpoch(TrackingSupport.epoch(0, snapshot: true), of: run.id)

    // Another process finds the run stale, interrupts and re-queues it, and claims it.
    let here = try RunStores.open(location)
    #expect(
      throws: TrackingError.runHeldElsewhere(
        run.id, host: ProcessIdentity.current.host, pid: deadPID)
    ) {
      try here.recordEpoch(TrackingSupport.epoch(1), of: run.id)
    }
    #expect(try here.interruptStaleRuns().map(\.id) == [run.id])
    #expect(try here.requeueRuns([run.id, 999]) == [run.id])
    #expect(try here.claimQueuedRun(in: sweep.id)?.id == run.id)
    try here.recordEpoch(TrackingSupport.epoch(1), of: run.id)
    // The first process, were it alive, could no longer write.
    #expect(
      throws: TrackingError.runHeldElsewhere(run.id, host: here.process.host, pid: here.process.pid)
    ) {
      try gone.recordEpoch(TrackingSupport.epoch(2), of: run.id)
    }
    #expect(try here.epochs(of: run.id).map(\.epoch) == [0, 1])
  }

  @Test(arguments: Backend.tested)
  func processesOpeningANewDatabaseTogetherMigrateItOnce(_ backend: Backend) throws {
    for _ in 0..<3 {
      let folder = try makeTemporaryDirectory()
      defer { try? FileManager.default.removeItem(at: folder) }
      let location = try backend.newDatabase(in: folder)
      let start = "\(Int((Date().timeIntervalSince1970 + 1) * 1000))"
      // Each opens the missing file at the same moment, migrates it, and finds no sweep 1.
      let openers = try (0..<6).map { _ in
        try TrackingSupport.startProbe(["claim", location, "1", start])
      }
      for (process, output) in openers {
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
      }
      let database = try RunStores.open(location, access: .readOnly)
      #expect(try database.info().appliedMigrations == database.knownMigrations)
      #expect(try database.check().isEmpty)
    }
  }

  /// A reader that opens a new database while another thread creates it finds no file or one
  /// with every migration, never a half-made one it would take for an older nnlab's; and the
  /// creator leaves nothing else in the folder.
  @Test func aNewDatabaseIsNeverSeenHalfMade() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var looks = 0
    for attempt in 0..<20 {
      let path = directory.appendingPathComponent("new-\(attempt).sqlite").path
      let creating = DispatchGroup()
      DispatchQueue.global().async(group: creating) { _ = try? RunDatabase.open(path: path) }
      repeat {
        guard FileManager.default.fileExists(atPath: path) else { continue }
        looks += 1
        try RunDatabase.open(path: path, access: .readOnly).requireCurrentSchema()
      } while creating.wait(timeout: .now()) == .timedOut
      try RunDatabase.open(path: path, access: .readOnly).requireCurrentSchema()
    }
    #expect(looks > 0, "the reader never saw the file before its creator finished")
    // Each database, with the -wal and -shm its connections may leave, and nothing more.
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    let databases = (0..<20).map { "new-\($0).sqlite" }
    #expect(left.allSatisfy { name in databases.contains { name.hasPrefix($0) } }, "\(left)")
  }
}

/// A process that has exited but not been reaped (a zombie) holds no run: its pid still answers
/// `kill(pid, 0)`, but it can write nothing.
struct ProcessIdentityTests {
  @Test func aZombieIsNotAlive() throws {
    var pid: pid_t = 0
    let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("true"), nil]
    defer { for argument in arguments { free(argument) } }
    #expect(posix_spawn(&pid, "/bin/true", nil, nil, arguments, nil) == 0)
    #expect(ProcessIdentity.isAlive(pid: Int(getpid())))
    // Not waited for: once it has exited it is a zombie until waitpid below.
    var waited = 0
    while kill(pid, 0) == 0 && ProcessIdentity.isAlive(pid: Int(pid)) && waited < 2_000 {
      usleep(1_000)
      waited += 1
    }
    #expect(kill(pid, 0) == 0, "the zombie is still in the process table")
    #expect(!ProcessIdentity.isAlive(pid: Int(pid)))
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    #expect(!ProcessIdentity.isAlive(pid: Int(pid)))
  }
}
