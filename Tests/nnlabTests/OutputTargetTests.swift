import Foundation
import GRDB
import TestSupport
import Testing

/// Every command that writes a file, against every kind of target a user may name: the exit
/// status, the target still of its kind, and the database's epochs and integrity unchanged
/// (docs/files.md). The database is held open by this process meanwhile, so that its
/// `-wal` and `-shm` files exist, as they do while a sweep runs.
struct OutputTargetTests {
  /// The commands that write a file, each with `OUT` where the output path goes.
  static let commands: [[String]] = [
    ["export", "runs", "--output", "OUT"],
    ["export", "epochs", "--run", "1", "--output", "OUT"],
    ["export", "layers", "--run", "1", "--format", "json", "--output", "OUT"],
    ["export", "weights", "--run", "1", "--output", "OUT"],
    ["report", "runs", "--csv", "--output", "OUT"],
    ["report", "--list", "--output", "OUT"],
    ["report", "--html", "OUT", "--runs", "1"],
    ["runs", "--output", "OUT"],
    ["predict", "1", "--data", "new.csv", "--output", "OUT"],
  ]

  /// What a target is before and after the command.
  enum Kind: String {
    case missing, file, link, directory, fifo, characterDevice

    init(_ path: String) {
      var info = stat()
      guard lstat(path, &info) == 0 else {
        self = .missing
        return
      }
      switch info.st_mode & S_IFMT {
      case S_IFLNK: self = .link
      case S_IFDIR: self = .directory
      case S_IFIFO: self = .fifo
      case S_IFCHR: self = .characterDevice
      default: self = .file
      }
    }
  }

  /// A target: its name, how it is made in the folder, what the command should end with, and
  /// whether the output should arrive (through the name, or at the FIFO's reader).
  struct Target {
    let name: String
    let make: (_ folder: String) throws -> Void
    let status: Int32
    let kindAfter: Kind
    var delivers: Bool { status == 0 }
  }

  /// The database the targets lead to, in each folder.
  static let database = "runs.sqlite"

  static func targets(for command: [String]) -> [Target] {
    let isPredict = command.first == "predict"
    var targets: [Target] = [
      Target(name: "missing.csv", make: { _ in }, status: 0, kindAfter: .file),
      Target(
        name: "file.csv", make: { try Data("old\n".utf8).write(to: url($0, "file.csv")) },
        status: 0, kindAfter: .file),
      Target(
        name: "link.csv",
        make: {
          try Data("old\n".utf8).write(to: url($0, "linked.csv"))
          symlink("linked.csv", path($0, "link.csv"))
        }, status: 0, kindAfter: .link),
      Target(
        name: "dangling.csv", make: { symlink("nowhere.csv", path($0, "dangling.csv")) },
        status: 0, kindAfter: .link),
      Target(name: "fifo", make: { mkfifo(path($0, "fifo"), 0o600) }, status: 0, kindAfter: .fifo),
      Target(
        name: "folder",
        make: {
          try FileManager.default.createDirectory(
            atPath: path($0, "folder"),
            withIntermediateDirectories: false)
        }, status: 64, kindAfter: .directory),
      Target(
        name: "read-only.csv",
        make: {
          try Data("old\n".utf8).write(to: url($0, "read-only.csv"))
          chmod(path($0, "read-only.csv"), 0o444)
        },
        // Root may write a file without write permission, as the shell's `>` does.
        status: getuid() == 0 ? 0 : 74, kindAfter: .file),
      Target(name: "train.csv", make: { _ in }, status: 64, kindAfter: .file),
      Target(name: "new.csv", make: { _ in }, status: isPredict ? 64 : 0, kindAfter: .file),
    ]
    for suffix in ["", "-wal", "-shm", "-journal"] {
      let name = database + suffix
      let kind: Kind = suffix == "-journal" ? .missing : .file
      targets += [
        Target(name: name, make: { _ in }, status: 64, kindAfter: kind),
        Target(
          name: "soft\(suffix).csv", make: { symlink(name, path($0, "soft\(suffix).csv")) },
          status: 64, kindAfter: .link),
      ]
      if suffix != "-journal" {
        targets.append(
          Target(
            name: "hard\(suffix).csv",
            make: { link(path($0, name), path($0, "hard\(suffix).csv")) },
            status: 64, kindAfter: .file))
      }
    }
    // Character devices made here (never /dev itself), where mknod is permitted.
    targets += [
      Target(
        name: "null", make: { makeDevice($0, "null", minor: 3) }, status: 0,
        kindAfter: .characterDevice),
      Target(
        name: "full", make: { makeDevice($0, "full", minor: 7) }, status: 74,
        kindAfter: .characterDevice),
    ]
    return targets
  }

