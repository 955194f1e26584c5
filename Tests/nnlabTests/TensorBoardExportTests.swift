import Foundation
import TestSupport
import Testing
import Tracking

/// `nnlab export tensorboard`, read back by the real `tensorboard` package from PyPI
/// (Tests/TensorBoardReader), and its folder replaced whole. Where PyPI cannot be reached the
/// tests that read are skipped with a line that says so, but never in CI (`CI` set).
@Suite struct TensorBoardExportTests {
  /// Tests/TensorBoardReader/read.sh.
  static let reader = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("TensorBoardReader/read.sh").path

  static let skipped: Bool = {
    let status = (try? CommandRunner.runProgram(["/bin/bash", reader, "--install"]))?.status
    guard status == 3, ProcessInfo.processInfo.environment["CI"] == nil else { return false }
    print("TensorBoardExportTests skipped: tensorboard could not be installed from PyPI")
    return true
  }()

  /// What TensorBoard read of a folder (Tests/TensorBoardReader/read_export.py).
  struct Read: Decodable {
    struct Run: Decodable {
      let scalars: [String: [[Double]]]
      let histograms: [String: [[Double]]]
    }
    struct Experiment: Decodable {
      let hparams: [String: String]
      let metrics: [String]
    }
    struct Session: Decodable {
      let name: String
      let hparams: [String: HParam]
      let metrics: [String: Double]
      let status: Int
    }
    enum HParam: Decodable, Equatable {
      case number(Double)
      case text(String)
      init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
          self = .number(number)
        } else {
          self = .text(try container.decode(String.self))
        }
      }
    }
    let runs: [String: Run]
    let experiment: Experiment
    let sessions: [Session]
  }

  /// The fixture's runs exported into a new folder, and what TensorBoard read of it.
  static let fixture = Result { () throws -> (folder: URL, read: Read) in
    let folder = try makeTemporaryDirectoryRemovedAtExit().appendingPathComponent("logs")
    let export = try CommandRunner.run(
      ["export", "tensorboard", "--db", try Fixture.path(), "--output", folder.path])
    guard export.status == 0 else { throw Failure(export.standardError) }
    return (folder, try read(folder))
  }

  static func read(_ folder: URL) throws -> Read {
    let read = try CommandRunner.runProgram(["/bin/bash", reader, folder.path])
    guard read.status == 0 else { throw Failure("read.sh: \(read.standardError)") }
    return try JSONDecoder().decode(Read.self, from: Data(read.standardOutput.utf8))
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
  }

  @Test(.enabled(if: !skipped))
  func everyScalarIsTheDatabasesValueAsAFloat32() throws {
    let (_, read) = try Self.fixture.get()
    let store = try Fixture.open()
    let runs = try store.runs()
    #expect(read.runs.count == runs.count)
    for run in runs {
      let scalars = try #require(read.runs["run-\(run.id)"]?.scalars)
      let epochs = try store.epochs(of: run.id)
      let expected: [(String, (Epoch) -> Double?)] = [
        ("cost", \.cost), ("error/train", \.trainError), ("error/validation", \.validationError),
        ("accuracy/train", \.trainAccuracy), ("accuracy/validation", \.validationAccuracy),
        ("gradient_norm", \.gradientNorm),
      ]
      for (tag, value) in expected {
        let series = try #require(scalars[tag], "run \(run.id): no \(tag)")
        let recorded = epochs.filter { value($0) != nil }
        #expect(series.map { Int($0[0]) } == recorded.map(\.epoch), "\(tag)")
        #expect(series.map { Float($0[1]) } == recorded.compactMap { value($0).map(Float.init) })
      }
      // Wall times: the run's start, then each epoch's seconds after the one before.
      let times = try #require(scalars["cost"]).map { $0[2] }
      let start = try #require(run.startedAt.flatMap(Timestamp.date(from:))).timeIntervalSince1970
      #expect(abs(times[0] - (start + epochs[0].seconds)) < 1e-6)
      for index in times.indices.dropFirst() {
        #expect(abs(times[index] - times[index - 1] - epochs[index].seconds) < 1e-6)
      }
      for layer in try store.layerEpochs(of: run.id) {
        for (name, value) in [
          ("gradient_norm", layer.gradientNorm), ("update_ratio", layer.updateRatio),
          ("weight_norm", layer.weightNorm), ("saturation", layer.saturation),
        ] {
          let point = scalars["layer\(layer.layer)/\(name)"]?.first { Int($0[0]) == layer.epoch }
          #expect(
            point.map { Float($0[1]) } == value.map(Float.init), "layer \(layer.layer) \(name)")
        }
      }
    }
  }

  @Test(.enabled(if: !skipped))
  func eachSnapshotsHistogramsCountEveryWeightButTheBiases() throws {
    let (_, read) = try Self.fixture.get()
    let store = try Fixture.open()
    for run in try store.runs() {
      let histograms = try #require(read.runs["run-\(run.id)"]?.histograms)
      let epochs = try store.snapshotEpochs(of: run.id)
      #expect(!epochs.isEmpty)
      for epoch in epochs {
        for theta in try store.snapshot(of: run.id, atOrBefore: epoch) {
          let weights = try theta.weightsWithoutBias()
          let histogram = try #require(
            histograms["layer\(theta.layer)/weights"]?.first { Int($0[0]) == epoch })
          #expect(histogram[1] == Double(weights.count) && histogram[2] == Double(weights.count))
          #expect(histogram[3] == weights.min() && histogram[4] == weights.max())
        }
      }
    }
  }

  @Test(.enabled(if: !skipped))
  func theHParamsTabListsEveryRunWithItsHyperparametersAndMetrics() throws {
    let (_, read) = try Self.fixture.get()
    let store = try Fixture.open()
    let runs = try store.runs()
    #expect(
      read.experiment.hparams == [
        "lambda": "DATA_TYPE_FLOAT64", "learning_rate": "DATA_TYPE_FLOAT64",
        "layers": "DATA_TYPE_STRING", "activation": "DATA_TYPE_STRING",
        "batch_size": "DATA_TYPE_STRING", "seed": "DATA_TYPE_FLOAT64",
        // Some of the fixture's runs train on all the examples, some on a number of them.
        "train_examples": "DATA_TYPE_STRING",
      ])
    #expect(
      Set(read.experiment.metrics) == [
        "final/validation_error", "final/validation_accuracy", "best/validation_error",
        "best/validation_accuracy",
      ])
    #expect(read.sessions.map(\.name).sorted() == runs.map { "run-\($0.id)" }.sorted())
    for run in runs {
      let session = try #require(read.sessions.first { $0.name == "run-\(run.id)" })
      #expect(session.hparams["lambda"] == .number(run.spec.lambda))
      #expect(session.hparams["learning_rate"] == .number(run.spec.learningRate))
      #expect(session.hparams["layers"] == .text(run.spec.layers))
      #expect(session.hparams["activation"] == .text(run.spec.activation))
      #expect(session.hparams["seed"] == .number(Double(run.spec.seed)))
      #expect(session.hparams["batch_size"] == .text("full"))
      #expect(
        session.hparams["train_examples"] == .text(run.spec.trainExamples.map(String.init) ?? "all")
      )
      #expect(session.status == (run.status == .finished ? 1 : 2), "run \(run.id) \(run.status)")
      #expect(
        session.metrics["final/validation_error"].map(Float.init)
          == run.finalValidationError.map(Float.init))
      #expect(
        session.metrics["best/validation_error"].map(Float.init)
          == run.bestValidationError.map(Float.init))
      #expect(
        session.metrics["final/validation_accuracy"].map(Float.init)
          == run.finalValidationAccuracy.map(Float.init))
      // The accuracy at the epoch of the lowest validation error.
      let best = try store.epochs(of: run.id).first { $0.epoch == run.bestEpoch }
      #expect(
        session.metrics["best/validation_accuracy"].map(Float.init)
          == best?.validationAccuracy.map(Float.init))
    }
  }

  /// A database of a run named with `/` and Unicode that trained, and a queued one that did not.
  static func namedAndQueuedRuns() throws -> (db: String, folder: URL) {
    let folder = try makeTemporaryDirectory()
    chmod(folder.path, 0o755)
    let db = folder.appendingPathComponent("n.sqlite").path
    for arguments in [
      ["train", "--data", "xor", "--hidden", "3", "--epochs", "5", "--name", "a/b λ 🙂", "--quiet"],
      ["sweep", "--data", "xor", "--epochs", "5", "--workers", "0", "--quiet"],
    ] {
      let made = try CommandRunner.run(arguments + ["--db", db])
      #expect(made.status == 0, "\(made.standardError)")
    }
    return (db, folder)
  }

  @Test(.enabled(if: !skipped))
  func aRunWithoutEpochsAndANameWithASlashAndUnicodeAreExported() throws {
    let (db, folder) = try Self.namedAndQueuedRuns()
    defer { try? FileManager.default.removeItem(at: folder) }
    let logs = folder.appendingPathComponent("logs")
    let export = try CommandRunner.run(["export", "tensorboard", "--db", db, "--output", logs.path])
    #expect(export.status == 0, "\(export.standardError)")
    #expect(export.standardOutput.hasPrefix("wrote 2 runs to"))
    let read = try Self.read(logs)
    #expect(Set(read.runs.keys) == ["run-1-a_b λ 🙂", "run-2"])
    #expect(read.runs["run-1-a_b λ 🙂"]?.scalars["cost"]?.count == 6)
    #expect(read.runs["run-2"]?.scalars.isEmpty == true)
    // The queued run is a session of its hyperparameters, of no metric and no known end.
    let queued = try #require(read.sessions.first { $0.name == "run-2" })
    #expect(queued.metrics.isEmpty && queued.status == 0)
    let lambda = try RunDatabase.open(path: db, access: .readOnly).run(2).spec.lambda
    #expect(queued.hparams["lambda"] == .number(lambda))
  }

  @Test func exportingAgainReplacesEachRunsFolderWholeAndOnlyWhatAnExportWrote() throws {
    let (db, folder) = try Self.namedAndQueuedRuns()
    defer { try? FileManager.default.removeItem(at: folder) }
    let logs = folder.appendingPathComponent("logs")
    let arguments = ["export", "tensorboard", "--db", db, "--output", logs.path]
    #expect(try CommandRunner.run(arguments).status == 0)
    func contents() throws -> [String: Data] {
      var contents: [String: Data] = [:]
      let enumerator = FileManager.default.enumerator(atPath: logs.path)!
      while let path = enumerator.nextObject() as? String {
        let url = logs.appendingPathComponent(path)
        if !url.hasDirectoryPath { contents[path] = try? Data(contentsOf: url) }
      }
      return contents
    }
    let first = try contents()
    // A folder per run of one event file, and the experiment's: nothing else, nothing hidden.
    #expect(first.count == 3 && first.keys.allSatisfy { $0.contains("tfevents") })
    #expect(try FileManager.default.contentsOfDirectory(atPath: logs.path).count == 3)
    #expect(try CommandRunner.run(arguments).status == 0)
    #expect(try contents() == first)
    // A run's folder holding what no export wrote — a note, another program's event file — is
    // left as it is, and nothing is written: run 1's folder, removed, stays away.
    try FileManager.default.removeItem(at: logs.appendingPathComponent("run-1-a_b λ 🙂"))
    for foreign in ["notes.txt", "events.out.tfevents.1700000000.otherhost"] {
      let file = logs.appendingPathComponent("run-2/\(foreign)")
      try Data("mine".utf8).write(to: file)
      let refused = try CommandRunner.run(arguments)
      #expect(refused.status == 64)
      #expect(
        refused.standardError.hasPrefix(
          "error: \(logs.path)/run-2 is holding \(foreign), not what an export wrote"),
        "\(refused.standardError)")
      #expect(try Data(contentsOf: file) == Data("mine".utf8))
      #expect(!FileManager.default.fileExists(atPath: logs.path + "/run-1-a_b λ 🙂"))
      try FileManager.default.removeItem(at: file)
    }
    // The database named as the folder, and a file as it.
    let database = try CommandRunner.run(["export", "tensorboard", "--db", db, "--output", db])
    #expect(database.status == 64 && database.standardError.contains("is the database"))
    #expect(try CommandRunner.run(["export", "tensorboard", "--db", db]).status == 64)
  }

  @Test func aFolderThatCannotBeWrittenIsOneLineAndExit74() throws {
    guard let wrapper = ReadOnlyDatabaseTests.asNobody else {
      print("skipped: setpriv cannot run nnlab as nobody here")
      return
    }
    let (db, folder) = try Self.namedAndQueuedRuns()
    defer {
      chmod(folder.path, 0o755)
      try? FileManager.default.removeItem(at: folder)
    }
    let logs = folder.appendingPathComponent("logs").path
    try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
    chmod(logs, 0o555)
    for output in [logs, logs + "/inner"] {
      let result = try CommandRunner.run(
        ["export", "tensorboard", "--db", db, "--output", output], wrapper: wrapper)
      #expect(result.status == 74, "\(result.standardError)")
      #expect(
        result.standardError.hasPrefix("error: \(output): cannot be written")
          && result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: logs).isEmpty)
  }
}
