import ArgumentParser
import Foundation
import PlainText
import Tracking

/// `nnlab db info|migrate|check|vacuum`: the database itself.
struct DB: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Look after the database: info, migrate, check, vacuum, copy.",
    subcommands: [Info.self, Migrate.self, Check.self, Vacuum.self, Copy.self]
  )

  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Show the database's path, size, SQLite version, journal mode, schema and rows per table.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
      let store = try database.open(.readOnly)
      let info = try store.info()
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
      let known = store.knownMigrations
      var rows = [
        ["database", database.shown], ["size", size],
        ["engine", info.engine + (info.journalMode.map { ", journal mode \($0)" } ?? "")],
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
      let (store, applied) = try openAndMigrate()
      print(
        applied.isEmpty
          ? "\(database.shown): schema up to date (\(store.knownMigrations.last ?? ""))"
          : "\(database.shown): applied \(applied.joined(separator: ", "))")
    }

    /// The database with the migrations it lacked applied, and their names: all of them for a
    /// database made now.
    private func openAndMigrate() throws -> (any RunStore, [String]) {
      do {
        let store = try database.open(.existingWithoutMigrating)
        return (store, try store.migrate())
      } catch TrackingError.missingDatabase {
        let store = try database.open(.readWrite)
        return (store, store.knownMigrations)
      }
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
        print("\(database.shown): ok (integrity check and foreign keys)")
        return
      }
      print("\(database.shown): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
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
      print("\(database.shown): \(Formatting.bytes(before)) → \(Formatting.bytes(after))")
    }
  }

  struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Copy runs between two databases, SQLite or PostgreSQL, bit for bit.",
      discussion: """
        Copies every sweep and run of FROM, or one sweep (--sweep) or run (--run), into TO,
        which is made when it does not exist. The copies get new ids in TO; every other value
        is copied as it is: each figure, time and weight the same bits.
          nnlab db copy runs.sqlite postgresql://me@server/team --sweep 3
          nnlab db copy postgresql://me@server/team sweep-3.sqlite --sweep 3
        """)

    @Argument(help: ArgumentHelp("The database to copy from.", valueName: "from"))
    var source: String
    @Argument(help: ArgumentHelp("The database to copy into.", valueName: "to"))
    var target: String
    @Option(help: "Copy this sweep, with its runs.")
    var sweep: Int64?
    @Option(name: .customLong("run"), help: "Copy this run alone.")
    var runID: Int64?

    func validate() throws {
      if sweep != nil && runID != nil { throw ValidationError("give --sweep or --run, not both") }
      try RunStores.checkSettings()
    }

    func run() throws {
      let from = try RunStores.open(source, access: .readOnly)
      let copies = try RunCopy.read(from: from, sweep: sweep, run: runID)
      let into = try RunStores.open(target)
      for copy in copies {
        let written = try into.write(copy)
        let runs = written.runs.map { "\($0.from) → \($0.to)" }
        let shown =
          runs.prefix(5).joined(separator: ", ")
          + (runs.count > 5 ? " … and \(PlainText.count(runs.count - 5)) more" : "")
        print(
          (written.sweep.map { "sweep \($0): " } ?? "")
            + "\(PlainText.count(runs.count)) run\(runs.count == 1 ? "" : "s") copied as \(shown)")
      }
      if copies.isEmpty { print("\(RunStores.shown(source)): nothing to copy") }
    }
  }
}
