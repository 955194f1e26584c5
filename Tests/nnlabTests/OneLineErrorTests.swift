import Foundation
import GRDB
import TestSupport
import Testing

/// Every error is one line on stderr: the input, the place, the problem, the valid values
/// where there are few; nothing from Foundation or a parser's own dump, and no control
/// character sent raw to the terminal.
struct OneLineErrorTests {
  /// `result` failed with `status` and said one line, `error: …`, that holds each of `parts`.
  func expectOneLine(
    _ result: CommandRunner.Result, status: Int32, holding parts: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(result.status == status, "\(result.standardError)", sourceLocation: sourceLocation)
    let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(
      lines.count == 2 && lines[1].isEmpty && lines[0].hasPrefix("error: "),
      "\(result.standardError)", sourceLocation: sourceLocation)
    for part in parts {
      #expect(
        result.standardError.contains(part), "\(result.standardError)",
        sourceLocation: sourceLocation)
    }
    for leak in ["NSCocoaErrorDomain", "The operation could not be completed", "\u{1B}"] {
      #expect(!result.standardError.contains(leak), sourceLocation: sourceLocation)
    }
  }

  @Test func aLongListOfValidValuesStaysOnTheLine() throws {
    let result = try CommandRunner.run(["runs", "--status", "bogus"])
    expectOneLine(
      result, status: 64, holding: ["'bogus'", "--status", "'queued'", "or 'interrupted'"])
  }

  @Test func aSweepFileErrorNamesTheFileLineAndColumnNotItsText() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let cases: [(text: String, place: String, problem: String)] = [
      ("lambda: [0, 1\nlr: 3\nepochs: 5\n", "bad.yaml:2:3:", "did not find expected"),
      ("lambda: [0, 1]\nlr: {a: 1}\n", "bad.yaml:2:5:", "lr: expected a value or a list"),
      ("lambda: [0, 1]\nlr: 3\nlambda: 2\n", "bad.yaml:", "the key 'lambda' appears twice"),
    ]
    for (text, place, problem) in cases {
      try Data(text.utf8).write(to: folder.appendingPathComponent("bad.yaml"))
      let result = try CommandRunner.run(
        ["sweep", "bad.yaml", "--data", "xor", "--workers", "0", "--db", "s.sqlite"], in: folder)
      expectOneLine(result, status: 65, holding: [place, problem])
      #expect(
        !result.standardError.contains("epochs: 5"), "the file's text: \(result.standardError)")
      #expect(
        !FileManager.default.fileExists(atPath: folder.appendingPathComponent("s.sqlite").path))
    }
  }

  @Test func filesAreReadWithTheSystemsWords() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    expectOneLine(
      try CommandRunner.run(["train", "--data", folder.path, "--db", "n.sqlite"], in: folder),
      status: 66, holding: [folder.path, "is a directory"])
    expectOneLine(
      try CommandRunner.run(["train", "--data", "/proc/self/mem", "--db", "n.sqlite"], in: folder),
      status: 74, holding: ["/proc/self/mem: cannot be read ("])
    // A FIFO is read to its end, as a process substitution (`--data <(zcat d.csv.gz)`) is.
    let fifo = folder.appendingPathComponent("data.csv").path
    #expect(mkfifo(fifo, 0o600) == 0)
    let rows = (0..<20).map { "\(Double($0) / 20),\($0 % 2)" }.joined(separator: "\n")
    Thread.detachNewThread {
      let descriptor = open(fifo, O_WRONLY)
      let text = Array("x,y\n\(rows)\n".utf8)
      _ = write(descriptor, text, text.count)
      close(descriptor)
    }
    let trained = try CommandRunner.run(
      ["train", "--data", fifo, "--hidden", "2", "--epochs", "2", "--quiet", "--db", "n.sqlite"],
      in: folder)
    #expect(trained.status == 0, "\(trained.standardError)")
  }

  @Test func controlCharactersAreRefusedInNewNamesAndShownEscapedInStoredOnes() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    func run(_ arguments: [String]) throws -> CommandRunner.Result {
      try CommandRunner.run(arguments + ["--db", "n.sqlite"], in: folder)
    }
    let train = ["train", "--data", "xor", "--hidden", "2", "--epochs", "2", "--quiet"]
    expectOneLine(
      try run(train + ["--name", "red\u{1B}[31m"]), status: 65,
      holding: ["the run name 'red\\u{1B}[31m'", "control character"])
    expectOneLine(
      try run(train + ["--tag", "note=a\u{7}b"]), status: 65, holding: ["'a\\u{7}b'"])
    expectOneLine(
      try run(["sweep", "--data", "xor", "--epochs", "2", "--name", "s\r", "--workers", "0"]),
      status: 65, holding: ["the sweep name 's\\u{D}'"])
    expectOneLine(
      try run(train + ["--tag", "a=1", "--tag", "a=2"]), status: 64,
      holding: ["the tag key 'a' is given twice"])
    let runs = try run(["runs", "--json"])
    #expect(runs.status == 0 && runs.standardOutput == "[]\n", "nothing was recorded: \(runs)")

    #expect(try run(train + ["--name", "plain", "--tag", "note=ok"]).status == 0)
    expectOneLine(try run(["tag", "1", "a=1", "a=2"]), status: 64, holding: ["'a' is given twice"])
    expectOneLine(try run(["tag", "1", "note=\u{1B}]0;owned\u{7}"]), status: 65, holding: ["note"])
    // Names written by another program (or an older nnlab) are shown, escaped.
    let queue = try DatabaseQueue(path: folder.appendingPathComponent("n.sqlite").path)
    try queue.write { db in
      try db.execute(sql: "UPDATE runs SET name = 'x' || char(27) || '[2J'")
      try db.execute(sql: "UPDATE tags SET value = 'y' || char(13)")
    }
    try queue.close()
    for command in [["runs"], ["show", "1"], ["compare", "1", "1"], ["tag", "1", "other=z"]] {
      let shown = try run(command)
      #expect(shown.status == 0, "\(command): \(shown.standardError)")
      #expect(!shown.standardOutput.contains("\u{1B}") && !shown.standardOutput.contains("\r"))
      #expect(
        shown.standardOutput.contains("x\\u{1B}[2J") || shown.standardOutput.contains("y\\u{D}"),
        "\(command): \(shown.standardOutput)")
    }
  }
}
