import Foundation
import Tracking
import Training

/// A database of three small sweeps trained by the runner on the built-in spirals, made once
/// per test process and only read by the tests (the reports' and the dashboard's):
/// 1. λ ∈ {0, 0.03, 30} at α = 3, seeds 1 and 2: a validation curve from high variance to
///    high bias;
/// 2. m ∈ {10, 40, 160} training examples: a learning curve;
/// 3. α ∈ {0.3, 100} with relu: the second diverges.
public enum Fixture {
  private static let made = Result { try make() }

  /// The fixture database's path.
  public static func path() throws -> String { try made.get() }

  /// The fixture, opened read-only.
  public static func open() throws -> RunDatabase {
    try RunDatabase.open(path: try path(), access: .readOnly)
  }

  /// The file's bytes, to show that something left it unchanged.
  public static func bytes() throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: try path()))
  }

  private static func make() throws -> String {
    let directory = try makeTemporaryDirectoryRemovedAtExit()
    let path = directory.appendingPathComponent("fixture.sqlite").path
    let store = try RunDatabase.open(path: path)
    var curve = SweepSpec()
    curve.data = "spirals"
    curve.examples = 120
    curve.hidden = [20]
    curve.epochs = 200
    curve.lambda = [0, 0.03, 30]
    curve.lr = [3]
    curve.seed = [1, 2]
    curve.validation = 0.5
    curve.gradcheckEvery = 0
    curve.snapshotEvery = 50
    var examples = curve
    examples.examples = 400
    examples.lambda = [0]
    examples.seed = [1]
    examples.trainExamples = [10, 40, 160]
    var diverging = curve
    diverging.examples = 60
    diverging.hidden = [8]
    diverging.activation = [.relu]
    diverging.epochs = 40
    diverging.lambda = [0]
    diverging.lr = [0.3, 100]
    diverging.seed = [1]
    let runner = Runner(database: store)
    for spec in [curve, examples, diverging] {
      let runs = try Sweeps.runs(of: spec, provenance: .init(nnlabVersion: "test"))
      let (sweep, _) = try Sweeps.queue(spec, runs: runs, in: store)
      _ = try Sweeps.work(on: sweep.id, with: runner)
    }
    try store.close()
    return path
  }
}
