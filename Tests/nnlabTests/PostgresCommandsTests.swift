import Foundation
import TestSupport
import Testing
import Tracking

/// The commands on PostgreSQL as a user runs them: the same sweep gives the same bits as on
/// SQLite, `db copy` moves runs bit for bit, the catalog answers alike, and no password shows.
@Suite(.serialized)
struct PostgresCommandsTests {
  let tiny = [
    "--data", "xor", "--examples", "80", "--hidden", "3", "--epochs", "12", "--gradcheck-every",
    "0", "--lambda", "0,1", "--lr", "0.3,3", "--seed", "1,2",
  ]

  /// Every row of every table, in key order, each value as its bits (a float's bit pattern),
  /// without the columns `skipping`.
  static func dump(_ location: String, skipping: Set<String> = []) throws -> [String: [String]] {
    let store = try RunStores.open(location, access: .readOnly)
    defer { try? store.close() }
    let keys = [
      "sweeps": "id", "runs": "id", "epochs": "run_id, epoch",
      "layer_epochs": "run_id, epoch, layer",
      "weight_snapshots": "run_id, epoch, layer", "gradient_checks": "run_id, epoch, layer",
      "tags": "run_id, key",
    ]
    var tables: [String: [String]] = [:]
    for (table, key) in keys {
      let result = try store.select("SELECT * FROM \(table) ORDER BY \(key)")
      tables[table] = result.rows.map { row in
        zip(result.columns, row).filter { !skipping.contains($0.0) }.sorted { $0.0 < $1.0 }
          .map { column, value in
            switch value {
            case .real(let real): "\(column)=r\(real.bitPattern)"
            case .blob(let data): "\(column)=b\(data.base64EncodedString())"
            default: "\(column)=\(value)"
            }
          }.joined(separator: " ")
      }
    }
    return tables
  }

  /// Columns of when, where and how long: the machine's, not the computation's.
  static let circumstances: Set<String> = [
    "created_at", "started_at", "finished_at", "heartbeat_at", "lease_expires_at", "host", "pid",
    "command_line", "seconds",
  ]

  @Test(arguments: Backend.postgresOnly)
  func theSameSweepGivesTheSameBitsOnBothBackends(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("runs.sqlite").path
    let local = try CommandRunner.run(["sweep"] + tiny + ["--workers", "2", "--db", file])
    #expect(local.status == 0, "\(local.standardError)")

    // On PostgreSQL the sweep is queued, then trained by two workers started by hand.
    let url = try Backend.newPostgresDatabase()
    let queued = try CommandRunner.run(["sweep"] + tiny + ["--workers", "0", "--db", url])
    #expect(queued.status == 0 && queued.standardOutput.contains("sweep 1 queued"))
    let workers = try (0..<2).map { _ in
      try CommandRunner.start(["worker", "--sweep", "1", "--db", url])
    }
    for worker in workers {
      worker.waitUntilExit()
      #expect(worker.terminationStatus == 0)
    }
    let sqlite = try Self.dump(file, skipping: Self.circumstances)
    let postgres = try Self.dump(url, skipping: Self.circumstances)
    #expect(sqlite["runs"]?.count == 8 && sqlite["weight_snapshots"]?.isEmpty == false)
    for table in sqlite.keys.sorted() {
      #expect(sqlite[table] == postgres[table], "\(table) differs")
    }
  }

