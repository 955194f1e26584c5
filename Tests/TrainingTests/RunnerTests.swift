import Backprop
import Datasets
import Foundation
import TestSupport
import Testing
import Tracking

@testable import Training

/// The runner against gradient descent done by hand with `Backprop`.
struct RunnerTests {
  static func csv(_ text: String, in folder: URL) throws -> String {
    let url = folder.appendingPathComponent("\(UUID().uuidString).csv")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  static let weightsJSON = Data(
    #"{"theta": [[[0.1, -0.2, 0.3], [0.05, 0.4, -0.1]], [[-0.3, 0.2, 0.1], [0.2, -0.1, 0.5]]]}"#
      .utf8)

  /// With recording off (the benchmarks' switch) the run trains and
  /// finishes, and no epoch is written.
  @Test(arguments: Backend.tested)
  func recordingOffWritesNoEpochs(_ backend: Backend) throws {
    let plan = TrainingPlan(
      layers: .hidden([3]), epochs: 5, validationFraction: 0, gradientChecks: .never)
    let prepared = try Runner.prepare(plan, on: .builtIn(name: "xor", examples: 40, seed: 1))
    let database = try backend.newStore()
    var runner = Runner(database: database)
    runner.recordsEpochs = false
    let report = try runner.train(prepared, provenance: .init(nnlabVersion: "test"))
    #expect(report.outcome == .finished && report.run.status == .finished)
    #expect(try database.epochs(of: report.run.id).isEmpty)
  }

  /// A 2-2-2 mse run from given weights, one epoch: row 0 holds J(Θ₀), and the snapshot of
  /// epoch 1 is Θ₀ − α·D(Θ₀), both computed here directly with Backprop.
  @Test(arguments: Backend.tested)
  func oneEpochIsOneStepOfDescent(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try Self.csv("x1,x2,t1,t2\n0.5,1,1,0\n-1,0.25,0,0.5\n2,-0.5,0.75,1\n", in: folder)
    let plan = TrainingPlan(
      layers: .architecture([2, 2, 2]), cost: .mse, learningRate: 0.7, lambda: 0.3, epochs: 1,
      validationFraction: 0, scaling: ScalingMethod.none, gradientChecks: .never)
    let source = DataSource.csv(path: path, columns: CSVColumns(targets: ["t1", "t2"]))
    let database = try backend.newStore()
    let report = try Runner(database: database).train(
      try Runner.prepare(plan, on: source, initialWeights: Self.weightsJSON),
      provenance: .init(nnlabVersion: "test"))
    #expect(report.outcome == .finished)

    // Directly: the same examples in the runner's order, the same weights.
    let prepared = try PreparedData(
      try source.load(), validationFraction: 0, trainExamples: nil, scaling: ScalingMethod.none,
      seed: plan.seed)
    let theta0 = try Network(weightsJSON: Self.weightsJSON)
    let objective = try Objective(cost: .mse, lambda: 0.3)
    let direct = try objective.gradient(of: theta0, on: prepared.training)
    var theta1 = theta0
    theta1.descend(along: direct.gradients, learningRate: 0.7)

    let epochs = try database.epochs(of: report.run.id)
    #expect(epochs.map(\.epoch) == [0, 1])
    #expect(abs(epochs[0].cost - direct.cost) <= 1e-15 * direct.cost)
    #expect(abs(epochs[0].trainError - direct.dataCost) <= 1e-15 * direct.dataCost)
    let snapshot = try database.snapshot(of: report.run.id, atOrBefore: 1)
    #expect(snapshot.map(\.epoch) == [1, 1])
    for (stored, expected) in zip(snapshot, theta1.thetas.elements) {
      #expect(try stored.values() == expected.elements)  // the same arithmetic: the same bits
    }
    #expect(
      try database.snapshot(of: report.run.id, atOrBefore: 0).first?.values()
        == theta0.thetas[1].elements)

    // Epoch 0's layer rows: ‖D^(l)‖, ‖Θ^(l)‖, α‖D^(l)‖/‖Θ^(l)‖, and the share of sigmoid
    // units of layer l + 1 below 0.01 or above 0.99; and ‖D‖ over all layers.
    let layers = try database.layerEpochs(of: report.run.id).filter { $0.epoch == 0 }
    let forward = theta0.forwardPropagate(prepared.training.inputs)
    for row in layers {
      let (gradient, theta) = (direct.gradients[row.layer], theta0.thetas[row.layer])
      #expect(abs(row.gradientNorm - gradient.frobeniusNorm) <= 1e-15 * gradient.frobeniusNorm)
      #expect(row.weightNorm == theta.frobeniusNorm)
      #expect(abs(row.updateRatio - 0.7 * gradient.frobeniusNorm / theta.frobeniusNorm) <= 1e-15)
      let units = forward.activations[row.layer + 1].elements
      #expect(
        row.saturation == Double(units.filter { $0 < 0.01 || $0 > 0.99 }.count)
          / Double(units.count))
    }
    #expect(layers.map(\.layer) == [1, 2])
    let norm =
      (direct.gradients[1].frobeniusNorm * direct.gradients[1].frobeniusNorm
      + direct.gradients[2].frobeniusNorm * direct.gradients[2].frobeniusNorm).squareRoot()
    #expect(abs(epochs[0].gradientNorm - norm) <= 1e-15 * norm)
  }

  @Test(arguments: Backend.tested)
  func everyEpochIsRecordedWithFiniteFiguresAndTheWeightsItHeld(_ backend: Backend) throws {
    let plan = TrainingPlan(
      layers: .hidden([4]), learningRate: 1, lambda: 0.1, epochs: 12, seed: 3,
      validationFraction: 0.25,
      snapshotEvery: 5, gradientChecks: .every(6))
    let source = DataSource.builtIn(name: "xor", examples: 80, seed: 1)
    let database = try backend.newStore()
    let prepared = try Runner.prepare(plan, on: source)
    let report = try Runner(database: database).train(
      prepared, provenance: .init(nnlabVersion: "test"))
    let run = report.run
    #expect(run.status == .finished && run.lastEpoch == 12)
    let epochs = try database.epochs(of: run.id)
    #expect(epochs.map(\.epoch) == Array(0...12))
    for epoch in epochs {
      let figures = [
        epoch.cost, epoch.trainError, epoch.validationError, epoch.trainAccuracy,
        epoch.gradientNorm,
      ]
      #expect(figures.allSatisfy { $0?.isFinite == true })
    }
    #expect(try database.layerEpochs(of: run.id).count == 13 * 2)
    #expect(try database.snapshotEpochs(of: run.id) == [0, 5, 10, 12])
    #expect(try database.gradientChecks(of: run.id).map(\.epoch) == [0, 0, 6, 6, 12, 12])

    // The same descent by hand: the snapshots are the weights the runner held.
    let objective = try Objective(cost: .crossEntropy, lambda: 0.1)
    var network = prepared.network
    for epoch in 0...12 {
      if [0, 5, 10, 12].contains(epoch) {
        let stored = try database.snapshot(of: run.id, atOrBefore: epoch)
        #expect(
          try stored.map { try $0.values() } == network.thetas.elements.map(\.elements),
          "epoch \(epoch)")
      }
      network.descend(
        along: try objective.gradient(of: network, on: prepared.data.training).gradients,
        learningRate: 1)
    }
    #expect(report.storageSeconds > 0 && report.storageSeconds < report.seconds)
  }

  @Test(arguments: Backend.tested)
  func threadsChangeNoBit(_ backend: Backend) throws {
    let plan = TrainingPlan(layers: .hidden([25]), epochs: 3, gradientChecks: .never)
    let prepared = try Runner.prepare(plan, on: .builtIn(name: "glyphs", examples: 1000, seed: 1))
    var weights: [[[Double]]] = []
    for threads in [1, 2] {
      let database = try backend.newStore()
      var runner = Runner(database: database)
      runner.threads = threads
      let report = try runner.train(prepared, provenance: .init(nnlabVersion: "test"))
      weights.append(try database.snapshot(of: report.run.id).map { try $0.values() })
    }
    #expect(weights[0] == weights[1] && !weights[0].isEmpty)
  }

  @Test(arguments: Backend.tested)
  func aDivergingRunStopsWithItsEpochAndRate(_ backend: Backend) throws {
    let plan = TrainingPlan(
      layers: .hidden([8]), activation: .relu, learningRate: 100, lambda: 0, epochs: 300,
      gradientChecks: .never)
    let database = try backend.newStore()
    let report = try Runner(database: database).train(
      try Runner.prepare(plan, on: .builtIn(name: "spirals", examples: 60, seed: 1)),
      provenance: .init(nnlabVersion: "test"))
    guard case .diverged(let epoch, let reason) = report.outcome else {
      Issue.record("did not diverge: \(report.outcome)")
      return
    }
    #expect(report.run.status == .diverged && report.run.divergedEpoch == epoch)
    #expect(reason.contains("α = 100"))
    #expect(try database.epochs(of: report.run.id).map(\.epoch) == Array(0..<epoch))
  }

  @Test func badPlansAreRefusedBeforeAnyRun() throws {
    let source = DataSource.builtIn(name: "xor", examples: 40, seed: 1)
    let cases: [(TrainingPlan, String)] = [
      (TrainingPlan(learningRate: 0), "lr must be"),
      (TrainingPlan(learningRate: .nan), "lr must be"),
      (TrainingPlan(lambda: -1), "lambda must be"),
      (TrainingPlan(epochs: -1), "epochs must be"),
      (TrainingPlan(validationFraction: 1), "validation must be"),
      (TrainingPlan(layers: .architecture([3, 4, 2])), "layers 3-4-2 takes 3 inputs"),
    ]
    for (plan, message) in cases {
      do {
        _ = try Runner.prepare(plan, on: source)
        Issue.record("accepted: \(message)")
      } catch let error as TrainingError {
        // The library names the hyperparameter as a sweep file does; the command line adds --.
        #expect(error.description.hasPrefix(message), "\(error)")
      }
    }
    #expect(throws: TrainingError.self) {
      try Runner.prepare(
        TrainingPlan(layers: .architecture([2, 3, 2])), on: source, initialWeights: Self.weightsJSON
      )
    }
    #expect(throws: DatasetError.self) {
      try Runner.prepare(TrainingPlan(), on: .csv(path: "nosuch", columns: .init()))
    }
  }
}