  static func path(_ folder: String, _ name: String) -> String { folder + "/" + name }
  static func url(_ folder: String, _ name: String) -> URL {
    URL(fileURLWithPath: path(folder, name))
  }

  /// /dev/null (1, 3) or /dev/full (1, 7) under another name.
  static func makeDevice(_ folder: String, _ name: String, minor: UInt32) {
    mknod(path(folder, name), S_IFCHR | 0o666, dev_t(1 << 8 | minor))
  }

  /// Whether this process may make device nodes (root, outside a container that forbids it).
  static let mayMakeDevices: Bool = {
    let folder = (try? makeTemporaryDirectory())?.path ?? "/nonexistent"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    makeDevice(folder, "probe", minor: 3)
    return Kind(path(folder, "probe")) == .characterDevice
  }()

  @Test(arguments: commands)
  func everyTargetEndsAsItShould(_ command: [String]) throws {
    let folder = try makeTemporaryDirectory().path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let rows = (0..<40).map { "\(Double($0 % 7) / 7),\(Double($0 % 5) / 5),\($0 % 2)" }
    let csv = "a,b,y\n" + rows.joined(separator: "\n") + "\n"
    try Data(csv.utf8).write(to: Self.url(folder, "train.csv"))
    try Data(csv.utf8).write(to: Self.url(folder, "new.csv"))
    let trained = try CommandRunner.run(
      [
        "train", "--data", "train.csv", "--hidden", "3", "--epochs", "5", "--quiet", "--db",
        Self.database,
      ], in: URL(fileURLWithPath: folder))
    try #require(trained.status == 0, "\(trained.standardError)")
    // Held open: the -wal and -shm files exist while the commands run (-journal does not: it
    // is refused by its name).
    let pool = try DatabasePool(path: Self.path(folder, Self.database))
    defer { try? pool.close() }
    func state() throws -> (epochs: Int, integrity: String) {
      try pool.read { db in
        (
          try Int.fetchOne(db, sql: "SELECT count(*) FROM epochs") ?? -1,
          try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? ""
        )
      }
    }
    let before = try state()
    var tried = 0
    #expect(before.epochs == 6 && before.integrity == "ok")
    #expect(Kind(Self.path(folder, Self.database + "-wal")) == .file)
    #expect(Kind(Self.path(folder, Self.database + "-shm")) == .file)

    for target in Self.targets(for: command) {
      if ["null", "full"].contains(target.name) && !Self.mayMakeDevices {
        print("skipped: the \(target.name) device target (mknod is not permitted here)")
        continue
      }
      try target.make(folder)
      let received = FIFOReader(
        path: target.kindAfter == .fifo ? Self.path(folder, target.name) : nil)
      let arguments = command.map { $0 == "OUT" ? target.name : $0 } + ["--db", Self.database]
      let result = try CommandRunner.run(arguments, in: URL(fileURLWithPath: folder))
      let bytesAtTheReader = received.finish()
      let what = "\(command.joined(separator: " ")) → \(target.name)"
      #expect(result.status == target.status, "\(what): \(result.standardError)")
      #expect(
        result.standardError.split(separator: "\n").count == (target.status == 0 ? 0 : 1),
        "\(what): \(result.standardError)")
      #expect(Kind(Self.path(folder, target.name)) == target.kindAfter, "\(what)")
      let after = try state()
      tried += 1
      #expect(after.epochs == before.epochs && after.integrity == "ok", "\(what)")
      if target.delivers {
        switch target.kindAfter {
        case .fifo: #expect(bytesAtTheReader > 0, "\(what)")
        case .file, .link:
          let written = (try? Data(contentsOf: Self.url(folder, target.name))) ?? Data()
          #expect(written.count > 0 && !written.starts(with: Data("old\n".utf8)), "\(what)")
        default: break
        }
      }
      // The next target starts from a folder without this one.
      if target.name != Self.database, !target.name.hasPrefix(Self.database),
        !["train.csv", "new.csv"].contains(target.name)
      {
        try? FileManager.default.removeItem(atPath: Self.path(folder, target.name))
      }
    }
    // No temporary file is left behind.
    let hidden = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.hasPrefix(".")
    }
    #expect(hidden.isEmpty, "\(hidden)")
    let final = try state()
    Faults.report(
      "output targets: \(command.prefix(2).joined(separator: " ")): \(tried) targets tried,"
        + " epochs lost \(before.epochs - final.epochs), integrity \(final.integrity)")
  }

  @Test func aSocketIsConnectedToAndWritten() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("nnlab.sqlite").path
    #expect(
      try CommandRunner.run(["train", "--data", "xor", "--epochs", "3", "--quiet", "--db", db])
        .status == 0)
    let socketPath = folder.appendingPathComponent("s").path
    let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    try #require(bound == 0 && listen(listener, 1) == 0)
    defer { close(listener) }
    let received = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var text = ""
    Thread.detachNewThread {
      let connection = accept(listener, nil, nil)
      var bytes: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 4096)
      while connection >= 0 {
        let count = read(connection, &buffer, buffer.count)
        guard count > 0 else { break }
        bytes += buffer.prefix(count)
      }
      close(connection)
      text = String(decoding: bytes, as: UTF8.self)
      received.signal()
    }
    let result = try CommandRunner.run(["export", "epochs", "--db", db, "--output", socketPath])
    #expect(result.status == 0, "\(result.standardError)")
    received.wait()
    #expect(text.hasPrefix("run_id,epoch,"), "\(text)")
    var info = stat()
    #expect(lstat(socketPath, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK)
  }

  @Test func aDescriptorOpenOnAnotherDatabaseIsRefused() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = { (arguments: [String], wrapper: [String]) in
      try CommandRunner.run(arguments, in: folder, wrapper: wrapper)
    }
    #expect(try run(["train", "--data", "xor", "--epochs", "2", "--quiet"], []).status == 0)
    try FileManager.default.copyItem(
      at: folder.appendingPathComponent("nnlab.sqlite"),
      to: folder.appendingPathComponent("other.sqlite"))
    let before = try Data(contentsOf: folder.appendingPathComponent("other.sqlite"))
    // `3<>other.sqlite`: the descriptor is open for reading and writing; `3>>log.csv`, a log
    // open for appending only, is written where it stands.
    let other = try run(
      ["export", "epochs", "--output", "/dev/fd/3"],
      ["/bin/sh", "-c", "exec \"$@\" 3<>other.sqlite", "sh"])
    #expect(other.status == 64 && other.standardError.contains("a SQLite database"), "\(other)")
    #expect(try Data(contentsOf: folder.appendingPathComponent("other.sqlite")) == before)
    try Data("earlier\n".utf8).write(to: folder.appendingPathComponent("log.csv"))
    let log = try run(
      ["export", "epochs", "--output", "/dev/fd/3"],
      ["/bin/sh", "-c", "exec \"$@\" 3>>log.csv", "sh"])
    #expect(log.status == 0, "\(log)")
    let text = try String(contentsOf: folder.appendingPathComponent("log.csv"), encoding: .utf8)
    #expect(text.hasPrefix("earlier\nrun_id,epoch,"))
  }

  @Test func aClosedStandardErrorIsNoCrash() throws {
    let process = Process()
    process.executableURL = CommandRunner.executable
    process.arguments = ["runs", "--status", "bogus"]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try errors.fileHandleForReading.close()  // the error line meets EPIPE
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 64)
  }

  @Test func aClosedPipeIsOneLine() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("nnlab.sqlite").path
    let trained = try CommandRunner.run(
      ["train", "--data", "xor", "--epochs", "3", "--quiet", "--db", db])
    try #require(trained.status == 0)
    for output in [[], ["--output", "-"], ["--output", "/dev/stdout"]] {
      let process = Process()
      process.executableURL = CommandRunner.executable
      process.arguments = ["export", "epochs", "--db", db] + output
      let pipe = Pipe()
      let errors = Pipe()
      process.standardOutput = pipe
      process.standardError = errors
      try pipe.fileHandleForReading.close()  // no reader: the first write fails with EPIPE
      try process.run()
      process.waitUntilExit()
      let message = String(
        decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      #expect(process.terminationStatus == 74, "\(output): \(message)")
      #expect(
        message.hasPrefix("error: ") && message.split(separator: "\n").count == 1, "\(message)")
      #expect(message.contains("Broken pipe"), "\(message)")
    }
  }
}

/// Reads a FIFO to its end on another thread, as `gzip` would at the other end of `>(…)`.
final class FIFOReader: @unchecked Sendable {
  private let path: String?
  private let done = DispatchSemaphore(value: 0)
  private var count = 0

  init(path: String?) {
    self.path = path
    guard let path else { return }
    Thread.detachNewThread { [self] in
      let descriptor = open(path, O_RDONLY)
      var buffer = [UInt8](repeating: 0, count: 1 << 16)
      while descriptor >= 0 {
        let read = Foundation.read(descriptor, &buffer, buffer.count)
        guard read > 0 else { break }
        count += read
      }
      if descriptor >= 0 { close(descriptor) }
      done.signal()
    }
  }

  /// The bytes read. A reader still waiting for a writer (the command refused the FIFO) is
  /// released by opening the FIFO for writing and closing it.
  func finish() -> Int {
    guard let path else { return 0 }
    if done.wait(timeout: .now() + 0.2) == .timedOut {
      let writer = open(path, O_WRONLY | O_NONBLOCK)
      if writer >= 0 { close(writer) }
      done.wait()
    }
    return count
  }
}