  @Test(arguments: Backend.postgresOnly)
  func dbCopyRoundTripsBitForBit(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let original = folder.appendingPathComponent("original.sqlite").path
    #expect(
      try CommandRunner.run(["sweep"] + tiny + ["--workers", "2", "--db", original]).status == 0)
    #expect(try CommandRunner.run(["tag", "3", "note=kept", "--db", original]).status == 0)
    #expect(
      try CommandRunner.run(
        ["train", "--data", "xor", "--examples", "40", "--epochs", "3", "--db", original]
      ).status == 0)
    let url = try Backend.newPostgresDatabase()
    let pushed = try CommandRunner.run(["db", "copy", original, url])
    #expect(pushed.status == 0, "\(pushed.standardError)")
    #expect(pushed.standardOutput.contains("sweep 1: 8 runs copied as 1 → 1, 2 → 2"))
    let back = folder.appendingPathComponent("back.sqlite").path
    #expect(try CommandRunner.run(["db", "copy", url, back]).status == 0)
    let before = try Self.dump(original)
    #expect(before["tags"]?.count == 1 && before["runs"]?.count == 9)
    #expect(try Self.dump(url) == before)
    #expect(try Self.dump(back) == before)

    // One sweep, or one run, into a database that has others: new ids, same values.
    let one = try CommandRunner.run(["db", "copy", url, back, "--run", "9"])
    #expect(one.standardOutput == "1 run copied as 9 → 10\n", "\(one.standardOutput)")
    func series(_ location: String, run: Int64) throws -> [Epoch] {
      try RunStores.open(location, access: .readOnly).epochs(of: run).map {
        var epoch = $0
        epoch.runId = 0
        return epoch
      }
    }
    #expect(try series(back, run: 10) == series(original, run: 9))
    #expect(try series(back, run: 10).count == 4)
    let missing = try CommandRunner.run(["db", "copy", url, back, "--sweep", "7"])
    #expect(missing.status == 66 && missing.standardError == "error: there is no sweep 7\n")
  }

  @Test(arguments: Backend.postgresOnly)
  func theCatalogAnswersAlikeOnBothBackends(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("runs.sqlite").path
    #expect(try CommandRunner.run(["sweep"] + tiny + ["--workers", "2", "--db", file]).status == 0)
    let url = try Backend.newPostgresDatabase()
    #expect(try CommandRunner.run(["db", "copy", file, url]).status == 0)
    let reports = try FileManager.default.contentsOfDirectory(
      atPath: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("reports")
        .path
    ).filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
    #expect(reports.count >= 7)
    var commands = reports.map { ["report", $0, "--csv"] }
    commands += [
      ["report", "sweep", "--param", "sweep=1", "--csv"],
      ["report", "gradients", "--param", "run=3", "--csv"],
      ["runs", "--where", "lambda > 0 and lr = 3", "--sort", "validation_error", "--csv"],
      [
        "report", "--sql", "SELECT id, lambda FROM runs WHERE lambda = :l ORDER BY id", "--param",
        "l=1", "--csv",
      ],
    ]
    for command in commands {
      let sqlite = try CommandRunner.run(command + ["--db", file])
      let postgres = try CommandRunner.run(command + ["--db", url])
      #expect(sqlite.status == 0 && postgres.status == 0, "\(command): \(postgres.standardError)")
      #expect(sqlite.standardOutput.count > 10, "\(command)")
      #expect(
        Self.sameNumbers(sqlite.standardOutput, postgres.standardOutput),
        "\(command):\n\(sqlite.standardOutput)\n\(postgres.standardOutput)")
    }
  }

  /// Whether two CSV texts have the same cells, numbers equal to 10⁻¹² relative (a mean's
  /// terms may be summed in another order), all else equal.
  static func sameNumbers(_ a: String, _ b: String) -> Bool {
    let (left, right) = (a.split(separator: "\r\n"), b.split(separator: "\r\n"))
    guard left.count == right.count else { return false }
    for (x, y) in zip(left, right) {
      let (cellsX, cellsY) = (
        x.split(separator: ",", omittingEmptySubsequences: false),
        y.split(separator: ",", omittingEmptySubsequences: false)
      )
      guard cellsX.count == cellsY.count else { return false }
      for (p, q) in zip(cellsX, cellsY) where p != q {
        guard let u = Double(p), let v = Double(q), abs(u - v) <= 1e-12 * max(abs(u), abs(v))
        else { return false }
      }
    }
    return true
  }

  @Test(arguments: Backend.postgresOnly)
  func thePasswordIsNeverPrinted(_ backend: Backend) throws {
    let url = try Backend.newPostgresDatabase()
    let password = try #require(URLComponents(string: url)?.password)
    var outputs: [String] = []
    func run(_ arguments: [String], environment: [String: String] = [:]) throws
      -> CommandRunner.Result
    {
      let result = try CommandRunner.run(arguments, environment: environment)
      outputs += [result.standardOutput, result.standardError]
      return result
    }
    #expect(
      try run(["train", "--data", "xor", "--examples", "40", "--epochs", "2", "--db", url]).status
        == 0)
    let shown = try run(["show", "1", "--db", url])
    #expect(
      shown.standardOutput.contains("--db postgresql://nnlab:***@"), "\(shown.standardOutput)")
    #expect(try run(["db", "info", "--db", url]).standardOutput.contains("PostgreSQL 15"))
    #expect(try run(["db", "info", "--json", "--db", url]).status == 0)
    #expect(try run(["sweep"] + tiny + ["--workers", "0", "--db", url]).status == 0)
    let stored = try run(["report", "--sql", "SELECT command_line FROM runs", "--csv", "--db", url])
    #expect(
      stored.standardOutput.contains("--db postgresql://nnlab:***@"), "\(stored.standardOutput)")
    // From PGPASSWORD, and refused with another.
    var components = try #require(URLComponents(string: url))
    components.password = nil
    let bare = try #require(components.string)
    #expect(try run(["runs", "--db", bare], environment: ["PGPASSWORD": password]).status == 0)
    let wrong = try run(["runs", "--db", bare], environment: ["PGPASSWORD": "not-\(password)"])
    #expect(wrong.status == 74 && wrong.standardError.contains("password authentication failed"))
    #expect(wrong.standardError.split(separator: "\n").count == 1)
    for output in outputs {
      #expect(!output.contains(password), "\(output)")
    }
  }
}

