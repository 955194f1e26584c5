import Foundation
import TestSupport
import Testing

/// `shapes`, `trace` and `gradcheck` run as a user runs them: exit statuses and key lines.
@Suite(.serialized)
struct TeachingCommandsTests {
  /// The lines of `text` that match `pattern` (a regular expression).
  func lines(_ text: String, matching pattern: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter {
      $0.range(of: pattern, options: .regularExpression) != nil
    }
  }

  /// A usage or data error: the status, and one line on stderr that says `message`.
  func expectError(_ result: CommandRunner.Result, status: Int32, saying message: String) {
    #expect(result.status == status)
    #expect(result.standardOutput.isEmpty)
    let errorLines = result.standardError.split(separator: "\n")
    #expect(errorLines.count == 1, "\(result.standardError)")
    #expect(result.standardError.hasPrefix("error: "))
    #expect(result.standardError.contains(message), "\(result.standardError)")
  }

  @Test func shapesOfTheCourseNetworks() throws {
    let small = try CommandRunner.run(["shapes", "3-3-3"])
    #expect(small.status == 0)
    #expect(lines(small.standardOutput, matching: #"^\s+Θ\(1\)\s+3 × 4\s"#).count == 1)
    #expect(lines(small.standardOutput, matching: #"^\s+a\(2\)\s+3 × 1\s+4 × 1\s"#).count == 1)
    #expect(lines(small.standardOutput, matching: #"^\s+δ\(2\)\s+3 × 1\s"#).count == 1)
    #expect(lines(small.standardOutput, matching: #"^\s+Z2\s+m × 3\s"#).count == 1)

    let digits = try CommandRunner.run(["shapes", "400-25-10", "--examples", "5000"])
    #expect(digits.status == 0)
    #expect(lines(digits.standardOutput, matching: #"^\s+Θ\(1\)\s+25 × 401\s"#).count == 1)
    #expect(lines(digits.standardOutput, matching: #"^\s+Θ\(2\)\s+10 × 26\s"#).count == 1)
    #expect(lines(digits.standardOutput, matching: #"^\s+\[1 A1\]\s+5000 × 401\s"#).count == 1)
    #expect(
      lines(digits.standardOutput, matching: #"^\s+Δ\(1\)\s+25 × 401\s+δ2ᵀ·\[1 A1\]"#).count == 1)
    #expect(digits.standardOutput.contains("10285 weights"))
  }

  @Test(arguments: [
    ("3", "has 1 layer"), ("3--3", "no size for layer 2"), ("0-3", "has 0 units"),
    ("a-b", "is 'a', not a whole number"), ("3-3-", "no size for layer 3"),
  ])
  func shapesRefusesBadArchitectures(architecture: String, message: String) throws {
    expectError(try CommandRunner.run(["shapes", architecture]), status: 64, saying: message)
  }

  @Test func traceTeachesWithItsDefaults() throws {
    let result = try CommandRunner.run(["trace"])
    #expect(result.status == 0)
    let output = result.standardOutput
    for line in [
      "network 2-2-2", "Example i = 1", "Example i = 2", "z(2) = Θ(1)·[1; a(1)]", "δ(3) = a(3) − y",
      "δ(2) = (Θ(2)ᵀ δ(3)) without its bias row ∘ g′(z(2))", "Δ(1) := Δ(1) + δ(2)·[1; a(1)]ᵀ",
      "D(2)  2 × 3", "One step of gradient descent",
    ] {
      #expect(output.contains(line), "missing: \(line)")
    }
    // The forward and back steps come in the slide's order.
    let order = [
      "a(1) = x", "z(2) =", "a(2) =", "z(3) =", "a(3) =", "δ(3) =", "δ(2) =", "Δ(1) :=", "Δ(2) :=",
    ]
    let positions = order.map { output.range(of: $0)?.lowerBound }
    #expect(
      positions.allSatisfy { $0 != nil } && positions.map { $0! } == positions.map { $0! }.sorted())
    // The cost falls after the step, and both implementations agree.
    let after = try #require(lines(output, matching: "^J\\(Θ\\) after the step").first)
    let numbers = after.matches(of: /(\d+\.\d+)/).map { Double($0.1)! }
    #expect(numbers.count == 2 && numbers[0] < numbers[1], "\(after)")
    let agreement = try #require(lines(output, matching: "largest difference").first)
    let difference = try #require(
      agreement.firstMatch(of: /difference ([0-9.e+-]+)\)/).map { Double($0.1)! })
    #expect(difference < 1e-12)
  }

  @Test func traceReadsWeightsAndExamplesFromTheUser() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let weights = directory.appendingPathComponent("weights.json")
    try Data(#"{"theta": [[[0.1, 0.3]], [[-0.2, 0.5]]]}"#.utf8).write(to: weights)
    let result = try CommandRunner.run([
      "trace", "--init-weights", weights.path, "--input", "0.7", "--target", "1", "--lambda", "0.4",
      "--decimals", "6",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    // z(2) = 0.1 + 0.3·0.7 = 0.31.
    #expect(
      lines(result.standardOutput, matching: #"z\(2\) = Θ\(1\)·\[1; a\(1\)\]\s+= \[ 0\.310000 \]ᵀ"#)
        .count == 1)
    #expect(result.standardOutput.contains("the exact derivative is (λ/m)·Θ"))
  }

  @Test func traceRefusesBadInput() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let wrongShape = directory.appendingPathComponent("wrong.json")
    try Data(#"{"theta": [[[0, 1, 2], [0, 1, 2]], [[0, 1], [0, 1]]]}"#.utf8).write(to: wrongShape)
    expectError(
      try CommandRunner.run(["trace", "--init-weights", wrongShape.path]), status: 65,
      saying: "wrong.json: Θ(2) is 2 × 2 but must have s2 + 1 = 3 columns")
    let fits = directory.appendingPathComponent("fits.json")
    try Data(#"{"theta": [[[0, 1, 2], [0, 1, 2]], [[0, 1, 2]]]}"#.utf8).write(to: fits)
    expectError(
      try CommandRunner.run(["trace", "--init-weights", fits.path, "--layers", "2-2-2"]),
      status: 65,
      saying: "Θ(2) is 1 × 3 but must be 2 × 3 for network 2-2-2")
    let malformed = directory.appendingPathComponent("malformed.json")
    try Data("{\"theta\": [[[0, 1]".utf8).write(to: malformed)
    expectError(
      try CommandRunner.run(["trace", "--init-weights", malformed.path]), status: 65,
      saying: "malformed.json: is not a weights file")
    expectError(
      try CommandRunner.run([
        "trace", "--init-weights", directory.appendingPathComponent("absent.json").path,
      ]),
      status: 66, saying: "absent.json: no such file")
    expectError(
      try CommandRunner.run(["trace", "--input", "0.5,nan", "--target", "1,0"]), status: 64,
      saying: "input 2 of example 1 is nan")
    expectError(
      try CommandRunner.run(["trace", "--input", "0.5,inf", "--target", "1,0"]), status: 64,
      saying: "input 2 of example 1 is inf")
    expectError(
      try CommandRunner.run(["trace", "--input", "0.5", "--target", "1,0"]), status: 64,
      saying: "--input 1 ('0.5') has 1 values but the network needs 2")
    expectError(
      try CommandRunner.run(["trace", "--input", "1,2"]), status: 64,
      saying: "every --input needs a --target")
    expectError(
      try CommandRunner.run(["trace", "--lambda=-1"]), status: 64, saying: "--lambda must be")
    expectError(
      try CommandRunner.run(["trace", "--layers", "3--3"]), status: 64,
      saying: "no size for layer 2")
    expectError(
      try CommandRunner.run(["trace", "--examples", "3", "--input", "1,2", "--target", "1,0"]),
      status: 64,
      saying: "give it or --input/--target, not both")
    expectError(
      try CommandRunner.run(["trace", "--layers", "30-30-30"]), status: 64,
      saying: "takes at most 1000")
    expectError(
      try CommandRunner.run(["trace", "--examples", "1000000"]), status: 64,
      saying: "--examples must be from 1 to 100")
    expectError(
      try CommandRunner.run(["trace", "--init-weights", directory.path]), status: 66,
      saying: "is a directory")
  }

  @Test(arguments: [
    [String](),
    ["--layers", "2-4-3-2", "--lambda", "1", "--activation", "tanh", "--cost", "mse"],
    ["--layers", "4-3", "--activation", "relu", "--backprop", "reference", "--examples", "1"],
  ])
  func gradcheckPasses(arguments: [String]) throws {
    let result = try CommandRunner.run(["gradcheck"] + arguments)
    #expect(result.status == 0, "\(result.standardOutput)")
    let verdict = try #require(
      lines(result.standardOutput, matching: "^PASS: relative difference").first)
    let difference = try #require(
      verdict.firstMatch(of: /difference ([0-9.e+-]+) </).map { Double($0.1)! })
    #expect(difference < 1e-9)
    #expect(lines(result.standardOutput, matching: #"^\s+all\s"#).count == 1)
    #expect(
      lines(result.standardOutput, matching: #"^\s+Θ\(1\)\[1,1\]\s+-?0\.\d{12}\s+-?0\.\d{12}$"#)
        .count == 1)
  }

  @Test func gradcheckRefusesBadOptions() throws {
    expectError(
      try CommandRunner.run(["gradcheck", "--layers", "0-3"]), status: 64, saying: "has 0 units")
    expectError(
      try CommandRunner.run(["gradcheck", "--examples", "0"]), status: 64,
      saying: "--examples must be 1 or more")
    expectError(
      try CommandRunner.run(["gradcheck", "--cost", "hinge"]), status: 64, saying: "hinge")
    expectError(
      try CommandRunner.run(["gradcheck", "--layers", "30-30-30", "--examples", "100000"]),
      status: 64,
      saying: "too slow")
  }

  @Test(arguments: [
    ["--mistake", "no-average"], ["--mistake", "regularized-bias", "--lambda", "1"],
    ["--mistake", "slide-lambda", "--lambda", "3"],
  ])
  func gradcheckFailsOnAMistakeMadeOnPurpose(arguments: [String]) throws {
    let result = try CommandRunner.run(["gradcheck"] + arguments)
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("Mistake made on purpose"))
    let verdict = try #require(lines(result.standardOutput, matching: "^FAIL: ").first)
    let difference = try #require(
      verdict.firstMatch(of: /(?:difference|differs by) ([0-9.e+-]+) ≥/).map { Double($0.1)! })
    #expect(difference > 1e-6)
  }

  @Test func helpAndVersionExitZero() throws {
    let help = try CommandRunner.run(["--help"])
    #expect(help.status == 0)
    #expect(help.standardOutput.contains("shapes") && help.standardOutput.contains("gradcheck"))
    let version = try CommandRunner.run(["--version"])
    #expect(version.status == 0 && version.standardOutput.contains("0.1.0"))
  }
}
