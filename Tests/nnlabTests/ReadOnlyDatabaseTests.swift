import Foundation
import TestSupport
import Testing
import Tracking

/// The readers (`runs`, `show`, `report`, `export`, `db info`, `db check`) on a database they
/// cannot write beside, a database reached through a link or empty, `NNLAB_BUSY_TIMEOUT`, and
/// the limits of a query given as SQL.
@Suite struct ReadOnlyDatabaseTests {
  /// Each reader, with the line of its output that shows it read run 1 (`lastEpoch`: its
  /// last epoch, as the storage layer reads it).
  static func readers(lastEpoch: Int) -> [([String], String)] {
    [
      (["runs"], " \(lastEpoch) "), (["show", "1"], "\(lastEpoch) of "),
      (["report", "runs", "--csv"], ",\(lastEpoch),"),
      (["export", "epochs", "--run", "1"], "\n1,\(lastEpoch),"),
      (["db", "info"], "epochs"), (["db", "check"], ": ok"),
    ]
  }

  /// `setpriv` as the unprivileged user nobody (root ignores a folder's permissions), or nil
  /// where it cannot run here.
  static let asNobody: [String]? = {
    let wrapper = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    guard FileManager.default.isExecutableFile(atPath: wrapper[0]),
      let result = try? CommandRunner.run(["--version"], wrapper: wrapper), result.status == 0
    else { return nil }
    return wrapper
  }()

  /// A database of one run killed mid-training, so its `-wal` holds committed epochs (and
  /// the `-shm` is left too), in a new folder; returns its path and the last epoch recorded.
  /// The caller removes the folder.
  static func killedTraining() throws -> (path: String, lastEpoch: Int) {
    let folder = try makeTemporaryDirectory()
    chmod(folder.path, 0o755)
    let db = folder.appendingPathComponent("k.sqlite").path
    let train = try CommandRunner.start([
      "train", "--data", "xor", "--epochs", "1000000", "--quiet", "--db", db,
    ])
    func lastEpoch() -> Int {
      (try? RunDatabase.open(path: db, access: .readOnly).run(1).lastEpoch ?? 0) ?? 0
    }
    while train.isRunning && lastEpoch() < 20 { usleep(20_000) }
    kill(train.processIdentifier, SIGKILL)
    train.waitUntilExit()
    let epoch = lastEpoch()
    #expect(FileManager.default.fileExists(atPath: db + "-wal"))
    return (db, epoch)
  }

  /// Runs `arguments` (a program and its arguments); its exit status.
  static func system(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// Runs every reader on `db` (through `wrapper`) and checks it read run 1 up to `lastEpoch`.
  func readersRead(_ db: String, lastEpoch: Int, wrapper: [String] = []) throws {
    for (arguments, expected) in Self.readers(lastEpoch: lastEpoch) {
      let result = try CommandRunner.run(arguments + ["--db", db], wrapper: wrapper)
      #expect(result.status == 0, "\(arguments): \(result.standardError)")
      #expect(result.standardOutput.contains(expected), "\(arguments): \(result.standardOutput)")
    }
  }

  @Test func readersWorkInAReadOnlyFolderWithAndWithoutAWriteAheadLog() throws {
    guard let wrapper = Self.asNobody else {
      print("skipped: setpriv cannot run nnlab as nobody here")
      return
    }
    let (db, lastEpoch) = try Self.killedTraining()
    let folder = (db as NSString).deletingLastPathComponent
    defer {
      chmod(folder, 0o755)
      try? FileManager.default.removeItem(atPath: folder)
    }
    // With the -wal and the -shm a writer left, then the -wal alone: its epochs still count.
    for removing in [nil, "-shm"] {
      if let removing { unlink(db + removing) }
      chmod(folder, 0o555)
      try readersRead(db, lastEpoch: lastEpoch, wrapper: wrapper)
      #expect(FileManager.default.fileExists(atPath: db + "-wal"))
      chmod(folder, 0o755)
    }
    // Folded into the file by a writer: no -wal at all.
    #expect(try CommandRunner.run(["db", "migrate", "--db", db]).status == 0)
    #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
    chmod(folder, 0o555)
    try readersRead(db, lastEpoch: lastEpoch, wrapper: wrapper)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["k.sqlite"])
  }