/// Every command on a PostgreSQL URL: each works; each refuses another application's
/// database and a newer nnlab's, changing nothing; a server gone away is one line.
@Suite(.serialized)
struct PostgresEveryCommandTests {
  /// What psql prints of the database's rows: every table's count and the migrations.
  static func state(_ url: String) throws -> String {
    try Backend.psql(
      url,
      """
      SELECT string_agg(format('%s=%s', table_name,
        (xpath('/row/n/text()', query_to_xml(format('SELECT COUNT(*) AS n FROM %I', table_name), false, true, '')))[1]::text), ',' ORDER BY table_name)
      FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
      """)
  }

  @Test(arguments: Backend.postgresOnly)
  func everyCommandWorksOnPostgreSQL(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = try Backend.newPostgresDatabase()
    let out = folder.appendingPathComponent("out").path
    let commands: [[String]] = [
      ["db", "migrate"], ["train", "--data", "xor", "--epochs", "3", "--quiet"],
      ["sweep", "--data", "xor", "--epochs", "3", "--lambda", "0,1", "--quiet"],
      ["resume", "1", "--quiet"], ["runs"], ["show", "1"], ["compare", "1", "2"],
      ["report", "sweep"], ["report", "runs", "--csv"],
      ["report", "--sql", "SELECT COUNT(*) FROM epochs"],
      ["report", "--html", out + ".html"],
      ["export", "epochs", "--run", "1", "--output", out + ".csv"],
      ["export", "weights", "--run", "1", "--output", out + ".json"],
      ["export", "gradient-checks", "--output", out + "-checks.csv"],
      ["export", "tensorboard", "--output", out + "-logs"],
      ["evaluate", "1", "--data", "xor"], ["tag", "1", "owner=me"], ["rm", "3", "--yes"],
      ["db", "info"], ["db", "check"], ["db", "vacuum"],
    ]
    for command in commands {
      if command.first == "resume" {
        // Stopped as a killed process would leave it (its lease ended), to be resumed.
        try Backend.psql(
          url,
          "UPDATE runs SET status = 'interrupted', last_epoch = 2 WHERE id = 1; DELETE FROM epochs WHERE run_id = 1 AND epoch = 3"
        )
      }
      let result = try CommandRunner.run(command + ["--db", url])
      #expect(result.status == 0, "\(command): \(result.standardError)")
    }
    let store = try RunStores.open(url, access: .readOnly)
    #expect(try store.runs().map(\.id) == [1, 2])
    #expect(try store.run(1).lastEpoch == 3 && store.tags(of: 1) == ["owner": "me"])
    #expect(FileManager.default.fileExists(atPath: out + ".html"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: out + "-logs").filter {
        $0.hasPrefix("run-")
      }.sorted() == ["run-1", "run-2", "run-3"])
    // `train` checks the gradient once, before the first step.
    #expect(try String(contentsOfFile: out + "-checks.csv", encoding: .utf8).contains("\r\n1,0,1,"))
  }

  @Test(arguments: Backend.postgresOnly)
  func aForeignOrNewerDatabaseIsRefusedByEveryCommandUnchanged(_ backend: Backend) throws {
    let foreign = try Backend.newPostgresDatabase()
    try Backend.psql(
      foreign,
      "CREATE TABLE contacts (id int PRIMARY KEY, name text); INSERT INTO contacts VALUES (1, 'Ada')"
    )
    let newer = try Backend.newPostgresDatabase()
    #expect(
      try CommandRunner.run(["train", "--data", "xor", "--epochs", "3", "--quiet", "--db", newer])
        .status == 0)
    try Backend.psql(newer, "INSERT INTO nnlab_migrations VALUES ('9999_from_the_future')")
    for (url, problem) in [
      (foreign, "is not an nnlab database"), (newer, "was written by a newer nnlab"),
    ] {
      let before = try Self.state(url)
      for command in DamagedFileTests.commands {
        let result = try CommandRunner.run(command + ["--db", url])
        #expect(result.status != 0, "\(command)")
        #expect(result.standardError.contains(problem), "\(command): \(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(command)")
        #expect(result.standardError.hasPrefix("error: postgresql://nnlab@"), "\(command)")
      }
      #expect(try Self.state(url) == before)
    }
  }

  /// A server that stops while a command waits on it: one line naming the URL, exit 74, soon.
  @Test(arguments: Backend.postgresOnly)
  func aServerGoneAwayIsOneLine(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "bench/postgres.sh")
    /// `bash bench/postgres.sh action` for a cluster of this test's own; what it printed.
    /// (Spawned and waited for by hand: Foundation's `Process` misses the end of a script whose
    /// server lives on.)
    func cluster(_ action: String) throws -> String {
      let printed = folder.appendingPathComponent("printed").path
      let command =
        "NNLAB_PG_DIR='\(folder.path)/cluster' bash '\(script.path)' \(action) > '\(printed)'"
      var pid: pid_t = 0
      let words: [String] = ["/bin/sh", "-c", command]
      let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
      defer { for argument in arguments { free(argument) } }
      guard posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ) == 0 else {
        throw BackendError("cannot run bench/postgres.sh")
      }
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      return String(decoding: try Data(contentsOf: URL(fileURLWithPath: printed)), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    // The cluster's owner, postgres, must reach its folder.
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
    let url = try cluster("start")
    defer { _ = try? cluster("stop") }
    #expect(try CommandRunner.run(["db", "migrate", "--db", url]).status == 0)
    let started = Date()
    /// The command's result, handed from its thread (the group orders the two).
    final class Outcome: @unchecked Sendable { var result: CommandRunner.Result? }
    let outcome = Outcome()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      outcome.result = try? CommandRunner.run(
        ["report", "--sql", "SELECT pg_sleep(8)", "--db", url],
        environment: ["PGCONNECT_TIMEOUT": "2"])
    }
    usleep(1_000_000)
    _ = try cluster("stop")
    group.wait()
    let gone = try #require(outcome.result)
    #expect(gone.status == 74, "\(gone.standardError)")
    #expect(
      gone.standardError.hasPrefix("error: postgresql://nnlab@127.0.0.1:"), "\(gone.standardError)")
    #expect(gone.standardError.split(separator: "\n").count == 1)
    #expect(Date().timeIntervalSince(started) < 7, "it took \(Date().timeIntervalSince(started)) s")
  }
}
