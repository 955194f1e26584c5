import CSV
import Foundation
import TestSupport
import Testing
import Tracking

/// `runs`, `report`, `show`, `compare`, `tag`, `rm` and `export` as a user runs them, on a small
/// sweep made by `nnlab sweep`.
@Suite struct ReportCommandsTests {
  /// A database with a 2 × 2 λ × α sweep of spirals (runs 1–4), made once.
  static let made = Result { () throws -> String in
    let folder = try makeTemporaryDirectoryRemovedAtExit()
    let db = folder.appendingPathComponent("r.sqlite").path
    let sweep = try CommandRunner.run([
      "sweep", "--data", "spirals", "--examples", "120", "--hidden", "8", "--epochs", "30",
      "--lambda", "0,1", "--lr", "1,3", "--gradcheck-every", "0", "--workers", "2", "--db", db,
    ])
    guard sweep.status == 0 else { throw CocoaError(.featureUnsupported) }
    return db
  }

  /// A copy of the sweep's database for a test that changes it, in a new folder the test
  /// removes.
  func copy() throws -> String {
    let folder = try makeTemporaryDirectory()
    let copy = folder.appendingPathComponent("c.sqlite").path
    try FileManager.default.copyItem(atPath: try Self.made.get(), toPath: copy)
    return copy
  }

  func run(_ arguments: [String], db: String) throws -> CommandRunner.Result {
    try CommandRunner.run(arguments + ["--db", db])
  }

  @Test func reportListsTheCatalogAndRunsAReport() throws {
    let db = try Self.made.get()
    let list = try run(["report"], db: db)
    for name in [
      "sweep", "runs", "validation-curve", "learning-curve", "learning-curves", "gradients",
      "diverged",
    ] {
      #expect(list.standardOutput.contains("\(name): "), "\(name)")
    }
    #expect(list.standardOutput.contains("--param sweep=…  (default latest)"))
    let grid = try run(["report", "sweep"], db: db)
    #expect(grid.status == 0 && grid.standardOutput.contains("λ \\ α"))
    let curve = try run(["report", "validation-curve"], db: db)
    #expect(curve.standardOutput.contains("best λ = "))
    let unknown = try run(["report", "sweeps"], db: db)
    #expect(unknown.status == 64 && unknown.standardError.contains("there is no report 'sweeps'"))
    let parameter = try run(["report", "sweep", "--param", "run=1"], db: db)
    #expect(parameter.status == 64 && parameter.standardError.contains("has no parameter 'run'"))
    // A value of the wrong kind, or an id of nothing, is an error rather than an empty report.
    let word = try run(["report", "sweep", "--param", "sweep=first"], db: db)
    #expect(word.standardError == "error: --param sweep: 'first' is not a number or latest\n")
    #expect(word.status == 64)
    let hex = try run(["report", "gradients", "--param", "every=0x10"], db: db)
    #expect(hex.status == 64 && hex.standardError.contains("'0x10' is not a number"))
    let missing = try run(["report", "sweep", "--param", "sweep=9"], db: db)
    #expect(missing.status == 66 && missing.standardError == "error: there is no sweep 9\n")
    #expect(try run(["report", "gradients", "--param", "run=99"], db: db).status == 66)
    #expect(try run(["runs", "--sweep", "9"], db: db).status == 66)
  }

