import Foundation
import TestSupport
import Testing

/// Workers on many machines sharing one PostgreSQL database. Each machine is a Linux network
/// namespace with its own address and host name (`bench/machines.sh`), wired to a bridge in
/// the root namespace where a cluster of the suite's own (`bench/postgres.sh`, in a temporary
/// folder, started before the suite and stopped after it) listens; each test has databases
/// of its own on it, and its workers are `nnlab worker` processes started in those
/// namespaces. Where namespaces cannot be made (or `NNLAB_TEST_NETNS=0`) the workers are
/// plain processes and a cut link is a stopped process (SIGSTOP), said in one line. The suite
/// runs where the PostgreSQL tests do (`NNLAB_TEST_POSTGRES` set, or `CI`), though it never
/// uses that server. Each test prints a `machines:` line with its figures.
@Suite(.serialized, .enabled(if: MachineLab.isEnabled), .machines)
final class MachinesTests {
  let lab: MachineLab

  init() throws {
    lab = try MachineLab()
  }

  deinit {
    lab.close()
  }

  /// 16 workers, 4 on each of 4 machines, take 200 tiny runs from one queue: each run is
  /// claimed once and trained once, whole, with no deadlock and no error.
  @Test func sixteenWorkersOnFourMachinesTrainEveryRunOnce() throws {
    let epochs = 4
    let sweep = try lab.queue([
      "--data", "xor", "--examples", "40", "--layers", "2-3-2", "--epochs", "\(epochs)",
      "--lambda", "0,0.01,0.1,1,10", "--lr", "0.1,0.3,1,3,10", "--seed", "1,2,3,4,5,6,7,8",
      "--gradcheck-every", "0",
    ])
    let began = Date()
    var workers: [MachineLab.Worker] = []
    for machine in 1...4 {
      for index in 1...4 {
        workers.append(
          try lab.start(lab.worker(sweep), on: machine, name: "worker-\(machine)-\(index)"))
      }
    }
    let ended = lab.waitForExit(workers, within: 110)
    let seconds = Date().timeIntervalSince(began)
    #expect(ended, "the workers still ran after 110 s: a deadlock?")

    // Each worker ends well and says nothing on stderr; together they trained each run once.
    var trained: [Int64: Int] = [:]
    for worker in workers {
      #expect(worker.status == 0, "\(worker.name) exited with \(worker.status)")
      #expect(!worker.standardError.localizedCaseInsensitiveContains("lock"))
      #expect(worker.standardError.isEmpty, "\(worker.name): \(worker.standardError)")
      for line in worker.standardOutput.split(separator: "\n") {
        let words = line.split(separator: " ")
        #expect(words.count > 2 && words[0] == "run" && words[2] == "finished:", "\(line)")
        if let run = Int64(words[1]) { trained[run, default: 0] += 1 }
      }
    }
    #expect(trained.count == 200 && trained.values.allSatisfy { $0 == 1 }, "\(trained)")

    // The database agrees: every run finished at its first attempt, every epoch once.
    let runs = try lab.rows(
      "SELECT id, status, attempts, last_epoch, host FROM runs WHERE sweep_id = \(sweep)")
    #expect(runs.count == 200)
    #expect(Set(runs.map { Int64($0[0]) ?? 0 }) == Set(trained.keys))
    let unfinished = runs.filter { $0[1] != "finished" || $0[2] != "1" || $0[3] != "\(epochs)" }
    #expect(unfinished.isEmpty, "runs not finished once: \(unfinished.prefix(5))")
    #expect(try lab.wholeRuns(epochs: epochs) == 200, "runs with epochs 0…\(epochs) each once")
    let rows = 200 * (epochs + 1)
    #expect(try lab.rowCounts() == ["\(rows)", "\(2 * rows)", "\(2 * rows)"])
    #expect(
      try lab.rows("SELECT deadlocks FROM pg_stat_database WHERE datname = '\(lab.database)'")
        == [["0"]])

