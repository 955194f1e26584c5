import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracking

/// What PostgreSQL adds: URLs and passwords, the server's faults, user SQL kept to reading, and
/// leases. (The storage tests that run on SQLite run on PostgreSQL too: `Backend.tested`.)
struct PostgresLocationTests {
  @Test func aURLIsReadWithItsPasswordNeverShown() throws {
    let location = try PostgresLocation(
      url: "postgres://ann:s%3Acret@db.example:6543/team?sslmode=require", environment: [:])
    #expect(location.user == "ann" && location.password == "s:cret")
    #expect(location.host == "db.example" && location.port == 6543 && location.database == "team")
    #expect(location.tls == .require)
    #expect(location.description == "postgresql://ann@db.example:6543/team?sslmode=require")
    #expect(
      PostgresLocation.redacting("nnlab train --db postgresql://ann:s3cret@h/team --epochs 3")
        == "nnlab train --db postgresql://ann:***@h/team --epochs 3")
    // A URL too garbled to parse shows nothing before its host.
    #expect(
      PostgresLocation.redacting("postgresql://x?s3cret@h/team and postgres://a:b:c@d@h/t")
        == "postgresql://***@h/team and postgres://a:***@h/t")
    let defaults = try PostgresLocation(url: "postgresql://ann@h/team", environment: [:])
    #expect(defaults.port == 5432 && defaults.tls == .prefer && defaults.password == nil)
  }

  @Test func aPasswordComesFromPGPASSWORDOrThePasswordFile() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("pgpass")
    try """
    # comment
    other:5432:*:ann:wrong
    h:5432:team:ann:from\\:file
    *:*:*:*:fallback
    """.write(to: file, atomically: true, encoding: .utf8)
    let url = "postgresql://ann@h/team"
    #expect(try PostgresLocation(url: url, environment: ["PGPASSWORD": "env"]).password == "env")
    #expect(
      try PostgresLocation(url: url, environment: ["PGPASSFILE": file.path]).password
        == "from:file")
    #expect(
      try PostgresLocation(url: "postgresql://bob@x:1/y", environment: ["PGPASSFILE": file.path])
        .password == "fallback")
    // The URL's own password comes first.
    #expect(
      try PostgresLocation(url: "postgresql://ann:url@h/team", environment: ["PGPASSWORD": "env"])
        .password == "url")
  }

  @Test(arguments: [
    ("postgresql://h/team", "it names no user"),
    ("postgresql://ann:pw@/team", "it names no host"),
    ("postgresql://ann:pw@h", "it names no database"),
    (
      "postgresql://ann:pw@h/team?sslmode=verify-full", "sslmode must be disable, prefer or require"
    ),
    ("postgresql://ann:pw@h/team?application_name=x", "unknown parameter 'application_name'"),
    ("postgresql://ann:pw@h:99999/team", "the port must be from 1 to 65535"),
  ])
  func aBadURLIsOneLineWithoutItsPassword(url: String, problem: String) {
    let error = #expect(throws: TrackingError.self) {
      try PostgresLocation(url: url, environment: [:])
    }
    let message = error?.description ?? ""
    #expect(message.contains(problem), "\(message)")
    #expect(!message.contains("pw@") && !message.contains("\n"), "\(message)")
  }
}

@Suite(.serialized)
struct PostgresServerTests {
  /// The test server's URL with `change` made to it.
  static func url(_ change: (inout URLComponents) -> Void) throws -> String {
    var components = try #require(URLComponents(string: try Backend.newPostgresDatabase()))
    change(&components)
    return try #require(components.string)
  }