  @Test func readersWorkOnAReadOnlyMount() throws {
    let (db, lastEpoch) = try Self.killedTraining()
    let source = (db as NSString).deletingLastPathComponent
    defer { try? FileManager.default.removeItem(atPath: source) }
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let mount = folder.path
    unlink(db + "-shm")  // the -wal alone, which SQLite cannot read without making a -shm
    guard (try? Self.system(["/bin/mount", "--bind", source, mount])) == 0 else {
      print("skipped: mount --bind is not permitted here")
      return
    }
    defer { _ = try? Self.system(["/bin/umount", mount]) }
    guard try Self.system(["/bin/mount", "-o", "remount,bind,ro", mount]) == 0 else {
      print("skipped: a bind mount cannot be made read-only here")
      return
    }
    // As root, whom only the mount stops from writing.
    try readersRead(mount + "/k.sqlite", lastEpoch: lastEpoch)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: source).sorted() == [
        "k.sqlite", "k.sqlite-wal",
      ])
  }

  @Test func aLinkToADatabaseAndAnEmptyFileAreDatabases() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("real.sqlite").path
    let link = folder.appendingPathComponent("link.sqlite").path
    #expect(
      try CommandRunner.run(["train", "--data", "xor", "--epochs", "3", "--db", db]).status == 0)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.sqlite")
    let runs = try CommandRunner.run(["runs", "--db", link])
    #expect(runs.status == 0 && runs.standardOutput.contains("1 run"), "\(runs.standardError)")
    let train = try CommandRunner.run(["train", "--data", "xor", "--epochs", "3", "--db", link])
    #expect(train.status == 0, "\(train.standardError)")
    #expect(try RunDatabase.open(path: db, access: .readOnly).runs().count == 2)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.sqlite")

    let empty = folder.appendingPathComponent("empty.sqlite").path
    _ = FileManager.default.createFile(atPath: empty, contents: nil)
    for arguments in [["runs"], ["report", "runs", "--csv"], ["db", "check"]] {
      let result = try CommandRunner.run(arguments + ["--db", empty])
      #expect(result.status == 0, "\(arguments): \(result.standardError)")
    }
    #expect(try CommandRunner.run(["runs", "--db", empty]).standardOutput == "no runs\n")
    #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)
    let first = try CommandRunner.run(["train", "--data", "xor", "--epochs", "3", "--db", empty])
    #expect(first.status == 0, "\(first.standardError)")
    #expect(try RunDatabase.open(path: empty, access: .readOnly).runs().count == 1)
  }

  @Test(arguments: ["abc", "-1", "inf", "1s"])
  func aWrongBusyTimeoutIsRefusedBeforeAnythingIsTouched(_ value: String) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("b.sqlite").path
    #expect(
      try CommandRunner.run(["train", "--data", "xor", "--epochs", "2", "--db", db]).status == 0)
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    for arguments in [
      ["runs"], ["train", "--data", "xor", "--epochs", "2"], ["db", "info"], ["rm", "1", "--yes"],
      ["report", "runs"], ["train", "--data", "xor", "--db", folder.path + "/new.sqlite"],
    ] {
      let result = try CommandRunner.run(
        arguments + (arguments.contains("--db") ? [] : ["--db", db]),
        environment: ["NNLAB_BUSY_TIMEOUT": value])
      #expect(result.status == 64, "\(arguments)")
      #expect(
        result.standardError
          == "error: NNLAB_BUSY_TIMEOUT must be a number of seconds ≥ 0, got '\(value)'\n")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    #expect(!FileManager.default.fileExists(atPath: folder.path + "/new.sqlite"))
  }

  @Test func aQueryIsHeldToItsTimeAndMemoryAndMayAskReadOnlyPragmas() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("q.sqlite").path
    #expect(
      try CommandRunner.run(["train", "--data", "xor", "--epochs", "2", "--db", db]).status == 0)
    let endless =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    let started = Date()
    let timedOut = try CommandRunner.run(["report", "--sql", endless, "--timeout", "1", "--db", db])
    #expect(timedOut.status == 65)
    #expect(
      timedOut.standardError
        == "error: \(db): the query ran past its time limit of 1 s (--timeout)\n")
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(
      try CommandRunner.run(["report", "--sql", "SELECT 1 AS one", "--timeout", "0", "--db", db])
        .status == 0)
    #expect(
      try CommandRunner.run(["report", "--sql", "SELECT 1", "--timeout", "-1", "--db", db]).status
        == 64)
    for large in [
      "SELECT length(randomblob(1e9))",
      "SELECT length(randomblob(2e8)) AS a, length(randomblob(2e8)) AS b",
    ] {
      let result = try CommandRunner.run(["report", "--sql", large, "--db", db])
      #expect(result.status == 65, "\(large)")
      #expect(
        result.standardError
          == "error: \(db): the query needed more than its memory limit of 256 MiB\n")
    }
    let columns = try CommandRunner.run([
      "report", "--csv", "--sql", "SELECT name FROM pragma_table_info('tags')", "--db", db,
    ])
    #expect(
      columns.standardOutput.split(whereSeparator: \.isNewline) == [
        "name", "run_id", "key", "value",
      ],
      "\(columns.standardError)")
    let indexes = try CommandRunner.run([
      "report", "--sql", "SELECT * FROM pragma_index_list('epochs')", "--db", db,
    ])
    #expect(indexes.status == 0, "\(indexes.standardError)")
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    for writing in [
      "SELECT * FROM pragma_user_version", "PRAGMA user_version = 3",
      "SELECT * FROM pragma_journal_mode", "PRAGMA journal_mode = delete",
    ] {
      let result = try CommandRunner.run(["report", "--sql", writing, "--db", db])
      #expect(result.status == 65, "\(writing)")
      #expect(result.standardError.hasPrefix("error: refused: PRAGMA "), "\(result.standardError)")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
  }
}