    // The work was spread over the machines.
    let hosts = Dictionary(grouping: runs, by: { $0[4] }).mapValues(\.count)
    if MachineLab.namespaces {
      #expect(Set(hosts.keys) == Set((1...4).map { "nnlab-m\($0)" }), "\(hosts)")
    }
    let perWorker = workers.map { $0.standardOutput.split(separator: "\n").count }
    let machines = "\(hosts.count) machine\(hosts.count == 1 ? "" : "s")"
    MachineLab.note(
      "16 workers on \(machines) trained 200 runs in \(MachineLab.seconds(seconds)) s,"
        + " each once; runs per machine \(hosts.sorted { $0.key < $1.key }.map(\.value)), per"
        + " worker \(perWorker.min() ?? 0)…\(perWorker.max() ?? 0)")
  }

  /// The run of the cut tests: about 3 seconds of training, a snapshot every epoch. Its
  /// epochs take long enough (some 12 ms) that its writes leave moments between them.
  static let longEpochs = 240
  static let longRun = [
    "--data", "spirals", "--examples", "400", "--layers", "2-16-3", "--epochs",
    "\(longEpochs)", "--lambda", "0.1", "--lr", "1", "--seed", "7", "--gradcheck-every", "0",
  ]
  /// Every process of the cut tests holds a run for 3 seconds after each write.
  static let lease = ["NNLAB_LEASE": "3"]

  /// A worker on machine A trains a run; its link is cut between two of its transactions. A
  /// worker asking meanwhile gets nothing while the lease holds; one on machine B asking after
  /// it has ended (the server's clock) reclaims the run, resumes it from its last snapshot and
  /// finishes it, every epoch and weight bit for bit those of the run trained uninterrupted in
  /// another database. A, its link back, is refused and writes nothing more.
  @Test func aWorkerCutOffLosesItsRunToAnotherThatResumesItBitwise() throws {
    let sweep = try lab.queue(Self.longRun)
    let run = try lab.onlyRun(of: sweep)
    let referenceSweep = try lab.queue(Self.longRun, database: lab.reference)
    #expect(try lab.onlyRun(of: referenceSweep, database: lab.reference) == run)
    let a = try lab.start(lab.worker(sweep), on: 1, environment: Self.lease, name: "A")
    #expect(try MachineLab.poll(for: 60) { try lab.lastEpoch(of: run) >= Self.longEpochs / 5 })
    let looks = try lab.cut(a, at: .betweenTransactions)
    let cutAt = Date()
    usleep(200_000)
    let committed = try lab.lastEpoch(of: run)
    #expect(
      try lab.field("status", of: run) == "running" && committed < Self.longEpochs * 3 / 4)

    // A worker asking while the lease holds finds nothing to do.
    let early = try lab.start(lab.worker(sweep), on: 2, environment: Self.lease, name: "B-early")
    #expect(lab.waitForExit([early], within: 30))
    #expect(try !lab.leaseEnded(of: run), "B-early asked too late to tell")
    #expect(early.status == 0 && early.standardOutput.isEmpty, "\(early.standardOutput)")
    #expect(try lab.field("attempts", of: run) == "1")

    // The same run, trained uninterrupted in another database meanwhile.
    let uninterrupted = try lab.start(
      lab.worker(referenceSweep, database: lab.reference), on: 3, environment: Self.lease,
      name: "reference")

    // Once the lease has ended, B reclaims the run and finishes it.
    #expect(try MachineLab.poll(for: 30) { try lab.leaseEnded(of: run) })
    let leaseEnded = Date()
    #expect(try lab.lastEpoch(of: run) == committed, "A wrote after its link was cut")
    let b = try lab.start(lab.worker(sweep), on: 2, environment: Self.lease, name: "B")
    let bStarted = Date()
    #expect(try MachineLab.poll(for: 30) { try lab.field("attempts", of: run) == "2" })
    let claimed = Date()
    #expect(lab.waitForExit([b, uninterrupted], within: 90))
    let finished = Date()
    #expect(b.status == 0 && b.standardError.isEmpty, "\(b.standardError)")
    #expect(
      b.standardOutput.hasPrefix(
        "run \(run) finished: \(Self.longEpochs) of \(Self.longEpochs) epochs"),
      "\(b.standardOutput)")
    #expect(uninterrupted.status == 0, "\(uninterrupted.standardError)")
    let held = try lab.rows(
      "SELECT status, attempts, host, pid, last_epoch FROM runs WHERE id = \(run)")
    let host = MachineLab.namespaces ? "nnlab-m2" : held.first?[2] ?? ""
    let expected = [
      "finished", "2", host, "\(b.process.processIdentifier)", "\(Self.longEpochs)",
    ]
    #expect(held == [expected])
    try expectSameRun(run)

    // A, its link back, is refused — or, its write unanswered for longer than its lease, has
    // already given up with one line: either way it exits, and the run stays B's.
    try lab.heal(a)
    let healed = Date()
    #expect(lab.waitForExit([a], within: 60), "A still ran 60 s after its link came back")
    let aExited = Date()
    #expect(!a.standardOutput.contains("finished"), "\(a.standardOutput)")
    #expect(
      a.standardError.contains("run \(run) is finished, not running")
        || a.standardError.contains("run \(run) is held by process")
        || a.standardError.contains("the connection failed"), "\(a.standardError)")
    #expect(
      try lab.rows("SELECT status, attempts, host, pid, last_epoch FROM runs WHERE id = \(run)")
        == [expected])
    try expectSameRun(run)
    let printed = (a.standardOutput + a.standardError)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    MachineLab.note(
      "A's link cut after epoch \(committed), between two transactions (\(looks) looks); its"
        + " lease ended \(MachineLab.seconds(leaseEnded, cutAt)) s after the cut, B claimed the"
        + " run \(MachineLab.seconds(claimed, cutAt)) s after it (B started"
        + " \(MachineLab.seconds(bStarted, cutAt)) s after it) and finished it"
        + " \(MachineLab.seconds(finished, claimed)) s later, bit for bit; A, its link back,"
        + " exited \(MachineLab.seconds(aExited, healed)) s later with status \(a.status),"
        + " printing: \(printed)")
  }

  /// Every epoch row (all but its wall time), layer row and weight snapshot of `run` equal
  /// those of the same run in the reference database, bit for bit.
  func expectSameRun(_ run: Int64) throws {
    for table in ["epochs", "layers", "weights"] {
      let ours = try lab.export(table, of: run)
      let theirs = try lab.export(table, of: run, database: lab.reference)
      #expect(ours.count > 1 && ours == theirs, "\(table) differ from the uninterrupted run's")
    }
    let snapshots = """
      SELECT epoch, layer, rows, cols, md5(data) FROM weight_snapshots WHERE run_id = \(run)
      ORDER BY epoch, layer
      """
    let ours = try lab.rows(snapshots)
    #expect(ours.count == 2 * (Self.longEpochs + 1))
    #expect(ours == (try lab.rows(snapshots, database: lab.reference)))
  }

  /// As above, but A's link is cut while its session is inside a transaction, which has locked
  /// the run's row (each write of epochs begins `SELECT … FOR UPDATE` of it).
  ///
  /// The server would keep that session, idle in transaction, and the lock with it, until TCP
  /// gave up on the link (hours), and the claim's `FOR UPDATE SKIP LOCKED` would skip the
  /// locked run; nnlab's sessions have an `idle_in_transaction_session_timeout` of half the
  /// lease, so the lock is gone before the lease ends and B reclaims the run. The run ends
  /// finished, every epoch once.
  @Test func aWorkerCutOffMidTransactionLosesItsRunToo() throws {
    let sweep = try lab.queue(Self.longRun)
    let run = try lab.onlyRun(of: sweep)
    let a = try lab.start(lab.worker(sweep), on: 1, environment: Self.lease, name: "A")
    #expect(try MachineLab.poll(for: 60) { try lab.lastEpoch(of: run) >= Self.longEpochs / 5 })
    let looks = try lab.cut(a, at: .insideATransaction)
    let cutAt = Date()
    #expect(try MachineLab.poll(for: 30) { try lab.leaseEnded(of: run) })
    let b = try lab.start(lab.worker(sweep), on: 2, environment: Self.lease, name: "B")
    _ = try MachineLab.poll(for: 30) {
      try lab.field("attempts", of: run) == "2" || !b.process.isRunning
    }
    let reclaimed = try lab.field("attempts", of: run) == "2"
    let waited = MachineLab.seconds(Date(), cutAt)
    let sessions = try lab.rows(
      """
      SELECT state, count(*) FROM pg_stat_activity
      WHERE datname = '\(lab.database)' AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
      GROUP BY state
      """)
    #expect(
      reclaimed,
      "no worker reclaimed run \(run) \(waited) s after the cut, its lease ended; sessions holding a transaction: \(sessions)"
    )
    try lab.heal(a)
    #expect(lab.waitForExit([a, b], within: 60))
    #expect(try lab.field("status", of: run) == "finished")
    #expect(try lab.wholeRuns(epochs: Self.longEpochs) == 1)
    let printed = { (worker: MachineLab.Worker) in
      (worker.standardOutput + worker.standardError).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    MachineLab.note(
      "A's link cut inside a transaction (\(looks) looks): reclaimed \(waited) s after the cut:"
        + " \(reclaimed); sessions holding a transaction then: \(sessions); B printed"
        + " '\(printed(b))'; A, its link back: '\(printed(a))'")
  }

  /// A sweep's two workers (on one machine) train while the server restarts: the sweep
  /// finishes, every run finished at its first attempt with every epoch once, and no epoch
  /// committed before the restart is lost. The restart comes at a moment when no worker is
  /// inside a transaction, or when one is (its transaction has locked its run's row).
  ///
  /// PostgresNIO 1.33 never answers a statement sent as its connection closes: the worker
  /// whose transaction the restart broke gives the call up after 15 s without an answer and
  /// tries it again on a new connection. The test gives up once nothing has been committed
  /// for 40 s.
  @Test(arguments: [MachineLab.Moment.betweenTransactions, .insideATransaction])
  func aServerRestartMidSweepLosesNoEpoch(at moment: MachineLab.Moment) throws {
    let epochs = 80
    let grid = [
      "--data", "spirals", "--examples", "400", "--layers", "2-16-3", "--epochs", "\(epochs)",
      "--lambda", "0,1", "--lr", "0.3,1,3,10", "--gradcheck-every", "0",
    ]
    let total = 8 * (epochs + 1)
    let migrated = try CommandRunner.run(["db", "migrate", "--db", lab.url])
    #expect(migrated.status == 0, "\(migrated.standardError)")
    let began = Date()
    let sweep = try lab.start(
      ["sweep"] + grid + ["--workers", "2", "--db", lab.machineURL], on: 1, name: "sweep")
    var workers: [pid_t] = []
    #expect(
      MachineLab.poll(for: 30) {
        workers = MachineLab.descendants(of: sweep.process.processIdentifier).filter {
          MachineLab.commandLine(of: $0).contains("worker")
        }
        return workers.count == 2
      })
    #expect(try MachineLab.poll(for: 60) { try lab.committedEpochs() >= total / 4 })

    // The restart, at the moment asked.
    let started = try lab.rows("SELECT pg_postmaster_start_time()")
    let (looks, lastEpochs) = try lab.restartServer(at: moment, stopping: workers)
    let restarted = Date()
    #expect(sweep.process.isRunning, "the sweep ended before the restart")
    #expect(try lab.rows("SELECT pg_postmaster_start_time()") != started)
    let before = lastEpochs.values.reduce(0) { $0 + $1 + 1 }
    #expect(before < total, "every epoch was committed before the restart")

    // The sweep goes on to its end, or stalls.
    var progress = (count: try lab.committedEpochs(), at: Date())
    let ended =
      try lab.waitForExit([sweep], within: 120) {
        let count = try lab.committedEpochs()
        if count != progress.count { progress = (count, Date()) }
        return Date().timeIntervalSince(progress.at) > 40
      }
    let stalled = MachineLab.seconds(progress.at, restarted)
    let states = try lab.rows("SELECT status, count(*) FROM runs GROUP BY status ORDER BY status")
    let message: Comment =
      "the sweep stalled \(stalled) s after the restart, \(progress.count) of \(total) epochs committed; runs: \(states)"
    #expect(ended, message)
    if ended {
      #expect(sweep.status == 0, "\(sweep.standardError)")
      #expect(sweep.standardOutput.contains("sweep 1: 8 runs — 8 finished"))
      #expect(!sweep.standardError.contains("error"), "\(sweep.standardError)")
      let runs = try lab.rows("SELECT status, attempts, last_epoch FROM runs ORDER BY id")
      #expect(runs == Array(repeating: ["finished", "1", "\(epochs)"], count: 8))
      #expect(try lab.wholeRuns(epochs: epochs) == 8)
      #expect(try lab.rowCounts() == ["\(total)", "\(2 * total)", "\(2 * total)"])
    }

    // Whatever happened after it, nothing committed before the restart is lost, and every
    // run's epochs run from 0 to its last without a gap.
    for (run, last) in lastEpochs {
      let after = try lab.lastEpoch(of: run)
      #expect(after >= last, "run \(run): epoch \(last) committed before the restart, now \(after)")
    }
    let gaps = try lab.rows(
      """
      SELECT r.id, r.last_epoch, count(e.epoch), min(e.epoch), max(e.epoch) FROM runs r
      LEFT JOIN epochs e ON e.run_id = r.id GROUP BY r.id, r.last_epoch
      HAVING count(e.epoch) <> COALESCE(r.last_epoch + 1, 0)
        OR count(e.epoch) <> count(DISTINCT e.epoch)
        OR COALESCE(max(e.epoch), -1) <> COALESCE(r.last_epoch, -1)
      """)
    #expect(gaps.isEmpty, "runs whose epochs are not 0…last: \(gaps)")
    MachineLab.note(
      "server restarted \(moment.rawValue) (\(looks) looks), \(before) of \(total) epochs committed; "
        + (ended
          ? "the sweep finished \(MachineLab.seconds(Date(), restarted)) s later"
          : "the sweep stalled \(stalled) s after it (runs: \(states))")
        + ", \(MachineLab.seconds(Date(), began)) s in all; its stderr:"
        + " '\(sweep.standardError.trimmingCharacters(in: .whitespacesAndNewlines))'")
  }
}

