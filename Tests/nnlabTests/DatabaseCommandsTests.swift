import Foundation
import TestSupport
import Testing
import Tracking

/// `nnlab db …` as a user runs it.
@Suite(.serialized)
struct DatabaseCommandsTests {
  @Test func migrateCreatesThenFindsTheSchemaCurrent() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let first = try CommandRunner.run(["db", "migrate"], in: directory)
    #expect(first.status == 0, "\(first.standardError)")
    let migrations = RunDatabase.knownMigrations
    #expect(first.standardOutput == "nnlab.sqlite: applied \(migrations.joined(separator: ", "))\n")
    #expect(
      FileManager.default.fileExists(atPath: directory.appendingPathComponent("nnlab.sqlite").path))
    let second = try CommandRunner.run(["db", "migrate"], in: directory)
    #expect(second.standardOutput == "nnlab.sqlite: schema up to date (\(migrations.last ?? ""))\n")
  }

  @Test func infoCheckAndVacuum() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("runs.sqlite").path
    #expect(try CommandRunner.run(["db", "migrate", "--db", path]).status == 0)

    let info = try CommandRunner.run(["db", "info", "--db", path])
    #expect(info.status == 0)
    let migrations = RunDatabase.knownMigrations
    #expect(
      info.standardOutput.contains(
        "schema    \(migrations.last ?? "") (\(migrations.count) of \(migrations.count) migrations applied)"
      ))
    #expect(info.standardOutput.contains("journal mode wal"))
    #expect(
      info.standardOutput.range(of: #"(?m)^\s+weight_snapshots\s+0$"#, options: .regularExpression)
        != nil)

    let json = try CommandRunner.run(["db", "info", "--db", path, "--json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
    #expect(object["appliedMigrations"] as? [String] == migrations)
    #expect((object["tables"] as? [[String: Any]])?.count == 7)

    let check = try CommandRunner.run(["db", "check", "--db", path])
    #expect(check.status == 0 && check.standardOutput.contains("ok"))
    let vacuum = try CommandRunner.run(["db", "vacuum", "--db", path])
    #expect(vacuum.status == 0 && vacuum.standardOutput.contains("→"))
  }

  @Test func theDatabaseComesFromTheEnvironmentUnlessGiven() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let fromEnvironment = directory.appendingPathComponent("env.sqlite").path
    let result = try CommandRunner.run(
      ["db", "migrate"], in: directory, environment: ["NNLAB_DB": fromEnvironment])
    #expect(result.status == 0)
    #expect(FileManager.default.fileExists(atPath: fromEnvironment))
    #expect(
      !FileManager.default.fileExists(atPath: directory.appendingPathComponent("nnlab.sqlite").path)
    )
  }

  @Test func refusesWhatIsNotItsDatabase() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let missing = try CommandRunner.run(["db", "info"], in: directory)
    #expect(missing.status == 66)
    #expect(
      missing.standardError
        == "error: nnlab.sqlite: no such database (run 'nnlab db migrate --db nnlab.sqlite' to create one)\n"
    )
    #expect(
      !FileManager.default.fileExists(atPath: directory.appendingPathComponent("nnlab.sqlite").path)
    )

    let csv = directory.appendingPathComponent("data.csv")
    let content = Data("a,b\n1,2\n".utf8)
    try content.write(to: csv)
    for command in [["db", "info"], ["db", "migrate"], ["db", "check"], ["db", "vacuum"]] {
      let result = try CommandRunner.run(command + ["--db", csv.path])
      #expect(result.status == 65)
      #expect(result.standardError == "error: \(csv.path) is not an nnlab database\n")
      #expect(try Data(contentsOf: csv) == content)
    }
  }

  @Test func strangePathsAreOneLineErrors() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let asDirectory = try CommandRunner.run(["db", "info", "--db", directory.path])
    #expect(asDirectory.status == 74)
    #expect(
      asDirectory.standardError == "error: \(directory.path): is a directory, not a database file\n"
    )
    let empty = try CommandRunner.run(["db", "info", "--db", ""])
    #expect(empty.status == 64)
    #expect(empty.standardError.split(separator: "\n").count == 1)

    let truncated = directory.appendingPathComponent("truncated.sqlite")
    #expect(try CommandRunner.run(["db", "migrate", "--db", truncated.path]).status == 0)
    let whole = try Data(contentsOf: truncated)
    try whole.prefix(whole.count / 2 + 100).write(to: truncated)
    let result = try CommandRunner.run(["db", "check", "--db", truncated.path])
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("problem"))
    let info = try CommandRunner.run(["db", "info", "--db", truncated.path])
    #expect(info.status == 65)
    #expect(info.standardError.hasPrefix("error: \(truncated.path) is damaged"))
    #expect(info.standardError.split(separator: "\n").count == 1)
  }
}