  @Test(arguments: Backend.postgresOnly)
  func whatTheServerRefusesIsOneLineNamingTheURLWithoutItsPassword(_ backend: Backend) throws {
    let cases: [(String, String)] = [
      (try Self.url { $0.password = "wrong-secret" }, "password authentication failed"),
      (try Self.url { $0.path = "/no_such_database" }, "does not exist"),
      (try Self.url { $0.port = 1 }, "connection refused"),
    ]
    for (url, reason) in cases {
      let started = Date()
      let error = #expect(throws: TrackingError.self) { try RunStores.open(url) }
      let message = error?.description ?? ""
      #expect(message.contains(reason), "\(message)")
      #expect(
        message.hasPrefix(
          PostgresLocation.redacting(url).replacingOccurrences(of: ":***", with: "")), "\(message)")
      #expect(!message.contains("wrong-secret") && !message.contains("\n"), "\(message)")
      #expect(Date().timeIntervalSince(started) < 12, "\(url) took too long to fail")
    }
  }

  /// Every form of writing the SQLite suite tries, and PostgreSQL's own ways of acting on the
  /// server, are refused; nothing changes.
  @Test(arguments: Backend.postgresOnly)
  func userSQLOnlyReads(_ backend: Backend) throws {
    let store = try backend.newStore()
    let sweep = try store.createSweep(name: "kept", spec: "{}")
    _ = try store.queueRuns([RunSpec.example(), RunSpec.example()], in: sweep.id)
    let run = try #require(try store.claimQueuedRun(in: sweep.id))
    try store.recordEpoch(TrackingSupport.epoch(0, snapshot: true), of: run.id)
    func state() throws -> QueryResult {
      try store.select(
        """
        SELECT (SELECT COUNT(*) FROM runs) AS runs, (SELECT COUNT(*) FROM epochs) AS epochs,
          (SELECT string_agg(status, ',' ORDER BY id) FROM runs) AS statuses,
          (SELECT COUNT(*) FROM pg_largeobject_metadata) AS large_objects,
          (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public') AS tables
        """)
    }
    let before = try state()
    let writes = [
      "DELETE FROM runs", "DROP TABLE runs", "UPDATE runs SET lambda = 1",
      "INSERT INTO tags VALUES (1, 'a', 'b')", "SELECT 1; DELETE FROM runs", "SELECT 1; SELECT 2",
      "WITH x AS (DELETE FROM runs RETURNING id) SELECT * FROM x",
      "CREATE TABLE t (x int)", "ALTER TABLE runs ADD c int", "BEGIN", "VACUUM", "ANALYZE",
      "COPY runs TO PROGRAM 'touch /tmp/nnlab-copied'", "SET TRANSACTION READ WRITE",
      "SELECT set_config('transaction_read_only', 'off', true)",
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
      "SELECT \"pg_terminate_backend\"(pg_backend_pid())",
      "SELECT lo_import('/etc/hostname')", "SELECT nextval('runs_id_seq')",
      "SELECT pg_advisory_lock(1)", "SELECT * FROM runs FOR UPDATE",
    ]
    for sql in writes {
      let error = #expect(throws: TrackingError.self, "\(sql)") { try store.select(sql) }
      guard case .refusedQuery = error else {
        Issue.record("\(sql): \(String(describing: error))")
        continue
      }
    }
    #expect(try state() == before)
    #expect(!FileManager.default.fileExists(atPath: "/tmp/nnlab-copied"))
    // Reading still works, with parameters bound and typed by where they stand.
    let read = try store.select(
      "SELECT COUNT(*) AS n FROM runs WHERE :sweep = 'all' OR CAST(sweep_id AS TEXT) = :sweep",
      parameters: ["sweep": .integer(sweep.id)])
    #expect(read == QueryResult(columns: ["n"], rows: [[.integer(2)]]))
  }

  @Test(arguments: Backend.postgresOnly)
  func aQueryPastItsTimeLimitStops(_ backend: Backend) throws {
    var store = try backend.newStore()
    store.queryLimits = QueryLimits(seconds: 0.2)
    let started = Date()
    #expect(throws: TrackingError.queryTimedOut(path: store.path ?? "", seconds: 0.2)) {
      try store.select("SELECT pg_sleep(5)")
    }
    #expect(Date().timeIntervalSince(started) < 3)
  }
}

/// Leases, on both backends: a run whose holder stopped writing is reclaimed by the next
/// worker that asks, and its former holder can write nothing more.
struct LeaseTests {
  /// Ends the lease of `run` in the database at `location` now, as time passing would.
  static func expireLease(of run: Int64, at location: String, _ store: any RunStore) throws {
    let past = "2000-01-01T00:00:00.000Z"
    if let database = store as? RunDatabase {
      try database.write { db in
        try db.execute(
          sql: "UPDATE runs SET lease_expires_at = ? WHERE id = ?", arguments: [past, run])
      }
    } else {
      try Backend.psql(location, "UPDATE runs SET lease_expires_at = '\(past)' WHERE id = \(run)")
    }
  }

  @Test(arguments: Backend.tested)
  func aRunPastItsLeaseIsReclaimedAndItsFormerHolderRefused(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let location = try backend.newDatabase(in: folder)
    let first = try RunStores.open(location, as: ProcessIdentity(host: "machine-a", pid: 11))
    let second = try RunStores.open(location, as: ProcessIdentity(host: "machine-b", pid: 22))
    let sweep = try first.createSweep(name: nil, spec: "{}")
    let queued = try first.queueRuns([RunSpec.example(), RunSpec.example()], in: sweep.id)
    let held = try #require(try first.claimQueuedRun(in: sweep.id))
    #expect(held.id == queued[0].id && held.attempts == 1 && held.leaseExpiresAt != nil)
    try first.recordEpoch(TrackingSupport.epoch(0, snapshot: true), of: held.id)
    let renewed = try first.run(held.id).leaseExpiresAt
    #expect(renewed != nil && renewed! >= held.leaseExpiresAt!)

    // While the lease holds, the other worker gets the next queued run.
    #expect(try second.claimQueuedRun(in: sweep.id)?.id == queued[1].id)
    #expect(try second.claimQueuedRun(in: sweep.id) == nil)
    #expect(try !first.run(held.id).isStale(on: "machine-b"))

    try Self.expireLease(of: held.id, at: location, first)
    #expect(try first.run(held.id).isStale(on: "machine-b"))
    let reclaimed = try #require(try second.claimQueuedRun(in: sweep.id))
    #expect(reclaimed.id == held.id && reclaimed.attempts == 2 && reclaimed.host == "machine-b")
    #expect(try second.resumeRun(held.id, fromEpoch: 0).attempts == 2)
    try second.recordEpoch(TrackingSupport.epoch(1), of: held.id)
    let refused = TrackingError.runHeldElsewhere(held.id, host: "machine-b", pid: 22)
    #expect(throws: refused) { try first.recordEpoch(TrackingSupport.epoch(1), of: held.id) }
    #expect(throws: refused) { try first.finishRun(held.id, outcome: .finished) }
    try second.finishRun(held.id, outcome: .finished)
    #expect(try second.epochs(of: held.id).map(\.epoch) == [0, 1])
    #expect(try second.run(held.id).leaseExpiresAt == nil)
  }
}