/// The machines and the PostgreSQL cluster of the suite: made before its first test, removed
/// after its last (`.machines`, a suite trait).
final class MachineCluster: Sendable {
  /// The package's folder.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// Whether machines are network namespaces here (checked once; one line when not).
  /// `NNLAB_TEST_NETNS=0` makes them plain processes where namespaces could be made.
  static let namespaces: Bool = {
    if ProcessInfo.processInfo.environment["NNLAB_TEST_NETNS"] == "0" {
      MachineLab.note(
        "NNLAB_TEST_NETNS=0: workers run as plain processes and a cut link is a stopped process")
      return false
    }
    do {
      try shell(["bench/machines.sh", "check"])
      return true
    } catch {
      MachineLab.note(
        "network namespaces unavailable (\(error)): workers run as plain processes and a cut"
          + " link is a stopped process")
      return false
    }
  }()

  /// The machines (namespaces) made.
  static let machines = 4

  /// The address the cluster listens on for the machines, on their bridge.
  static let bridgeAddress = "10.200.0.1"

  /// The cluster the suite's tests run on (set by `.machines` around the suite).
  @TaskLocal static var current: MachineCluster?

  let folder: URL
  /// The cluster's URL from the root namespace (127.0.0.1), to its database nnlab.
  let url: String
  private let environment: [String: String]

