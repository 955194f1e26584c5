import Backprop
import Datasets
import Foundation
import TestSupport
import Testing
import Tracking

/// `nnlab train`, `resume`, `evaluate`, `predict` and `export` as a user runs them.
@Suite(.serialized)
struct TrainCommandTests {
  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func trainsRecordsAndExports() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("runs.sqlite").path
    let train = try CommandRunner.run([
      "train", "--data", "xor", "--examples", "100", "--hidden", "4", "--lr", "2", "--epochs", "30",
      "--db", db,
      "--json", "--name", "first", "--tag", "purpose=test",
    ])
    #expect(train.status == 0, "\(train.standardError)")
    let summary = try json(train.standardOutput)
    #expect(summary["status"] as? String == "finished" && summary["lastEpoch"] as? Int == 30)
    #expect(summary["layers"] as? String == "2-4-2")
    // The wall time, and the part of it spent recording.
    let seconds = try #require(summary["seconds"] as? Double)
    let recording = try #require(summary["recordingSeconds"] as? Double)
    #expect(seconds > 0 && recording > 0 && recording < seconds)
    // No terminal: no progress bar, one line of how it went.
    #expect(
      train.standardError.hasPrefix("run 1 finished in ")
        && train.standardError.split(separator: "\n").count == 1)

    let epochs = try CommandRunner.run(["export", "epochs", "--run", "1", "--db", db])
    let lines = epochs.standardOutput.split(separator: "\r\n")
    #expect(lines.count == 32 && lines[0].hasPrefix("run_id,epoch,cost"))
    #expect(lines.dropFirst().map { Int($0.split(separator: ",")[1]) } == (0...30).map { $0 })

    let weights = directory.appendingPathComponent("w.json")
    #expect(
      try CommandRunner.run([
        "export", "weights", "--run", "1", "--output", weights.path, "--db", db,
      ]).status == 0)
    let again = try CommandRunner.run([
      "train", "--data", "xor", "--examples", "100", "--hidden", "4", "--epochs", "1",
      "--init-weights", weights.path,
      "--db", db, "--quiet",
    ])
    #expect(again.status == 0, "\(again.standardError)")
    #expect(again.standardOutput.hasPrefix("run 2 finished: 1 of 1 epochs of 2-4-2 on xor"))

    let evaluate = try CommandRunner.run([
      "evaluate", "1", "--data", "xor", "--examples", "50", "--db", db, "--json",
    ])
    #expect(evaluate.status == 0, "\(evaluate.standardError)")
    let evaluation = try json(evaluate.standardOutput)
    #expect(evaluation["examples"] as? Int == 50)
    #expect(((evaluation["confusion"] as? [[Int]])?.flatMap { $0 }.reduce(0, +)) == 50)

    let show = try CommandRunner.run(["show", "1", "--db", db])
    #expect(show.status == 0)
    for line in [
      "run 1 finished: 30 of 30 epochs of 2-4-2 on xor", "tags: purpose=test",
      "name             first",
    ] {
      #expect(show.standardOutput.contains(line), "missing: \(line)")
    }
    let checkLine = #"epoch 0: D\(1\) \d\.\d\de-\d+, D\(2\) \d\.\d\de-\d+ — PASS"#
    #expect(show.standardOutput.range(of: checkLine, options: .regularExpression) != nil)
    // The learning curve ends with epoch 30.
    #expect(show.standardOutput.range(of: #"(?m)^\s+30\s+\d"#, options: .regularExpression) != nil)

    let predict = try CommandRunner.run([
      "predict", "1", "--data", "xor", "--examples", "5", "--db", db,
    ])
    let rows = predict.standardOutput.split(separator: "\r\n")
    #expect(rows.first == "predicted,p_0,p_1" && rows.count == 6)
  }

  /// Through the binary: a 2-2-2 mse run from given weights for one epoch records J(Θ₀) and
  /// Θ₁ = Θ₀ − α·D(Θ₀), computed here directly with Backprop.
  @Test func oneEpochThroughTheBinaryIsOneStepOfDescent() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("data.csv")
    try "x1,x2,t1,t2\n0.5,1,1,0\n-1,0.25,0,0.5\n2,-0.5,0.75,1\n".write(
      to: data, atomically: true, encoding: .utf8)
    let weights = directory.appendingPathComponent("w.json")
    let json =
      #"{"theta": [[[0.1, -0.2, 0.3], [0.05, 0.4, -0.1]], [[-0.3, 0.2, 0.1], [0.2, -0.1, 0.5]]]}"#
    try json.write(to: weights, atomically: true, encoding: .utf8)
    let db = directory.appendingPathComponent("runs.sqlite").path
    let train = try CommandRunner.run([
      "train", "--data", data.path, "--targets", "t1,t2", "--layers", "2-2-2", "--cost", "mse",
      "--init-weights",
      weights.path, "--epochs", "1", "--lr", "0.7", "--lambda", "0.3", "--validation", "0",
      "--scale", "none",
      "--db", db, "--quiet",
    ])
    #expect(train.status == 0, "\(train.standardError)")

    let dataset = try CSVDataset.load(path: data.path, columns: CSVColumns(targets: ["t1", "t2"]))
    let training = try PreparedData(
      dataset, validationFraction: 0, trainExamples: nil, scaling: .none, seed: 1
    ).training
    let theta0 = try Network(weightsJSON: Data(json.utf8))
    let direct = try Objective(cost: .mse, lambda: 0.3).gradient(of: theta0, on: training)
    var theta1 = theta0
    theta1.descend(along: direct.gradients, learningRate: 0.7)

    let epochs = try CommandRunner.run(["export", "epochs", "--run", "1", "--db", db])
      .standardOutput
    let row0 = epochs.split(separator: "\r\n")[1].split(separator: ",")
    #expect(Double(row0[2]) == direct.cost)  // printed in full: the same bits
    let exported = try CommandRunner.run([
      "export", "weights", "--run", "1", "--epoch", "1", "--db", db,
    ])
    #expect(try Network(weightsJSON: Data(exported.standardOutput.utf8)).thetas == theta1.thetas)
  }

  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: CommandRunner.sharedData("digits.csv").path),
      "../shared/data/digits.csv is absent"))
  func trainsOnTheDigitsCSVAndEvaluates() throws {
    let digits = CommandRunner.sharedData("digits.csv")
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("digits.sqlite").path
    let train = try CommandRunner.run([
      "train", "--data", digits.path, "--label", "digit", "--scale", "minmax", "--hidden", "25",
      "--epochs", "40",
      "--db", db, "--json",
    ])
    #expect(train.status == 0, "\(train.standardError)")
    let accuracy = try json(train.standardOutput)["validationAccuracy"] as? Double ?? 0
    #expect(accuracy > 0.5, "validation accuracy \(accuracy) after 40 epochs")
    let evaluate = try CommandRunner.run(["evaluate", "1", "--data", digits.path, "--db", db])
    #expect(evaluate.status == 0 && evaluate.standardOutput.contains("confusion matrix"))
  }

  enum Stop: String, CaseIterable, Sendable {
    case kill, interrupt
  }

  /// Stop a run at a random epoch — SIGKILL full-batch, Ctrl-C (SIGINT) mini-batch — resume it,
  /// and compare its last weights with an uninterrupted run of the same settings: bit for bit.
  @Test(arguments: Stop.allCases)
  func resumeEndsBitwiseWhereAnUninterruptedRunEnds(stop: Stop) throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("resume.sqlite").path
    let arguments =
      [
        "train", "--data", "glyphs", "--examples", "300", "--hidden", "10", "--epochs", "120",
        "--snapshot-every", "3",
        "--gradcheck-every", "4", "--db", db, "--quiet",
      ] + (stop == .interrupt ? ["--batch-size", "64"] : [])
    #expect(try CommandRunner.run(arguments).status == 0)

    let stopAt = Int.random(in: 5...30)
    let stopped = try CommandRunner.start(arguments)
    while try lastEpoch(of: 2, in: db) < stopAt && stopped.isRunning { usleep(5_000) }
    kill(stopped.processIdentifier, stop == .kill ? SIGKILL : SIGINT)
    stopped.waitUntilExit()
    let reached = try lastEpoch(of: 2, in: db)
    #expect(reached < 120, "run 2 finished before it was stopped at \(stopAt)")
    if stop == .interrupt {
      #expect(stopped.terminationStatus == 130, "stopped at \(stopAt)")
      #expect(try RunDatabase.open(path: db, access: .readOnly).run(2).status == .interrupted)
    }

    let resume = try CommandRunner.run(["resume", "2", "--db", db, "--json"])
    #expect(resume.status == 0, "stopped at \(reached): \(resume.standardError)")
    #expect(try json(resume.standardOutput)["lastEpoch"] as? Int == 120)
    let store = try RunDatabase.open(path: db, access: .readOnly)
    let first = try store.snapshot(of: 1).map { try $0.values() }
    let second = try store.snapshot(of: 2).map { try $0.values() }
    #expect(!first.isEmpty && first == second, "stopped at \(reached)")
    #expect(try store.epochs(of: 2).map(\.epoch) == Array(0...120))
    // The summary is the uninterrupted run's, its lowest train error included.
    let bestTrainErrors = try [store.run(1).bestTrainError, store.run(2).bestTrainError]
    let lowest = try store.epochs(of: 2).map(\.trainError).min()
    #expect(lowest != nil && bestTrainErrors == [lowest, lowest])
    #expect(
      try store.gradientChecks(of: 2).map(\.epoch) == (try store.gradientChecks(of: 1).map(\.epoch))
    )
    #expect(try store.check().isEmpty)
  }

  /// The last epoch of a run as `nnlab export epochs` sees it; -1 before there is one.
  func lastEpoch(of run: Int64, in db: String) throws -> Int {
    let epochs = try CommandRunner.run(["export", "epochs", "--run", "\(run)", "--db", db])
    guard epochs.status == 0 else { return -1 }
    return epochs.standardOutput.split(separator: "\r\n").dropFirst().last.flatMap {
      Int($0.split(separator: ",")[1])
    }
      ?? -1
  }

  /// The stored scaling and labels are applied: a run evaluated on its own data, every
  /// example training, gives its final train error.
  @Test func evaluatingOnTheTrainingDataGivesTheTrainError() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("data.csv")
    var text = "x1,x2,kind\n"
    for i in 0..<60 {
      text += "\(Double(i % 7) * 3 + 10),\(Double(i % 5) - 40),\(["b", "a", "c"][i % 3])\n"
    }
    try text.write(to: data, atomically: true, encoding: .utf8)
    let db = directory.appendingPathComponent("runs.sqlite").path
    let train = try CommandRunner.run([
      "train", "--data", data.path, "--hidden", "5", "--epochs", "20", "--validation", "0", "--db",
      db, "--json",
      "--quiet",
    ])
    #expect(train.status == 0, "\(train.standardError)")
    let trainError = try #require(try json(train.standardOutput)["trainError"] as? Double)
    let evaluate = try CommandRunner.run([
      "evaluate", "1", "--data", data.path, "--db", db, "--json",
    ])
    let cost = try #require(try json(evaluate.standardOutput)["cost"] as? Double)
    #expect(abs(cost - trainError) <= 1e-12 * trainError)
    #expect(try json(evaluate.standardOutput)["classes"] as? [String] == ["a", "b", "c"])

    // Predictions from the features alone: a file without the label column.
    let features = directory.appendingPathComponent("features.csv")
    try "x2,x1\n-40,10\n-38,13\n".write(to: features, atomically: true, encoding: .utf8)
    let predict = try CommandRunner.run(["predict", "1", "--data", features.path, "--db", db])
    #expect(predict.status == 0, "\(predict.standardError)")
    let rows = predict.standardOutput.split(separator: "\r\n")
    #expect(rows.first == "predicted,p_a,p_b,p_c" && rows.count == 3)
    #expect(rows.dropFirst().allSatisfy { ["a", "b", "c"].contains($0.split(separator: ",")[0]) })
  }

  @Test func patienceStopsARunThatNoLongerImproves() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("p.sqlite").path
    let result = try CommandRunner.run([
      "train", "--examples", "300", "--train-examples", "50", "--lambda", "0", "--epochs", "400",
      "--patience", "5",
      "--gradcheck-every", "0", "--db", db, "--json", "--quiet",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let summary = try json(result.standardOutput)
    let (last, best) = (summary["lastEpoch"] as? Int ?? 0, summary["bestEpoch"] as? Int ?? 0)
    #expect(summary["status"] as? String == "finished" && summary["stoppedEarly"] as? Bool == true)
    #expect(last < 400 && last - best == 5)
    let refused = try CommandRunner.run([
      "train", "--patience", "3", "--validation", "0", "--db", db,
    ])
    #expect(
      refused.status == 64
        && refused.standardError.contains("--patience watches the validation error"))
  }

  @Test func aDivergingRunExitsOneWithItsEpoch() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let db = folder.appendingPathComponent("d.sqlite").path
    let result = try CommandRunner.run([
      "train", "--data", "spirals", "--examples", "60", "--hidden", "8", "--activation", "relu",
      "--lambda", "0",
      "--lr", "100", "--epochs", "300", "--db", db, "--quiet",
    ])
    #expect(result.status == 1)
    #expect(result.standardError.hasPrefix("error: run 1 diverged at epoch "))
    #expect(result.standardError.contains("α = 100"))
    #expect(result.standardError.split(separator: "\n").count == 1)
  }

  @Test func badInputIsOneLineAndMakesNoRun() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("none.sqlite")
    func file(_ name: String, _ text: String) throws -> String {
      let url = directory.appendingPathComponent(name)
      try text.write(to: url, atomically: true, encoding: .utf8)
      return url.path
    }
    let wrongWeights = try file("w.json", #"{"theta": [[[0, 1, 2]], [[0, 1]]]}"#)
    let cases: [([String], Int32, String)] = [
      (["--data", try file("ragged.csv", "a,b,y\n1,2,0\n3,1\n")], 65, "row 2 of data: 2 fields"),
      (["--data", try file("text.csv", "a,b,y\n1,x,0\n")], 65, "'x' is not a number"),
      (["--data", try file("empty.csv", "")], 65, "is empty"),
      (["--data", try file("header.csv", "a,b,y\n")], 65, "a header but no rows"),
      (["--data", try file("nan.csv", "a,b,y\n1,nan,0\n")], 65, "nan is not a finite number"),
      (["--data", try file("inf.csv", "a,b,y\n1,-inf,0\n")], 65, "-inf is not a finite number"),
      (
        ["--data", try file("nolabel.csv", "a,b,y\n1,2,0\n"), "--label", "kind"], 65,
        "no label column 'kind'"
      ),
      (
        ["--data", try file("targets.csv", "a,t\n1,2\n"), "--targets", "t"], 65,
        "2.0 is outside [0, 1]"
      ),
      (["--data", "xor", "--layers", "3-4-2"], 64, "--layers 3-4-2 takes 3 inputs"),
      (["--lr", "0"], 64, "--lr must be"), (["--lr", "nan"], 64, "--lr must be"),
      (["--lambda=-1"], 64, "--lambda must be"), (["--epochs=-1"], 64, "--epochs must be"),
      (["--validation", "1"], 64, "--validation must be"),
      (
        ["--data", "xor", "--hidden", "3", "--init-weights", wrongWeights], 65,
        "--init-weights: Θ(1) is 1 × 3"
      ),
      (
        ["--data", directory.appendingPathComponent("absent.csv").path], 66,
        "absent.csv: no such file"
      ),
      (["--data", "glyps"], 66, "there is no built-in dataset 'glyps'"),
      (["--lr", "-1"], 64, "--lr must be a finite number greater than 0, got -1.0"),
      (["--data", "xor", "--label", "y"], 64, "--label is for CSV files"),
      (
        ["--data", try file("some.csv", "a,y\n1,0\n2,1\n"), "--examples", "10"], 64,
        "--examples and --data-seed are for the built-in"
      ),
      (["--data", try file("one.csv", "a,y\n1,0\n2,0\n")], 65, "has one class ('0')"),
      (["--data", try file("blank.csv", "a,y\n1,0\n2,\n")], 65, "the label is empty"),
      (["--data", "xor", "--examples", "0"], 64, "--examples must be at least 1, got 0"),
      (
        ["--data", "glyphs", "--examples", "1000000000"], 65,
        "--examples 1000000000 would need about 9.8 TB of memory for glyphs"
      ),
    ]
    for (arguments, status, message) in cases {
      let result = try CommandRunner.run(["train", "--epochs", "1", "--db", db.path] + arguments)
      #expect(result.status == status, "\(arguments): \(result.standardError)")
      #expect(
        result.standardError.hasPrefix("error: ") && result.standardError.contains(message),
        "\(result.standardError)")
      #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
      #expect(!FileManager.default.fileExists(atPath: db.path), "\(arguments) made a database")
    }
  }
}