/// `LastData`, which a sweep and a worker use to split and scale their data once for plans that
/// differ only in λ or α: every other change must prepare the data again.
struct LastDataTests {
  static let source = DataSource.builtIn(name: "spirals", examples: 200, seed: 1)

  @Test func keptDataIsReusedOnlyForAPlanThatPreparesItAlike() throws {
    let dataset = try Self.source.load()
    let otherSource = DataSource.builtIn(name: "spirals", examples: 200, seed: 2)
    let other = try otherSource.load()
    let base = TrainingPlan(lambda: 1, seed: 1, validationFraction: 0.2, scaling: .standard)
    let plans: [(TrainingPlan, DataSource, Dataset)] = [
      (base, Self.source, dataset),
      (
        TrainingPlan(learningRate: 3, lambda: 0.1, seed: 1, scaling: .standard), Self.source,
        dataset
      ),
      (TrainingPlan(seed: 2, validationFraction: 0.2, scaling: .standard), Self.source, dataset),
      (TrainingPlan(seed: 2, validationFraction: 0.3, scaling: .standard), Self.source, dataset),
      (
        TrainingPlan(seed: 2, validationFraction: 0.3, trainExamples: 50, scaling: .standard),
        Self.source, dataset
      ),
      (
        TrainingPlan(seed: 2, validationFraction: 0.3, trainExamples: 50, scaling: .minmax),
        Self.source, dataset
      ),
      (
        TrainingPlan(seed: 2, validationFraction: 0.3, trainExamples: 50, scaling: .minmax),
        otherSource, other
      ),
    ]
    let last = LastData()
    for (index, (plan, source, data)) in plans.enumerated() {
      let kept = try last.prepared(data, from: source, for: plan)
      let fresh = try PreparedData(data, for: plan)
      #expect(kept.trainingRows == fresh.trainingRows, "plan \(index)")
      #expect(kept.validationRows == fresh.validationRows, "plan \(index)")
      #expect(kept.scaling == fresh.scaling, "plan \(index)")
      #expect(kept.training.inputs == fresh.training.inputs, "plan \(index)")
    }
  }

