import Foundation
import GRDB
import TestSupport
import Testing
import Tracking

/// The faults other than a killed process: a full disk (a file size limit), a lock held too
/// long, read-only files, readers during a sweep, many workers, and files damaged or not
/// nnlab's. Each leaves the database as it was or consistent, with one clear line.
@Suite(.serialized) struct FaultTests {
  static let prlimit = "/usr/bin/prlimit"

  /// A write past the file size limit (`ulimit -f`, as a full disk) while recording: one
  /// line naming the epoch and the run, exit 74, the run failed and the file consistent.
  @Test(
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: prlimit), "prlimit (util-linux) is absent"))
  func aFullDiskStopsTheRunCleanly() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("full.sqlite").path
    #expect(try CommandRunner.run(["db", "migrate", "--db", db]).status == 0)
    let limit = 400_000
    let result = try CommandRunner.run(
      [
        "train", "--data", "glyphs", "--examples", "300", "--hidden", "25", "--epochs", "200",
        "--gradcheck-every", "0", "--db", db, "--quiet",
      ], wrapper: [Self.prlimit, "--fsize=\(limit)"])
    #expect(result.status == 74)
    let line = result.standardError
    #expect(
      line.hasPrefix(
        "error: \(db): file size limit reached (ulimit -f: \(limit) bytes) while recording epoch ")
        && line.hasSuffix(" of run 1\n") && line.split(separator: "\n").count == 1, "\(line)")
    #expect(try Faults.problems(of: 1, in: db, layers: 2) == [])
    #expect(try RunDatabase.open(path: db, access: .readOnly).run(1).status == .failed)
    Faults.report("a write past the file size limit: exit 74, '\(line.dropLast())'")
  }

  /// Another process holds the write lock longer than the busy timeout: a clear line, exit
  /// 74, no run made, the file intact.
  @Test func aLockHeldTooLongIsAClearError() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("locked.sqlite").path
    #expect(try CommandRunner.run(["db", "migrate", "--db", db]).status == 0)
    // This process holds the lock, on a thread of its own, until the command is done.
    let holder = try DatabaseQueue(path: db)
    let (held, done) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
    DispatchQueue.global().async {
      try? holder.inTransaction(.exclusive) { _ in
        held.signal()
        done.wait()
        return .rollback
      }
      held.signal()
    }
    held.wait()
    let result = try CommandRunner.run(
      ["train", "--data", "xor", "--epochs", "5", "--db", db, "--quiet"],
      environment: ["NNLAB_BUSY_TIMEOUT": "1"])
    done.signal()
    held.wait()
    #expect(result.status == 74)
    #expect(
      result.standardError == "error: \(db): locked by another process for more than 1 second\n",
      "\(result.standardError)")
    let store = try RunDatabase.open(path: db, access: .readOnly)
    #expect(try store.check().isEmpty && store.runs().isEmpty)
  }

  /// A database file or folder this process may not write is refused before training starts.
  /// As root (who may write anything), the command runs as the user nobody, who owns them.
  @Test(
    .enabled(
      if: geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
      "as root, setpriv (util-linux) is needed to run the command as another user"))
  func readOnlyFilesAreRefusedBeforeTraining() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("ro.sqlite").path
    #expect(try CommandRunner.run(["db", "migrate", "--db", db]).status == 0)
    let asUser =
      geteuid() == 0
      ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    if geteuid() == 0 {
      chown(db, 65534, 65534)
      chown(directory.path, 65534, 65534)
    }
    let train = ["train", "--data", "xor", "--epochs", "5", "--db", db, "--quiet"]
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    for (mode, folderMode, reason) in [
      (0o444, 0o755, "cannot be written (Permission denied): nnlab records its runs in it"),
      (0o644, 0o555, "its directory cannot be written (Permission denied): SQLite makes its -wal"),
    ] {
      chmod(db, mode_t(mode))
      chmod(directory.path, mode_t(folderMode))
      let result = try CommandRunner.run(train, wrapper: asUser)
      chmod(directory.path, 0o755)
      #expect(result.status == 74)
      #expect(result.standardError.hasPrefix("error: \(db): \(reason)"), "\(result.standardError)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    }
  }

  /// `runs`, `report`, `export` and a consistency query, over and over while a two-worker sweep
  /// writes: each succeeds, none says "locked", and none sees an epoch without its rows.
  @Test func readersDuringASweepSeeOnlyWholeEpochs() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("read.sqlite").path
    let sweep = try CommandRunner.start([
      "sweep", "--data", "spirals", "--examples", "200", "--hidden", "8", "--epochs",
      "\(60 * Faults.rounds)", "--snapshot-every", "1", "--gradcheck-every", "0", "--lambda",
      "0,0.1", "--lr", "0.5,1", "--workers", "2", "--db", db, "--quiet",
    ])
    let half = """
      SELECT count(*) AS half FROM epochs e
      WHERE (SELECT count(*) FROM layer_epochs l WHERE l.run_id = e.run_id AND l.epoch = e.epoch) <> 2
        OR (SELECT count(*) FROM weight_snapshots w WHERE w.run_id = e.run_id AND w.epoch = e.epoch) <> 2
      """
    let readers = [
      ["runs"], ["report", "sweep"], ["export", "epochs", "--sweep", "1"],
      ["report", "--sql", half, "--csv"],
    ]
    var reads = 0
    while !FileManager.default.fileExists(atPath: db) && sweep.isRunning { usleep(5_000) }
    repeat {
      for reader in readers {
        let result = try CommandRunner.run(reader + ["--db", db])
        reads += 1
        // Before the sweep is queued there is nothing to report (66); anything else is wrong.
        #expect(result.status == 0 || result.status == 66, "\(reader): \(result.standardError)")
        #expect(!result.standardError.contains("locked"), "\(reader): \(result.standardError)")
        if reader.last == "--csv" && result.status == 0 {
          #expect(result.standardOutput == "half\r\n0\r\n", "\(result.standardOutput)")
        }
      }
    } while sweep.isRunning
    #expect(sweep.terminationStatus == 0)
    Faults.report("\(reads) reads during a 2-worker sweep: none failed or saw half an epoch")
  }

  /// Eight workers on two cores over many tiny runs: each run trained exactly once, no lock
  /// error, and no worker's peak memory above that of a worker that trained a single run.
  @Test func eightWorkersTrainEachRunOnce() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    /// A sweep of `runs` seeds of `epochs` on `workers` workers, and the peak resident memory
    /// (VmHWM) each worker reached, sampled every 10 ms until it ended.
    func sweep(runs: Int, epochs: Int, workers: Int, db: String) throws -> (Process, [Int]) {
      let sweep = try CommandRunner.start([
        "sweep", "--data", "xor", "--examples", "40", "--hidden", "2", "--epochs", "\(epochs)",
        "--gradcheck-every", "0", "--seed", (1...runs).map(String.init).joined(separator: ","),
        "--workers", "\(workers)", "--db", db, "--quiet",
      ])
      var peaks: [pid_t: Int] = [:]
      while sweep.isRunning {
        for worker in Faults.children(of: sweep.processIdentifier) {
          if let kilobytes = Faults.peakKilobytes(of: worker) {
            peaks[worker] = kilobytes
          }
        }
        usleep(10_000)
      }
      return (sweep, Array(peaks.values))
    }
    // The worker of one run trains long enough to be sampled at its plateau: one of 5 epochs
    // could end between two samples, before its memory had grown to what it holds.
    let (single, baseline) = try sweep(
      runs: 1, epochs: 300, workers: 1, db: directory.appendingPathComponent("one.sqlite").path)
    let db = directory.appendingPathComponent("load.sqlite").path
    let (load, peaks) = try sweep(runs: Faults.loadRuns, epochs: 5, workers: 8, db: db)
    #expect(single.terminationStatus == 0 && load.terminationStatus == 0)
    let store = try RunDatabase.open(path: db, access: .readOnly)
    let runs = try store.runs()
    #expect(runs.count == Faults.loadRuns)
    #expect(runs.allSatisfy { $0.status == .finished && $0.lastEpoch == 5 })
    // Once each: a run is claimed only from the queue, and its epochs 0…5 are there once.
    let epochs = try store.select("SELECT count(*), count(DISTINCT run_id) FROM epochs")
    #expect(
      epochs.rows.first == [.integer(Int64(6 * Faults.loadRuns)), .integer(Int64(Faults.loadRuns))])
    // Each worker trained about runs/8 runs; memory that grew with each would show here.
    let (one, most) = (baseline.max() ?? 0, peaks.max() ?? 0)
    #expect(
      one > 0 && most <= one + one / 4 + 4096, "peak \(most) kB against \(one) kB for one run")
    Faults.report(
      "8 workers, \(Faults.loadRuns) runs: each once; peak worker RSS \(most / 1024) MB,"
        + " against \(one / 1024) MB for a worker of one run")
  }
}
