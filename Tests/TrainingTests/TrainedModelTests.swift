import Backprop
import Datasets
import Foundation
import Synchronization
import TestSupport
import Testing
import Tracking

@testable import Training

/// A run's model reads other data by column name, and a run on features a double can barely
/// hold trains, resumes and loads.
struct TrainedModelTests {
  static let plan = TrainingPlan(
    layers: .hidden([3]), epochs: 6, validationFraction: 0.25, gradientChecks: .never)

  /// A run on `text` as a CSV file in `folder`, trained to the end, or stopped after epoch
  /// `stop`.
  static func train(
    _ text: String, plan: TrainingPlan = plan, stoppingAfter stop: Int? = nil,
    in database: any RunStore, folder: URL
  ) throws -> Runner.Report {
    let prepared = try Runner.prepare(
      plan, on: .csv(path: try RunnerTests.csv(text, in: folder), columns: CSVColumns()))
    var runner = Runner(database: database)
    let epochs = Mutex(0)
    runner.onEpoch = { _ in epochs.withLock { $0 += 1 } }
    runner.shouldStop = { stop.map { stop in epochs.withLock { $0 } > stop } ?? false }
    return try runner.train(prepared, provenance: .init(nnlabVersion: "test"))
  }

  static let data = "a,b,y\n1,0.5,p\n2,0.25,q\n3,1,p\n4,0.75,q\n5,0,p\n6,0.5,q\n7,1,p\n8,0.25,q\n"

  /// The default label, the last column, is stored by name.
  @Test(arguments: Backend.tested)
  func aRunRecordsItsLabelColumnByName(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let database = try backend.newStore()
    let report = try Self.train(Self.data, in: database, folder: folder)
    let source = try DataSource(json: try #require(report.run.spec.dataSource))
    guard case .csv(_, let columns) = source else {
      Issue.record("\(source)")
      return
    }
    #expect(columns == CSVColumns(label: "y"))
  }

  /// A run recorded before the label's name was (nil: the last column of its file) asks for
  /// it, and reads the data by name once given.
  @Test(arguments: Backend.tested)
  func aRunWithoutItsLabelsNameAsksForIt(_ backend: Backend) throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let database = try backend.newStore()
    let report = try Self.train(Self.data, in: database, folder: folder)
    var model = try TrainedModel.load(run: report.run.id, from: database)
    var older = model.run
    older.spec.dataSource = try JSONText.encode(
      DataSource.csv(path: "/gone.csv", columns: CSVColumns()))
    model = TrainedModel(
      run: older, epoch: model.epoch, network: model.network, scaling: model.scaling,
      featureNames: model.featureNames, outputs: model.outputs)
    let permuted = try RunnerTests.csv("y,b,a\np,0.5,1\nq,0.25,2\n", in: folder)
    #expect(
      throws: TrainingError.invalidSettingInput(
        key: "label",
        problem: " is needed: run \(report.run.id) does not record the name of its label column")
    ) { try model.load(permuted) }
    #expect(try model.load(permuted, label: "y").targets.rowArrays == [[1, 0], [0, 1]])
  }

  /// Features near 1e200 (standard) and over the whole range of doubles (minmax): the run
  /// finishes with a finite scaling that loads again, and a run stopped and resumed ends on
  /// the same bits as the one that was not.
  @Test(arguments: [
    (ScalingMethod.standard, [1e200, -3e200, 2e200, 5e199]),
    (ScalingMethod.minmax, [-1.7e308, 1.7e308, 0, 1e308]),
  ])
  func hugeFeaturesTrainResumeAndLoad(method: ScalingMethod, values: [Double]) throws {
    var text = "a,b,y\n"
    for i in 0..<16 { text += "\(values[i % 4]),\(Double(i) / 16),\(i % 3 == 0 ? "p" : "q")\n" }
    var plan = Self.plan
    plan.scaling = method
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let database = try RunDatabase.inMemory()
    let whole = try Self.train(text, plan: plan, in: database, folder: folder)
    #expect(whole.outcome == .finished)
    let stopped = try Self.train(
      text, plan: plan, stoppingAfter: 2, in: database, folder: folder)
    #expect(stopped.run.status == .interrupted)
    let resumed = try Runner(database: database).resume(stopped.run.id)
    #expect(resumed.outcome == .finished)
    let ends = try [whole, resumed].map {
      try database.snapshot(of: $0.run.id).map { try $0.values() }
    }
    #expect(!ends[0].isEmpty && ends[0] == ends[1])
    let model = try TrainedModel.load(run: whole.run.id, from: database)
    #expect(model.scaling.firstNonFiniteFeature == nil && model.scaling.unit?[1] == 1)
    let evaluation = try model.evaluate(on: try model.load(try RunnerTests.csv(text, in: folder)))
    #expect(evaluation.cost.isFinite && evaluation.examples == 16)
  }
}

/// JSON cannot hold a number that is not finite: encoding one is an error naming where it is,
/// never a silent null.
@Test func aNonFiniteNumberIsNotWrittenAsJSON() throws {
  struct Figures: Encodable { let cost: Double }
  #expect(try JSONText.encode(Figures(cost: 1.5)) == #"{"cost":1.5}"#)
  #expect(throws: TrainingError.invalidInput("cost is inf, which JSON cannot hold")) {
    try JSONText.encode(Figures(cost: .infinity))
  }
}
