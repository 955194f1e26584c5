import Foundation
import GRDB
import TestSupport
import Testing
import Tracking

/// Files nnlab cannot use or must not touch, given to every command that opens a database: a
/// non-zero exit, one line naming the file, and its folder byte for byte as it was (no `-wal`
/// or `-shm` left behind either).
struct DamagedFileTests {
  enum Damage: String, CaseIterable, Sendable {
    case truncated, garbageInTheSchema, anotherApplication, aNewerNNLab, notSQLite
  }

  /// Every command that opens a database, each with what it needs besides `--db`.
  static let commands: [[String]] = [
    ["train", "--data", "xor", "--epochs", "3", "--quiet"],
    ["sweep", "--data", "xor", "--epochs", "3", "--lambda", "0,1", "--quiet"],
    ["resume", "1"], ["runs"], ["show", "1"], ["compare", "1", "1"], ["report", "sweep"],
    ["report", "runs", "--csv"], ["export", "epochs", "--run", "1"],
    ["export", "gradient-checks", "--run", "1"], ["export", "weights", "--run", "1"],
    ["evaluate", "1", "--data", "xor"], ["tag", "1", "owner=me"], ["rm", "1", "--yes"],
    ["db", "info"], ["db", "check"], ["db", "migrate"], ["db", "vacuum"], ["serve", "--port", "0"],
  ]

  /// A folder holding one database damaged as `damage` says, as `name`. The caller removes the
  /// folder.
  static func damagedFile(_ damage: Damage, name: String) throws -> URL {
    let directory = try makeTemporaryDirectory()
    let db = directory.appendingPathComponent(name)
    switch damage {
    case .notSQLite:
      try Data("id,value\n1,2\n".utf8).write(to: db)
      return db
    case .anotherApplication:
      let queue = try DatabaseQueue(path: db.path)
      try queue.write { db in
        try db.execute(sql: "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
        try db.execute(sql: "INSERT INTO contacts (name) VALUES ('Ada')")
      }
      try queue.close()
      return db
    case .truncated, .garbageInTheSchema, .aNewerNNLab:
      let made = try CommandRunner.run([
        "train", "--data", "xor", "--epochs", "30", "--snapshot-every", "5", "--db", db.path,
        "--quiet",
      ])
      #expect(made.status == 0, "\(made.standardError)")
    }
    var bytes = try Data(contentsOf: db)
    switch damage {
    case .truncated:
      bytes = bytes.prefix(bytes.count / 2 + 100)
    case .garbageInTheSchema:
      // Page 1 after its 100-byte header holds the schema: every command reads it.
      var state: UInt64 = 7
      for index in 100..<4096 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 56)
      }
    default:
      let queue = try DatabaseQueue(path: db.path)
      try queue.write { db in
        try db.execute(
          sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
      }
      try queue.close()
      bytes = try Data(contentsOf: db)
    }
    try bytes.write(to: db)
    return db
  }

  /// Every file of `directory` and its bytes.
  static func contents(of directory: URL) throws -> [String: Data] {
    var contents: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
      contents[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    return contents
  }

  @Test(arguments: Damage.allCases)
  func everyCommandRefusesTheFileAndLeavesItAlone(damage: Damage) throws {
    let db = try Self.damagedFile(damage, name: "\(damage).sqlite")
    let directory = db.deletingLastPathComponent()
    defer { try? FileManager.default.removeItem(at: directory) }
    let before = try Self.contents(of: directory)
    for command in Self.commands {
      let result = try CommandRunner.run(command + ["--db", db.path])
      // `db check` of a file SQLite can open prints what it found, as for any file it checks.
      let found = command == ["db", "check"] && result.standardError.isEmpty
      let lines = (found ? result.standardOutput : result.standardError).split(separator: "\n")
      #expect(result.status != 0, "\(damage), \(command): exit 0")
      #expect(
        found
          ? lines.first?.hasPrefix("\(db.path): ") == true && lines.count > 1
          : lines.count == 1 && lines[0].hasPrefix("error: \(db.path)"),
        "\(damage), \(command): \(result.standardError)")
      #expect(
        try Self.contents(of: directory) == before, "\(damage), \(command) changed the folder")
    }
    Faults.report("\(damage): \(Self.commands.count) commands refused it, the file unchanged")
  }
}
