import ArgumentParser
import Foundation
import Tracking

/// `nnlab db info|migrate|check|vacuum`: the database itself.
struct DB: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Look after the database: info, migrate, check, vacuum.",
    subcommands: [Info.self, Migrate.self, Check.self, Vacuum.self]
  )

  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Show the database's path, size, SQLite version, journal mode, schema and rows per table.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
      let info = try database.open(.readOnly).info()
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(info), as: UTF8.self))
        return
      }
      let size =
        (info.fileSize.map(Formatting.bytes) ?? "?")
        + (info.walSize.flatMap { $0 > 0 ? " (+ \(Formatting.bytes($0)) write-ahead log)" : nil }
          ?? "")
      let known = RunDatabase.knownMigrations
      var rows = [
        ["database", database.path], ["size", size],
        ["SQLite", "\(info.sqliteVersion), journal mode \(info.journalMode)"],
        [
          "schema",
          "\(info.appliedMigrations.last ?? "empty") (\(info.appliedMigrations.count) of \(known.count) migrations applied)",
        ],
      ]
      if !info.pendingMigrations.isEmpty {
        rows.append([
          "pending", info.pendingMigrations.joined(separator: ", ") + " (run 'nnlab db migrate')",
        ])
      }
      Formatting.printLines(Formatting.table(rows, rightAligned: false), indent: "")
      print()
      let tables = [["table", "rows"]] + info.tables.map { [$0.table, String($0.rows)] }
      Formatting.printLines(Formatting.table(tables, rightAligned: false), indent: "  ")
    }
  }

  struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create the database, or bring its schema up to this nnlab's.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
      let existed = FileManager.default.fileExists(atPath: database.path)
      let store = try database.open(existed ? .existingWithoutMigrating : .readWrite)
      let applied = existed ? try store.migrate() : RunDatabase.knownMigrations
      print(
        applied.isEmpty
          ? "\(database.path): schema up to date (\(RunDatabase.knownMigrations.last ?? ""))"
          : "\(database.path): applied \(applied.joined(separator: ", "))")
    }
  }

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check the database's integrity and foreign keys; exit status 1 on a problem.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
      let problems: [String]
      do {
        problems = try database.open(.readOnly).check()
      } catch TrackingError.damaged(_, let reason) {
        problems = [reason]  // so damaged that SQLite cannot even read its schema
      }
      guard !problems.isEmpty else {
        print("\(database.path): ok (integrity check and foreign keys)")
        return
      }
      print("\(database.path): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
      for problem in problems { print("  \(problem)") }
      throw ExitCode.failure
    }
  }

  struct Vacuum: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rebuild the database file without its free pages (after deleting runs).")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
      let store = try database.open(.existingWithoutMigrating)
      let before = try store.info().fileSize ?? 0
      try store.vacuum()
      let after = try store.info().fileSize ?? 0
      print("\(database.path): \(Formatting.bytes(before)) → \(Formatting.bytes(after))")
    }
  }
}