  /// Makes the machines and starts a cluster in a new temporary folder.
  init() throws {
    let folder = try makeTemporaryDirectory()
    let namespaces = Self.namespaces
    let environment = [
      "NNLAB_PG_DIR": folder.appendingPathComponent("postgres").path,
      "NNLAB_PG_LISTEN": namespaces ? Self.bridgeAddress : "",
    ]
    do {
      if namespaces { try Self.shell(["bench/machines.sh", "up", "\(Self.machines)"]) }
      url = try Self.shell(["bench/postgres.sh", "start"], environment: environment)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    } catch {
      _ = try? Self.shell(["bench/postgres.sh", "stop"], environment: environment)
      if namespaces { _ = try? Self.shell(["bench/machines.sh", "down"]) }
      try? FileManager.default.removeItem(at: folder)
      throw error
    }
    self.folder = folder
    self.environment = environment
  }

  /// Stops the cluster, removes the machines and the folder.
  func close() {
    _ = try? Self.shell(["bench/postgres.sh", "stop"], environment: environment)
    if Self.namespaces { _ = try? Self.shell(["bench/machines.sh", "down"]) }
    try? FileManager.default.removeItem(at: folder)
  }

  /// The URL of `database` from the root namespace.
  func url(of database: String) -> String {
    url.replacingOccurrences(of: "/nnlab?", with: "/\(database)?")
  }