  /// The catalog needs the current schema: an older database is refused, untouched, until
  /// `db migrate` upgrades it.
  @Test func anOlderDatabaseIsToldToMigrate() throws {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent(
        "TrackingTests/Fixtures/schema-0003.sqlite")
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("old.sqlite").path
    try FileManager.default.copyItem(atPath: fixture.path, toPath: db)
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let refused = try run(["runs"], db: db)
    #expect(refused.status == 65)
    #expect(
      refused.standardError
        == "error: \(db) was written by an older nnlab (migrations 0004_best_train_error,"
        + " 0005_no_summary_indexes, 0006_run_summary, 0007_leases, 0008_claim_index not applied);"
        + " upgrade it with"
        + " 'nnlab db migrate --db \(db)'\n")
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    #expect(try run(["db", "migrate"], db: db).status == 0)
    #expect(try run(["runs", "--csv"], db: db).standardOutput.contains(",finished,"))
  }

  /// Without a validation split the grid shows train errors, and says so.
  @Test func aSweepWithoutValidationShowsTrainErrors() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("t.sqlite").path
    let sweep = try run(
      [
        "sweep", "--data", "xor", "--examples", "60", "--hidden", "3", "--epochs", "5",
        "--lambda", "0,1", "--validation", "0", "--gradcheck-every", "0", "--workers", "1",
      ], db: db)
    #expect(sweep.status == 0, "\(sweep.standardError)")
    #expect(sweep.standardOutput.contains("final / best train error (no validation split)"))
    let runs = try RunDatabase.open(path: db, access: .readOnly).runs()
    let csv = try run(["report", "sweep", "--csv"], db: db).standardOutput
      .split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let finalError = try #require(csv.first?.firstIndex(of: "final_error"))
    #expect(csv.dropFirst().map { Double($0[finalError]) } == runs.map(\.finalTrainError))
  }

  @Test func reportJSONAndCSVCarryTheDatabasesValues() throws {
    let db = try Self.made.get()
    let runs = try RunDatabase.open(path: db, access: .readOnly).runs()
    // JSONDecoder reads numbers exactly (Foundation's JSONSerialization, on Linux, does not).
    struct Row: Decodable {
      let id: Int64
      let validationError: Double?
    }
    let json = try run(["report", "runs", "--json"], db: db)
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let rows = try decoder.decode([Row].self, from: Data(json.standardOutput.utf8))
    #expect(rows.map(\.id) == runs.map(\.id))
    #expect(
      rows.map { $0.validationError?.bitPattern }
        == runs.map { $0.finalValidationError?.bitPattern })
    let csv = try run(["report", "sweep", "--csv"], db: db)
    #expect(csv.standardOutput.hasPrefix("layers,activation,batch_size,train_examples,lambda,lr,"))
    #expect(csv.standardOutput.contains("\r\n"))
  }

  @Test func userSQLThatWritesIsRefusedAndChangesNothing() throws {
    let db = try Self.made.get()
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    for sql in ["DELETE FROM runs", "SELECT 1; DROP TABLE runs", "PRAGMA writable_schema = 1"] {
      let refused = try run(["report", "--sql", sql], db: db)
      #expect(refused.status == 65 && refused.standardError.hasPrefix("error: refused: "), "\(sql)")
    }
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("mine.sql")
    try "-- Mine.\n-- param: lambda = 1\nSELECT id FROM runs WHERE lambda = :lambda ORDER BY id\n"
      .write(to: file, atomically: true, encoding: .utf8)
    let mine = try run(["report", "--file", file.path, "--param", "lambda=0", "--csv"], db: db)
    #expect(mine.standardOutput == "id\r\n1\r\n2\r\n")
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
  }

  @Test func runsFiltersSortsAndRefusesUnknownFields() throws {
    let db = try Self.made.get()
    let store = try RunDatabase.open(path: db, access: .readOnly)
    let best = try store.runs().filter { $0.spec.lambda == 1 }
      .sorted { $0.finalValidationError! < $1.finalValidationError! }
    let listed = try run(
      [
        "runs", "--where", "lambda >= 0.5 and status = finished", "--sort", "validation_error",
        "--limit", "1",
      ],
      db: db)
    let lines = listed.standardOutput.split(separator: "\n")
    #expect(lines.count == 3 && lines[0].hasPrefix("id  sweep  status"))
    #expect(lines[1].split(separator: " ").first.map(String.init) == String(best[0].id))
    let unknown = try run(["runs", "--where", "lamda > 1"], db: db)
    #expect(unknown.status == 64)
    #expect(unknown.standardError.contains("unknown field 'lamda' (known: id, sweep, name, status"))
    let injected = try run(["runs", "--where", "1; DROP TABLE runs"], db: db)
    #expect(injected.status == 64 && injected.standardError == "error: --where: unexpected ';'\n")
  }

  @Test func tagCompareShowAndRm() throws {
    let db = try copy()
    defer {
      try? FileManager.default.removeItem(atPath: (db as NSString).deletingLastPathComponent)
    }
    #expect(
      try run(["tag", "2", "note=baseline", "owner=me"], db: db).standardOutput
        == "run 2: note=baseline, owner=me\n")
    let tagged = try run(["runs", "--where", "tag.note = \"baseline\"", "--csv"], db: db)
    #expect(
      tagged.standardOutput.split(separator: "\r\n").dropFirst().map { $0.prefix(2) } == ["2,"])
    #expect(
      try run(["tag", "2", "--remove", "owner"], db: db).standardOutput == "run 2: note=baseline\n")

    let compare = try run(["compare", "1", "2"], db: db).standardOutput
    let line = { (name: String) in
      compare.split(separator: "\n").first { $0.dropFirst(3).hasPrefix(name + " ") }.map(
        String.init) ?? ""
    }
    #expect(line("lambda").hasPrefix("   ") && line("lr").hasPrefix("≠  "))
    #expect(line("tag.note").hasPrefix("≠  "))

    let show = try run(["show", "1"], db: db).standardOutput
    #expect(show.contains("over epochs 0–30:") && show.contains("‖D(1)‖") && show.contains("▁"))

    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let asked = try run(["rm", "1"], db: db)
    #expect(asked.status == 64 && asked.standardError.contains("give --yes"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    let removed = try run(["rm", "1", "2", "--yes"], db: db)
    #expect(removed.standardOutput.hasPrefix("deleted 2 runs (62 epochs)"))
    #expect(try RunDatabase.open(path: db, access: .readOnly).runs().map(\.id) == [3, 4])
    #expect(try run(["rm", "9", "--yes"], db: db).status == 66)
    #expect(
      try run(["rm", "--sweep", "1", "--yes"], db: db).standardOutput.hasPrefix(
        "deleted sweep 1 with 2 runs"))
  }

  /// The newcomer's first command, tiny: it trains, reports and writes the HTML report.
  @Test func demoTrainsReportsAndWritesTheHTMLReport() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let demo = try CommandRunner.run(["demo", "--quick", "--workers", "2"], in: directory)
    #expect(demo.status == 0, "\(demo.standardError)")
    #expect(demo.standardOutput.contains("final / best validation error (rows λ, columns α"))
    #expect(demo.standardOutput.contains("validation curve (nnlab report validation-curve"))
    #expect(demo.standardOutput.hasSuffix("the HTML report, with every chart: nnlab-demo.html\n"))
    let store = try RunDatabase.open(
      path: directory.appendingPathComponent("nnlab-demo.sqlite").path, access: .readOnly)
    #expect(try store.runs().map(\.status) == Array(repeating: .finished, count: 4))
    let html = try String(
      contentsOf: directory.appendingPathComponent("nnlab-demo.html"), encoding: .utf8)
    // 400 inputs: the first layer is drawn as 20 × 20 images.
    #expect(html.contains("<h2>λ × α</h2>") && html.contains("<h2>The hidden layer</h2>"))
  }

  @Test func theHTMLReportOfChosenRuns() throws {
    let db = try Self.made.get()
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("runs.html").path
    let written = try run(["report", "--html", file, "--runs", "1,2"], db: db)
    #expect(written.status == 0 && written.standardOutput == file + "\n")
    #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    #expect(try run(["report", "--html", file, "--sweep", "9"], db: db).status == 66)
    #expect(try run(["report", "--html", file, "--csv"], db: db).status == 64)
    #expect(try run(["report", "--html", file, "--runs", "1;2"], db: db).status == 64)
    #expect(try run(["report", "--html", file, "--runs", ""], db: db).status == 64)
    // Each run once, however often it is named.
    #expect(try run(["report", "--html", file, "--runs", "2,1,2"], db: db).status == 0)
    let rows = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "<tr")
    #expect(rows.count == 1 + 1 + 2)  // before the table, the heading row, runs 2 and 1
    // Never over a database.
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let over = try run(["report", "--html", db], db: db)
    #expect(over.status == 64 && over.standardError.contains("is the database"))
    #expect(try run(["export", "epochs", "--output", db], db: db).status == 64)
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
  }

  /// CSV read back gives the database's numbers bit for bit.
  @Test func exportedCSVRoundTripsExactly() throws {
    let db = try Self.made.get()
    let store = try RunDatabase.open(path: db, access: .readOnly)
    let epochs = try store.runs(RunQuery(sweep: 1)).flatMap { try store.epochs(of: $0.id) }
    let csv = try run(["export", "epochs", "--sweep", "1"], db: db).standardOutput
    let reader = try CSVReader(string: csv, hasHeaderRow: true)
    #expect(reader.headerRow?.prefix(3) == ["run_id", "epoch", "cost"])
    var parsed: [[String]] = []
    while let row = reader.next() { parsed.append(row) }
    #expect(parsed.count == epochs.count)
    for (row, epoch) in zip(parsed, epochs) {
      #expect(Int64(row[0]) == epoch.runId && Int(row[1]) == epoch.epoch)
      #expect(Double(row[2])?.bitPattern == epoch.cost.bitPattern)
      #expect(Double(row[4])?.bitPattern == epoch.validationError?.bitPattern)
      #expect(Double(row[7])?.bitPattern == epoch.gradientNorm.bitPattern)
    }
    let layers = try run(
      ["export", "layers", "--run", "3", "--epoch", "5", "--format", "json"], db: db)
    struct Layer: Decodable {
      let layer: Int
      let updateRatio: Double
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let objects = try decoder.decode([Layer].self, from: Data(layers.standardOutput.utf8))
    let expected = try store.layerEpochs(of: 3).filter { $0.epoch == 5 }
    #expect(objects.map(\.layer) == [1, 2])
    #expect(objects.map(\.updateRatio.bitPattern) == expected.map(\.updateRatio.bitPattern))
    let wide = try run(["export", "runs", "--sweep", "1"], db: db).standardOutput
    #expect(
      wide.split(separator: "\r\n").count == 5
        && wide.hasPrefix("run_id,sweep_id,name,status,layers"))
  }

  @Test func theGradientChecksExportHoldsEveryCheckToTheLastDigit() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("g.sqlite").path
    let train = try run(
      ["train", "--data", "xor", "--hidden", "3", "--epochs", "4", "--gradcheck-every", "2"], db: db
    )
    #expect(train.status == 0, "\(train.standardError)")
    let checks = try RunDatabase.open(path: db, access: .readOnly).gradientChecks(of: 1)
    #expect(Set(checks.map(\.epoch)).count >= 2)
    let reader = try CSVReader(
      string: try run(["export", "gradient-checks", "--run", "1"], db: db).standardOutput,
      hasHeaderRow: true)
    #expect(
      reader.headerRow == ["run_id", "epoch", "layer", "max_abs_difference", "relative_difference"])
    var rows: [[String]] = []
    while let row = reader.next() { rows.append(row) }
    #expect(rows.map { [Int($0[1]), Int($0[2])] } == checks.map { [$0.epoch, $0.layer] })
    #expect(rows.map { Double($0[3])?.bitPattern } == checks.map(\.maxAbsDifference.bitPattern))
    #expect(rows.map { Double($0[4])?.bitPattern } == checks.map(\.relativeDifference.bitPattern))
  }

  @Test func anExportThatCannotBeWrittenLeavesNoFile() throws {
    let db = try Self.made.get()
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let missing = directory.appendingPathComponent("no/such/dir/e.csv").path
    let failed = try run(["export", "epochs", "--output", missing], db: db)
    #expect(
      failed.status == 74 && failed.standardError.hasPrefix("error: \(missing): cannot be written"))
    let target = directory.appendingPathComponent("e.csv")
    #expect(
      try run(["export", "epochs", "--run", "1", "--output", target.path], db: db).status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["e.csv"])
    let noRun = try run(["export", "epochs", "--run", "99"], db: db)
    #expect(noRun.status == 66 && noRun.standardError == "error: there is no run 99\n")
  }
}
