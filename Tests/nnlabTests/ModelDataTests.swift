import Foundation
import TestSupport
import Testing

/// `evaluate` and `predict` on data laid out unlike the training file, on features a double can
/// barely hold, and on sizes beyond memory, as a user runs them.
@Suite(.serialized)
struct ModelDataTests {
  /// `columns` of a table as CSV text, in that order (a column is its name and its fields).
  static func csv(_ columns: [(String, [String])]) -> String {
    ([columns.map(\.0)] + columns[0].1.indices.map { i in columns.map { $0.1[i] } })
      .map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  /// A folder with `files` written into it, and a database path there. The caller removes
  /// the folder.
  static func folder(_ files: [String: String]) throws -> (URL, String) {
    let directory = try makeTemporaryDirectory()
    for (name, text) in files {
      try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return (directory, directory.appendingPathComponent("runs.sqlite").path)
  }

  /// Columns a, b, d and the label y (two classes that depend on a and d).
  static let table: [(String, [String])] = {
    let rows = 0..<80
    let a = rows.map { Double($0 % 9) - 4 }
    let b = rows.map { Double($0 % 7) / 7 }
    let d = rows.map { Double($0 % 5) * 2 - 3 }
    return [
      ("a", a.map { "\($0)" }), ("b", b.map { "\($0)" }), ("d", d.map { "\($0)" }),
      ("y", rows.map { a[$0] + d[$0] > 0 ? "up" : "down" }),
    ]
  }()

  /// Trained with the default label, the last column: evaluated and predicted on the same data
  /// with its columns in other orders and an extra column, the figures are the same bits; a
  /// file without the label predicts the same; one without a feature is one line naming it.
  @Test func columnsAreFoundByName() throws {
    let (t, table) = (Self.table, Self.csv)
    let extra = ("id", t[0].1.indices.map { "\($0 + 100)" })
    let (directory, db) = try Self.folder([
      "train.csv": table(t),
      "permuted.csv": table([t[3], t[2], extra, t[0], t[1]]),
      "label-inside.csv": table([t[1], t[3], t[0], t[2]]),
      "features.csv": table([t[2], t[0], t[1]]),
      "no-d.csv": table([t[0], t[1], t[3]]),
    ])
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = { (name: String) in directory.appendingPathComponent(name).path }
    let train = try CommandRunner.run([
      "train", "--data", file("train.csv"), "--hidden", "4", "--epochs", "30", "--db", db,
      "--quiet",
    ])
    #expect(train.status == 0, "\(train.standardError)")

    func evaluate(_ name: String) throws -> CommandRunner.Result {
      try CommandRunner.run(["evaluate", "1", "--data", file(name), "--db", db])
    }
    func predict(_ name: String) throws -> CommandRunner.Result {
      try CommandRunner.run(["predict", "1", "--data", file(name), "--db", db])
    }
    let expected = try evaluate("train.csv")
    #expect(expected.status == 0 && expected.standardOutput.contains("accuracy"))
    for name in ["permuted.csv", "label-inside.csv"] {
      let result = try evaluate(name)
      #expect(result.status == 0, "\(name): \(result.standardError)")
      #expect(
        result.standardOutput.replacingOccurrences(of: name, with: "train.csv")
          == expected.standardOutput, "\(name)")
    }
    let predicted = try predict("train.csv")
    #expect(predicted.status == 0 && predicted.standardOutput.hasPrefix("predicted,p_down,p_up"))
    for name in ["permuted.csv", "label-inside.csv", "features.csv"] {
      #expect(try predict(name).standardOutput == predicted.standardOutput, "\(name)")
    }
    for result in [try evaluate("no-d.csv"), try predict("no-d.csv")] {
      #expect(result.status == 65)
      #expect(
        result.standardError.hasPrefix("error: \(file("no-d.csv")) has no feature column 'd'")
          && result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }
  }

  /// A feature at 1e200 (standard scaling) or across the whole range of doubles (minmax):
  /// the run finishes, and evaluate and predict read it back.
  @Test(arguments: [
    ("standard", ["1e200", "-2e200", "3e199"]), ("minmax", ["-1.7e308", "1.7e308", "0"]),
  ])
  func hugeFeaturesLoadBack(method: String, values: [String]) throws {
    let t = Self.table
    let huge = ("h", t[0].1.indices.map { values[$0 % values.count] })
    let (directory, db) = try Self.folder(["huge.csv": Self.csv([t[0], huge, t[2], t[3]])])
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("huge.csv").path
    let train = try CommandRunner.run([
      "train", "--data", data, "--hidden", "4", "--epochs", "10", "--scale", method, "--db", db,
      "--json", "--quiet",
    ])
    #expect(train.status == 0 && train.standardOutput.contains(#""status":"finished""#))
    for command in ["evaluate", "predict"] {
      let result = try CommandRunner.run([command, "1", "--data", data, "--db", db])
      #expect(result.status == 0, "\(command): \(result.standardError)")
    }
  }

  /// A size that cannot fit in memory is refused before anything is drawn, with the figure.
  @Test func sizesBeyondMemoryAreRefused() throws {
    let (directory, db) = try Self.folder([:])
    defer { try? FileManager.default.removeItem(at: directory) }
    let train = try CommandRunner.run([
      "train", "--data", "xor", "--examples", "40", "--epochs", "1", "--db", db, "--quiet",
    ])
    #expect(train.status == 0, "\(train.standardError)")
    let evaluate = try CommandRunner.run([
      "evaluate", "1", "--data", "xor", "--examples", "1000000000000", "--db", db,
    ])
    #expect(evaluate.status == 65)
    #expect(
      evaluate.standardError.hasPrefix(
        "error: --examples 1000000000000 would need about 96.0 TB of memory for xor (32.0 TB of"
          + " inputs and targets, held three times over while split and scaled); this machine has ")
        && evaluate.standardError.split(separator: "\n").count == 1, "\(evaluate.standardError)")
  }
}