  /// The URL of `database` from the machines: at the bridge's address.
  func machineURL(of database: String) -> String {
    let local = url(of: database)
    return Self.namespaces
      ? local.replacingOccurrences(of: "@127.0.0.1:", with: "@\(Self.bridgeAddress):") : local
  }

  /// `bash bench/postgres.sh restart`.
  func restart() throws {
    try Self.shell(["bench/postgres.sh", "restart"], environment: environment)
  }

  /// The server's process id.
  func serverPID() throws -> String {
    let file = folder.appendingPathComponent("postgres/data/postmaster.pid")
    return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").first.map(
      String.init) ?? ""
  }

  /// Runs `bash arguments…` in the package's folder with `environment` added; what it printed.
  /// The script runs without the descriptors Foundation gives its child beyond 0, 1 and 2: a
  /// daemon it leaves behind (the PostgreSQL server) would keep the socket by which Foundation
  /// learns that the child ended, and `waitUntilExit` would wait for the daemon.
  /// - Throws: `BackendError` with its stderr when it fails.
  @discardableResult
  static func shell(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("out")
    let errors = folder.appendingPathComponent("err")
    let process = try CommandRunner.process(
      [
        "/bin/bash", "-c",
        #"( for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; if ((fd > 2)); then eval "exec $fd>&-"; fi; done; exec /bin/bash "$@" )"#,
        "bash",
      ] + arguments,
      environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
      output: output, errors: errors)
    process.currentDirectoryURL = root
    try process.run()
    process.waitUntilExit()
    let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
    guard process.terminationStatus == 0 else {
      throw BackendError(
        "bash \(arguments.joined(separator: " ")) failed: "
          + text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
  }
}

/// Makes the machines and the cluster before a suite's tests and removes them after.
struct MachinesTrait: SuiteTrait, TestScoping {
  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let cluster = try MachineCluster()
    defer { cluster.close() }
    try await MachineCluster.$current.withValue(cluster) { try await function() }
  }
}

