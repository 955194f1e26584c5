import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracking

/// The schema: applied from empty, once; compiled in from `migrations/`; and the files nnlab
/// must refuse are refused and left as they were.
struct MigrationTests {
  @Test func migratesAnEmptyDatabase() throws {
    let database = try RunDatabase.inMemory()
    let info = try database.info()
    #expect(info.appliedMigrations == RunDatabase.knownMigrations)
    #expect(info.pendingMigrations.isEmpty)
    #expect(info.tables.map(\.table) == RunDatabase.tables)
    #expect(info.tables.allSatisfy { $0.rows == 0 })
    let columns = try database.writer.read { db in
      try db.columns(in: "weight_snapshots").map(\.name)
    }
    #expect(columns == ["run_id", "epoch", "layer", "rows", "cols", "data"])
    #expect(try database.writer.read(Self.summaryIndexes) == [])
  }

  /// The columns of `runs` that every epoch's write updates: the summary and the heartbeat.
  static let summaryColumns: Set<String> = [
    "last_epoch", "final_cost", "final_train_error", "final_validation_error",
    "final_train_accuracy", "final_validation_accuracy", "best_epoch", "best_validation_error",
    "best_train_error", "heartbeat_at",
  ]

  /// The indexes of `runs` on a column of its summary, each of which every epoch's write would
  /// rewrite (0001 made two; 0005 drops them).
  static func summaryIndexes(_ db: Database) throws -> [String] {
    let indexes = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list('runs')")
    #expect(indexes.contains("runs_by_status"))  // the others stay
    return try indexes.filter { index in
      let columns = try String.fetchAll(
        db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [index])
      return !Set(columns).isDisjoint(with: summaryColumns)
    }
  }