  /// A dataset whose every feature is `value`, under one name and SHA-256 whatever the value.
  static func dataset(_ value: Double) -> Dataset {
    Dataset(
      name: "made.csv", sha256: String(repeating: "a", count: 64), featureNames: ["x", "y"],
      outputs: .classes(["0", "1"]), inputs: Matrix(rows: 20, columns: 2, repeating: value),
      targets: Matrix(rows: 20, columns: 2) { i, j in i % 2 == j ? 1 : 0 })
  }

  /// The kept data comes back for the same source, hash and recipe (these two datasets differ
  /// only where nothing in the key can see, so getting the first back shows it was reused),
  /// and not for the same file read with other columns, which has the same hash.
  @Test func keptDataIsReusedForTheSameSourceOnly() throws {
    let plan = TrainingPlan(validationFraction: 0, scaling: ScalingMethod.none)
    let columns = DataSource.csv(path: "made.csv", columns: CSVColumns(features: ["x", "y"]))
    let otherColumns = DataSource.csv(path: "made.csv", columns: CSVColumns(features: ["y", "x"]))
    let last = LastData()
    _ = try last.prepared(Self.dataset(1), from: columns, for: plan)
    let reused = try last.prepared(Self.dataset(2), from: columns, for: plan)
    #expect(reused.training.inputs == Self.dataset(1).inputs)
    let reread = try last.prepared(Self.dataset(3), from: otherColumns, for: plan)
    #expect(reread.training.inputs == Self.dataset(3).inputs)
  }
}