extension Trait where Self == MachinesTrait {
  /// The machines and the PostgreSQL cluster of `MachinesTests`.
  static var machines: Self { Self() }
}

/// One test's part of the cluster: a database of its own (and a second, for a reference run),
/// the processes it starts on the machines, killed when it ends.
final class MachineLab: @unchecked Sendable {
  /// Whether the suite runs: where the PostgreSQL tests do. Without a server or `CI`,
  /// `Backend` says in one line how to start one.
  static var isEnabled: Bool { !Backend.postgresOnly.isEmpty }

  static var namespaces: Bool { MachineCluster.namespaces }

  let cluster: MachineCluster
  /// The test's database, and another for a reference run.
  let database: String
  let reference: String
  /// The test's database's URL from the root namespace, and from the machines.
  var url: String { cluster.url(of: database) }
  var machineURL: String { cluster.machineURL(of: database) }
  private let started = Started()

  /// Two new databases on the suite's cluster.
  init() throws {
    guard let cluster = MachineCluster.current else {
      throw BackendError("MachineLab runs in a suite with the .machines trait")
    }
    self.cluster = cluster
    let name = "nnlab_m" + UUID().uuidString.prefix(8).lowercased()
    database = name
    reference = name + "_reference"
    for database in [database, reference] {
      try Backend.psql(cluster.url, "CREATE DATABASE \(database)")
    }
  }

  /// Kills what the test left running: the processes it started, and theirs.
  func close() {
    for worker in started.all where worker.process.isRunning {
      let pid = worker.process.processIdentifier
      for process in [pid] + Self.descendants(of: pid) { kill(process, SIGKILL) }
      worker.process.waitUntilExit()
    }
  }

  /// A process started on a machine, its output in files.
  struct Worker {
    let name: String
    let machine: Int
    let process: Process
    let output: URL
    let errors: URL