  @Test func reopeningIsANoOp() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("runs.sqlite").path
    let first = try RunDatabase.open(path: path)
    let run = try first.createRun(RunSpec.example())
    try first.close()
    let second = try RunDatabase.open(path: path)
    #expect(try second.info().appliedMigrations == RunDatabase.knownMigrations)
    #expect(try second.run(run.id) == run)
  }

  @Test func embeddedSQLIsTheMigrationsFolder() throws {
    let folder = TrackingSupport.packageRoot.appendingPathComponent("migrations")
    guard FileManager.default.fileExists(atPath: folder.path) else {
      Issue.record("migrations/ not found beside the tests at \(folder.path)")
      return
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasSuffix(".sql")
    }.sorted()
    #expect(EmbeddedSQL.files.map(\.name) == files.map { String($0.dropLast(4)) })
    for (embedded, file) in zip(EmbeddedSQL.files, files) {
      #expect(
        embedded.sql
          == (try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)))
    }
    // Names sort as they apply: NNNN_name.
    #expect(
      files.allSatisfy {
        $0.range(of: #"^\d{4}_[a-z0-9_]+\.sql$"#, options: .regularExpression) != nil
      })
  }

  /// Each released schema's fixture (written by that release's `tracking-probe fixture`)
  /// opens, upgrades to the current schema and keeps its data.
  @Test(arguments: [
    "schema-0001.sqlite", "schema-0003.sqlite", "schema-0004.sqlite", "schema-0005.sqlite",
    "schema-0006.sqlite",
  ])
  func releasedSchemasUpgrade(fixture: String) throws {
    let source = TrackingSupport.packageRoot.appendingPathComponent(
      "Tests/TrackingTests/Fixtures/\(fixture)")
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let copy = folder.appendingPathComponent(fixture)
    try FileManager.default.copyItem(at: source, to: copy)
    let database = try RunDatabase.open(path: copy.path, access: .existingWithoutMigrating)
    try database.migrate()
    #expect(try database.info().appliedMigrations == RunDatabase.knownMigrations)
    #expect(try database.writer.read(Self.summaryIndexes) == [])
    let runs = try database.runs()
    #expect(runs.map(\.status) == [.finished, .queued])
    #expect(runs[0].lastEpoch == 2 && runs[0].bestEpoch == 2)
    // 0004 fills in the lowest train error of the runs recorded before it.
    let trainErrors = try database.epochs(of: runs[0].id).map(\.trainError)
    #expect(runs[0].bestTrainError != nil && runs[0].bestTrainError == trainErrors.min())
    #expect(try database.epochs(of: runs[0].id).count == 3)
    #expect(try database.snapshotEpochs(of: runs[0].id) == [0, 2])
    #expect(try database.snapshot(of: runs[0].id, atOrBefore: 1).first?.values().first == -0.5)
    // 0006's view reads the runs recorded before it as `Run` does.
    let summary = try database.select(
      "SELECT measured_on, final_error, best_error FROM run_summary ORDER BY run_id")
    #expect(
      summary.rows
        == runs.map {
          [
            $0.measuredOn.map { .text($0.rawValue) } ?? .null,
            $0.finalError.map(SQLValue.real) ?? .null,
            $0.bestError.map(SQLValue.real) ?? .null,
          ]
        })
    #expect(runs[0].measuredOn == .validation && runs[1].measuredOn == nil)
    #expect(try database.check().isEmpty)
  }

  @Test func aNewerDatabaseIsRefusedUntouched() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("runs.sqlite")
    let database = try RunDatabase.open(path: url.path)
    try database.writer.write { db in
      try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('0007_x')")
    }
    try database.close()
    let before = try Data(contentsOf: url)
    #expect(throws: TrackingError.newerDatabase(path: url.path, unknownMigrations: ["0007_x"])) {
      try RunDatabase.open(path: url.path)
    }
    #expect(try Data(contentsOf: url) == before)
    #expect(
      TrackingError.newerDatabase(path: "runs.sqlite", unknownMigrations: ["0007_x"]).description
        == "runs.sqlite was written by a newer nnlab (unknown migration 0007_x); upgrade nnlab")
  }

  @Test(arguments: [
    Data("name,value\n1,2\n".utf8),
    Data(repeating: 0xAB, count: 8192),
    Data("SQLite format 3".utf8),  // 15 bytes: not even a whole header
  ])
  func otherFilesAreRefusedUntouched(content: Data) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("data.csv")
    try content.write(to: url)
    #expect(throws: TrackingError.notAnNNLabDatabase(path: url.path)) {
      try RunDatabase.open(path: url.path)
    }
    #expect(try Data(contentsOf: url) == content)
    #expect(!FileManager.default.fileExists(atPath: url.path + "-wal"))
  }

  @Test func lookingDoesNotChangeTheFile() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("runs.sqlite")
    let writer = try RunDatabase.open(path: url.path)
    try writer.recordEpoch(
      TrackingSupport.epoch(0, snapshot: true), of: try writer.createRun(RunSpec.example()).id)
    try writer.close()
    let before = try Data(contentsOf: url)
    let reader = try RunDatabase.open(path: url.path, access: .readOnly)
    #expect(try reader.info().tables.first { $0.table == "weight_snapshots" }?.rows == 2)
    #expect(try reader.check().isEmpty)
    try reader.close()
    #expect(try Data(contentsOf: url) == before)
  }

  @Test(arguments: [
    "CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO players (name) VALUES ('x')",
    "CREATE VIEW answer AS SELECT 42",
    "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY); INSERT INTO grdb_migrations VALUES ('v1')",
  ])
  func anotherApplicationsDatabaseIsRefusedUntouched(schema: String) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("other.sqlite")
    let other = try DatabaseQueue(path: url.path)
    try other.write { db in try db.execute(sql: schema) }
    try other.close()
    let before = try Data(contentsOf: url)
    #expect(throws: TrackingError.notAnNNLabDatabase(path: url.path)) {
      try RunDatabase.open(path: url.path)
    }
    #expect(try Data(contentsOf: url) == before)
  }

  @Test func aMissingDatabaseIsCreatedOnlyWhenAsked() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("absent.sqlite")
    #expect(throws: TrackingError.missingDatabase(path: url.path)) {
      try RunDatabase.open(path: url.path, access: .readOnly)
    }
    #expect(throws: TrackingError.missingDatabase(path: url.path)) {
      try RunDatabase.open(path: url.path, access: .existingWithoutMigrating)
    }
    #expect(!FileManager.default.fileExists(atPath: url.path))
    _ = try RunDatabase.open(path: url.path)
    #expect(FileManager.default.fileExists(atPath: url.path))
  }

  @Test func opensInWriteAheadLogModeWithForeignKeys() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("runs.sqlite")
    let database = try RunDatabase.open(path: url.path)
    #expect(try database.info().journalMode == "wal")
    let (foreignKeys, synchronous) = try database.writer.write { db in
      (
        try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
        try Int.fetchOne(db, sql: "PRAGMA synchronous")
      )
    }
    #expect(foreignKeys == 1)
    #expect(synchronous == 1)  // NORMAL
  }
}