    var standardOutput: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }
    /// The exit status, once it has ended (-1 before).
    var status: Int32 { process.isRunning ? -1 : process.terminationStatus }
  }

  /// `nnlab arguments…` started on `machine` (1…) with the pid `Worker.process` has, with
  /// `NO_COLOR`, without `NNLAB_DB`, with `environment`; its output in files named `name`.
  func start(
    _ arguments: [String], on machine: Int, environment: [String: String] = [:], name: String
  ) throws -> Worker {
    let program =
      Self.namespaces
      ? [
        "/bin/bash", MachineCluster.root.appendingPathComponent("bench/machines.sh").path, "run",
        "\(machine)",
      ] : []
    let output = cluster.folder.appendingPathComponent("\(database)-\(name).out")
    let errors = cluster.folder.appendingPathComponent("\(database)-\(name).err")
    let process = try CommandRunner.process(
      program + [CommandRunner.executable.path] + arguments,
      environment: CommandRunner.userEnvironment(environment), output: output, errors: errors)
    try process.run()
    let worker = Worker(
      name: name, machine: machine, process: process, output: output, errors: errors)
    started.add(worker)
    return worker
  }
  /// Waits until every worker has ended, for at most `seconds`; whether they all did.
  func waitForExit(_ workers: [Worker], within seconds: TimeInterval) -> Bool {
    waitForExit(workers, within: seconds) { false }
  }

  /// Waits until every worker has ended, for at most `seconds` and until `givingUp` says to
  /// stop waiting; whether they all ended.
  func waitForExit(
    _ workers: [Worker], within seconds: TimeInterval, givingUp: () throws -> Bool
  ) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while workers.contains(where: \.process.isRunning) {
      if try Date() > deadline || givingUp() { return false }
      usleep(100_000)
    }
    for worker in workers { worker.process.waitUntilExit() }
    return true
  }

  /// Where the workers' sessions on the server stand when a link is cut or the server
  /// restarts.
  enum Moment: String, Sendable, CustomTestStringConvertible {
    /// No session of a worker is inside a transaction.
    case betweenTransactions = "between transactions"
    /// A session of a worker is inside a transaction that has an id: one that has locked a
    /// row or written (a write of epochs, from its first statement, `SELECT … FOR UPDATE` of
    /// its run, on).
    case insideATransaction = "inside a transaction"

    var testDescription: String { rawValue }
  }

  /// Whether the sessions of other processes on the test's database stand at `moment`.
  func sessions(standAt moment: Moment) throws -> Bool {
    let condition =
      moment == .betweenTransactions ? "state <> 'idle'" : "backend_xid IS NOT NULL"
    let count = try rows(
      """
      SELECT count(*) FROM pg_stat_activity
      WHERE datname = '\(database)' AND pid <> pg_backend_pid() AND \(condition)
      """)
    let none = count == [["0"]]
    return moment == .betweenTransactions ? none : !none
  }

  /// Cuts `worker`'s link at `moment`. The worker is stopped (SIGSTOP) while the sessions are
  /// looked at; when they stand at `moment` its link is cut and it goes on (SIGCONT), behind
  /// the cut link; else it goes on and is looked at again a moment later. Without namespaces
  /// it stays stopped: that is the cut. Returns the number of looks.
  func cut(_ worker: Worker, at moment: Moment, looks: Int = 300) throws -> Int {
    let pid = worker.process.processIdentifier
    for look in 1...looks {
      guard worker.process.isRunning else {
        throw BackendError("\(worker.name) ended before its link was cut")
      }
      kill(pid, SIGSTOP)
      usleep(30_000)  // what it sent arrives and is answered
      if try sessions(standAt: moment) {
        if Self.namespaces {
          try MachineCluster.shell(["bench/machines.sh", "cut", "\(worker.machine)"])
          kill(pid, SIGCONT)
        }
        return look
      }
      kill(pid, SIGCONT)
      usleep(UInt32.random(in: 5_000...40_000))
    }
    throw BackendError("\(looks) looks never found the sessions \(moment)")
  }

  /// Plugs `worker`'s cable back in (or lets it go on).
  func heal(_ worker: Worker) throws {
    if Self.namespaces {
      try MachineCluster.shell(["bench/machines.sh", "heal", "\(worker.machine)"])
    } else {
      kill(worker.process.processIdentifier, SIGCONT)
    }
  }

  /// `bash bench/postgres.sh restart` at `moment`: `workers` are stopped while the sessions
  /// are looked at, the restart begins, and they go on once the server has stopped, while it
  /// starts again. Returns the number of looks and the last epoch of each run committed
  /// before the restart.
  func restartServer(at moment: Moment, stopping workers: [pid_t], looks: Int = 300) throws -> (
    Int, [Int64: Int]
  ) {
    for look in 1...looks {
      for pid in workers { kill(pid, SIGSTOP) }
      usleep(30_000)
      if try sessions(standAt: moment) {
        var committed: [Int64: Int] = [:]
        for row in try rows("SELECT id, last_epoch FROM runs WHERE last_epoch IS NOT NULL") {
          if let run = Int64(row[0]), let epoch = Int(row[1]) { committed[run] = epoch }
        }
        let server = try cluster.serverPID()
        let resume = Process()
        resume.executableURL = URL(fileURLWithPath: "/bin/bash")
        resume.arguments =
          [
            "-c", "while kill -0 \(server) 2>/dev/null; do sleep 0.01; done; kill -CONT \"$@\"",
            "bash",
          ] + workers.map(String.init)
        try resume.run()
        try cluster.restart()
        resume.waitUntilExit()
        return (look, committed)
      }
      for pid in workers { kill(pid, SIGCONT) }
      usleep(UInt32.random(in: 5_000...40_000))
    }
    throw BackendError("\(looks) looks never found the sessions \(moment)")
  }

  /// The rows `sql` returns on `database` (the test's by default), each a list of its fields
  /// as psql prints them (`t`/`f`, NULL empty).
  func rows(_ sql: String, database: String? = nil) throws -> [[String]] {
    try Backend.psql(cluster.url(of: database ?? self.database), sql).split(separator: "\n")
      .map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
  }

  /// Queues `arguments` as a sweep in `database` (`nnlab sweep --workers 0`); its id.
  func queue(_ arguments: [String], database: String? = nil) throws -> Int64 {
    let url = cluster.url(of: database ?? self.database)
    let queued = try CommandRunner.run(
      ["sweep"] + arguments + ["--workers", "0", "--quiet", "--db", url])
    let words = queued.standardOutput.split(separator: " ")
    guard queued.status == 0, words.count > 2, words[0] == "sweep", let sweep = Int64(words[1])
    else {
      throw BackendError("the sweep was not queued: \(queued.standardError)")
    }
    return sweep
  }

  /// The arguments of a worker of `sweep` on the machines.
  func worker(_ sweep: Int64, database: String? = nil) -> [String] {
    ["worker", "--sweep", "\(sweep)", "--db", cluster.machineURL(of: database ?? self.database)]
  }

  /// The id of the one run of `sweep`.
  func onlyRun(of sweep: Int64, database: String? = nil) throws -> Int64 {
    let ids = try rows("SELECT id FROM runs WHERE sweep_id = \(sweep)", database: database)
    guard ids.count == 1, let id = Int64(ids[0][0]) else {
      throw BackendError("sweep \(sweep) has \(ids.count) runs")
    }
    return id
  }

  /// A column of a run, as psql prints it.
  func field(_ column: String, of run: Int64) throws -> String? {
    try rows("SELECT \(column) FROM runs WHERE id = \(run)").first?.first
  }

  /// The run's last committed epoch, or -1.
  func lastEpoch(of run: Int64) throws -> Int {
    try field("last_epoch", of: run).flatMap { Int($0) } ?? -1
  }

  /// Whether the run's lease has ended, on the server's clock.
  func leaseEnded(of run: Int64) throws -> Bool {
    try field(
      """
      lease_expires_at < to_char(clock_timestamp() AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      """, of: run) == "t"
  }

  /// The epochs committed in all.
  func committedEpochs() throws -> Int {
    Int(try rows("SELECT count(*) FROM epochs").first?.first ?? "") ?? 0
  }

  /// The rows of epochs, layer_epochs and weight_snapshots.
  func rowCounts() throws -> [String] {
    try rows(
      """
      SELECT (SELECT count(*) FROM epochs), (SELECT count(*) FROM layer_epochs),
        (SELECT count(*) FROM weight_snapshots)
      """
    ).first ?? []
  }

  /// The runs whose epochs are 0…`epochs`, each once.
  func wholeRuns(epochs: Int) throws -> Int {
    Int(
      try rows(
        """
        SELECT count(*) FROM (SELECT run_id FROM epochs GROUP BY run_id
          HAVING count(*) = \(epochs + 1) AND count(DISTINCT epoch) = \(epochs + 1)
            AND min(epoch) = 0 AND max(epoch) = \(epochs)) AS whole
        """
      ).first?.first ?? "") ?? -1
  }

  /// `nnlab export table --run run` of `database` as CSV lines, without the `seconds` column
  /// (an epoch's wall time).
  func export(_ table: String, of run: Int64, database: String? = nil) throws -> [String] {
    let url = cluster.url(of: database ?? self.database)
    let result = try CommandRunner.run(
      ["export", table, "--run", "\(run)", "--format", "csv", "--db", url])
    guard result.status == 0 else {
      throw BackendError("export \(table) failed: \(result.standardError)")
    }
    let lines = result.standardOutput.split(separator: "\r\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    guard let header = lines.first else { return [] }
    let kept = header.indices.filter { header[$0] != "seconds" }
    if table == "epochs" && kept.count == header.count {
      throw BackendError("the epochs export has no seconds column: \(header)")
    }
    return lines.map { fields in kept.map { fields[$0] }.joined(separator: ",") }
  }

  /// Polls `condition` every 50 ms for at most `seconds`; whether it came true.
  static func poll(for seconds: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      usleep(50_000)
    }
    return try condition()
  }

  /// The processes below `pid` (Linux: /proc/PID/task/PID/children).
  static func descendants(of pid: pid_t) -> [pid_t] {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8))
    let children = (text ?? "").split(separator: " ").compactMap { pid_t($0) }
    return children + children.flatMap { descendants(of: $0) }
  }

  /// The command line of process `pid`, its arguments joined by spaces.
  static func commandLine(of pid: pid_t) -> String {
    let data = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
    return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
  }

  /// Prints one line of figures.
  static func note(_ line: String) {
    print("machines: \(line)")
  }

  static func seconds(_ value: TimeInterval) -> String {
    String(format: "%.1f", value)
  }

  /// The seconds from `start` to `end`, as `seconds(_:)` shows them.
  static func seconds(_ end: Date, _ start: Date) -> String {
    seconds(end.timeIntervalSince(start))
  }

  /// The workers a lab started, for `close` to kill those still running.
  private final class Started: @unchecked Sendable {
    private let lock = NSLock()
    private var workers: [Worker] = []
    var all: [Worker] { lock.withLock { workers } }
    func add(_ worker: Worker) { lock.withLock { workers.append(worker) } }
  }
}
