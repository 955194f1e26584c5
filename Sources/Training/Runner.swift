import Backprop
import Datasets
import Foundation
import Tracking

/// Trains runs and records every epoch through the storage layer: creates the run, trains it by
/// gradient descent (full-batch, or mini-batches shuffled by a generator derived from the seed
/// and the epoch), records epochs 0…E through a writer thread (each epoch whole, several to a
/// transaction when they come faster than commits), and finishes it with its status.
/// Resumes an interrupted run from its last snapshot so that it ends bitwise where an
/// uninterrupted run would.
public struct Runner: Sendable {
  /// One epoch done, for a progress display.
  public struct Progress: Sendable {
    public let run: Int64
    public let epoch: Int
    public let epochs: Int
    public let cost: Double
    public let validationError: Double?
  }

  /// Who started a run and how, recorded with it.
  public struct Provenance: Sendable {
    public var name: String?
    public var nnlabVersion: String
    public var commandLine: String?
    public var tags: [String: String]

    public init(
      name: String? = nil, nnlabVersion: String, commandLine: String? = nil,
      tags: [String: String] = [:]
    ) {
      self.name = name
      self.nnlabVersion = nnlabVersion
      self.commandLine = commandLine
      self.tags = tags
    }
  }

  /// How a run ended, and its row as it ended.
  public struct Report: Sendable {
    public let run: Run
    public let outcome: RunOutcome
    /// Wall time spent in this process's epoch loop, and the part of it spent writing epochs.
    public let seconds: Double
    public let storageSeconds: Double
    /// The epochs this process recorded.
    public let epochsRecorded: Int
  }

  public let database: any RunStore
  /// Told after every epoch recorded.
  public var onEpoch: @Sendable (Progress) -> Void = { _ in }
  /// Told of what the user should know but that does not stop the run (a failed gradient check).
  public var onWarning: @Sendable (String) -> Void = { _ in }
  /// Asked after each epoch whether to stop (Ctrl-C, SIGTERM: `Interruption`).
  public var shouldStop: @Sendable () -> Bool = { Interruption.isRequested }
  /// Threads for this run's matrix products (`Parallelism.threads`); the results are the same
  /// bits with any number.
  public var threads = 1
  /// Whether epochs are recorded: off only to measure what recording costs (the benchmarks).
  public var recordsEpochs = true
  /// The data of the last run trained, as loaded and as prepared: a worker's next run of the
  /// same sweep reads the same file, mostly split and scaled the same way, and parsing and
  /// preparing it again would cost more than some runs.
  private let lastData = LastData()

  public init(database: any RunStore) {
    self.database = database
  }

  /// A plan checked against its data, ready to become a run: everything that can be wrong
  /// with the input is found before anything is stored.
  public struct Prepared: Sendable {
    public let plan: TrainingPlan
    public let source: DataSource
    public let data: PreparedData
    public let network: Network
  }

  /// Checks `plan`, loads `source`'s data, splits and scales it, and builds the initial network
  /// (from `initialWeights`, a weights file's JSON, or the seeded initialization). Touches no
  /// database.
  /// - Throws: `TrainingError` and `DatasetError`, each one line naming the input.
  public static func prepare(
    _ plan: TrainingPlan, on source: DataSource, initialWeights: Data? = nil
  ) throws -> Prepared {
    try prepare(plan, on: source, dataset: try source.load(), initialWeights: initialWeights)
  }

  /// `prepare` with `source`'s data already loaded (a sweep loads it once for all its runs).
  public static func prepare(
    _ plan: TrainingPlan, on source: DataSource, dataset: Dataset, initialWeights: Data? = nil
  ) throws -> Prepared {
    try prepare(plan, on: source, dataset: dataset, initialWeights: initialWeights, reusing: nil)
  }

  /// `prepare`, taking the split and scaled data from `last` when the plan before prepared
  /// it alike (a sweep's runs mostly differ in λ and α only).
  static func prepare(
    _ plan: TrainingPlan, on source: DataSource, dataset: Dataset, initialWeights: Data? = nil,
    reusing last: LastData?
  ) throws -> Prepared {
    try plan.validate()
    let architecture = try plan.layers.resolved(
      inputs: dataset.inputs.columns, outputs: dataset.outputs.count, dataName: dataset.name)
    let data =
      try last?.prepared(dataset, from: source, for: plan) ?? PreparedData(dataset, for: plan)
    guard let initialWeights else {
      return Prepared(
        plan: plan, source: source, data: data,
        network: Network(architecture: architecture, activation: plan.activation, seed: plan.seed))
    }
    do {
      let network = try Network(
        weightsJSON: initialWeights, activation: plan.activation, architecture: architecture)
      return Prepared(plan: plan, source: source, data: data, network: network)
    } catch let error as BackpropError {
      throw TrainingError.invalidSettingInput(key: "init-weights", problem: ": \(error)")
    }
  }

  /// Creates the run of `prepared` and trains it.
  /// - Throws: `TrackingError` when the database fails.
  public func train(_ prepared: Prepared, provenance: Provenance) throws -> Report {
    let run = try database.createRun(
      prepared.runSpec(provenance: provenance), tags: provenance.tags)
    return try descend(
      run: run.id, plan: prepared.plan, data: prepared.data, network: prepared.network, from: 0,
      recorded: false,
      initialCost: nil)
  }

  /// Continues an `interrupted` run (or a `running` one whose process is gone) from its last
  /// weight snapshot to its planned last epoch.
  /// - Throws: `TrainingError.cannotResume` (no snapshot, data changed), `TrackingError`.
  public func resume(_ id: Int64) throws -> Report {
    let stored = try database.run(id)
    guard stored.status == .interrupted || stored.status == .running else {
      throw TrainingError.cannotResume(
        "run \(id) is \(stored.status.rawValue); only an interrupted run resumes")
    }
    guard try !database.snapshotEpochs(of: id).isEmpty else {
      throw TrainingError.cannotResume("run \(id) has no weight snapshot to resume from")
    }
    return try trainStored(stored)
  }

  /// Trains a run this process claimed from a sweep's queue: from the start, or, when it was
  /// stopped before and re-queued, from its last snapshot.
  public func trainClaimed(_ run: Run) throws -> Report {
    try trainStored(run)
  }

  /// Trains a stored run to its planned last epoch from its last snapshot, or from the start
  /// when it has none.
  private func trainStored(_ stored: Run) throws -> Report {
    let id = stored.id
    let plan = try TrainingPlan(stored: stored.spec)
    guard let sourceJSON = stored.spec.dataSource, let source = try? DataSource(json: sourceJSON)
    else {
      throw TrainingError.cannotResume("run \(id) does not say where its data came from")
    }
    let dataset = try lastData.load(source, expected: stored.spec.datasetSha256)
    guard dataset.sha256 == stored.spec.datasetSha256 else {
      throw TrainingError.cannotResume(
        "the data of run \(id) has changed since it ran (\(dataset.name): SHA-256 \(dataset.sha256.prefix(12))…,"
          + " the run has \(stored.spec.datasetSha256.prefix(12))…)")
    }
    let prepared = try lastData.prepared(dataset, from: source, for: plan)
    let snapshot = try database.snapshot(of: id, atOrBefore: stored.lastEpoch)
    guard let epoch = snapshot.first?.epoch else {
      let architecture = try Architecture(parsing: stored.spec.layers)
      return try descend(
        run: id, plan: plan, data: prepared,
        network: Network(architecture: architecture, activation: plan.activation, seed: plan.seed),
        from: 0,
        recorded: false, initialCost: nil)
    }
    let network = try Network(snapshot: snapshot, activation: plan.activation)
    let resumed = try database.resumeRun(id, fromEpoch: epoch)
    return try descend(
      run: id, plan: plan, data: prepared, network: network, from: epoch, recorded: true,
      initialCost: try database.epoch(0, of: id)?.cost, best: BestEpoch(of: resumed))
  }

  /// The epoch loop from `start` to the plan's last epoch: at each epoch e, the figures of Θ_e,
  /// the step to Θ_{e+1}, then the row of epoch e (and its snapshot when due). When `recorded`,
  /// epoch `start`'s row is already in the database and only its step is taken.
  private func descend(
    run: Int64, plan: TrainingPlan, data: PreparedData, network start: Network, from first: Int,
    recorded: Bool, initialCost: Double?, best: BestEpoch = BestEpoch()
  ) throws -> Report {
    try Parallelism.$threads.withValue(threads) {
      try descendOnThreads(
        run: run, plan: plan, data: data, network: start, from: first, recorded: recorded,
        initialCost: initialCost, best: best)
    }
  }

  private func descendOnThreads(
    run: Int64, plan: TrainingPlan, data: PreparedData, network start: Network, from first: Int,
    recorded: Bool, initialCost: Double?, best: BestEpoch
  ) throws -> Report {
    var initialCost = initialCost
    var best = best
    let objective = try Objective(cost: plan.cost, lambda: plan.lambda)
    var network = start
    let began = DispatchTime.now().uptimeNanoseconds
    var storage: UInt64 = 0
    var recordedHere = 0
    let writer = EpochWriter(
      database: database, run: run, weightCount: start.architecture.parameterCount)
    func finish(_ outcome: RunOutcome) throws -> Report {
      // Every epoch written before the run ends.
      let waiting = DispatchTime.now().uptimeNanoseconds
      try writer.finish()
      storage += DispatchTime.now().uptimeNanoseconds - waiting
      try database.finishRun(run, outcome: outcome)
      return Report(
        run: try database.run(run), outcome: outcome,
        seconds: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9,
        storageSeconds: Double(storage) / 1e9,
        epochsRecorded: recordedHere)
    }
    do {
      for epoch in first...plan.epochs {
        let started = DispatchTime.now().uptimeNanoseconds
        let evaluation = try objective.gradient(of: network, on: data.training)
        let figures = EpochFigures(
          evaluation: evaluation, network: network, objective: objective,
          learningRate: plan.learningRate,
          training: data.training, validation: data.validation,
          classes: data.dataset.outputs.areClasses)
        if initialCost == nil { initialCost = figures.cost }
        if let divergence = figures.divergence(initialCost: initialCost ?? figures.cost) {
          return try finish(
            .diverged(
              epoch: epoch, reason: "\(divergence) (α = \(String(format: "%g", plan.learningRate)))"
            ))
        }
        if plan.gradientChecks.checks(epoch) && !(recorded && epoch == first) {
          try checkGradient(
            run: run, epoch: epoch, network: network, objective: objective, data: data)
        }
        let weights = network.thetas
        if epoch < plan.epochs {
          try step(
            &network, epoch: epoch, plan: plan, objective: objective, data: data,
            fullBatch: evaluation)
        }
        if !(recorded && epoch == first) {
          let writing = DispatchTime.now().uptimeNanoseconds
          let seconds = Double(writing - started) / 1e9
          defer {
            storage += DispatchTime.now().uptimeNanoseconds - writing
            recordedHere += 1
          }
          if recordsEpochs {
            try writer.write(
              record(
                epoch, figures, seconds: seconds, weights: weights,
                snapshot: epoch % plan.snapshotEvery == 0 || epoch == plan.epochs))
          }
          onEpoch(
            Progress(
              run: run, epoch: epoch, epochs: plan.epochs, cost: figures.cost,
              validationError: figures.validationError))
        }
        // The database's best epoch too (`BestEpoch`); with a patience, that of the lowest
        // validation error.
        best.note(
          epoch: epoch, trainError: figures.trainError, validationError: figures.validationError)
        if let patience = plan.patience, let bestEpoch = best.epoch, epoch < plan.epochs,
          epoch - bestEpoch >= patience
        {
          return try finish(.stoppedEarly(epoch: epoch))
        }
        if epoch < plan.epochs && shouldStop() {
          return try finish(.interrupted("stopped by a signal after epoch \(epoch)"))
        }
      }
      return try finish(.finished)
    } catch {
      try? writer.finish()
      try? database.finishRun(run, outcome: .failed("\(error)"))
      throw error
    }
  }

  /// Θ_e → Θ_{e+1}: one step along the full-batch gradient already computed, or one step per
  /// mini-batch in an order shuffled by a generator seeded from (seed, epoch).
  private func step(
    _ network: inout Network, epoch: Int, plan: TrainingPlan, objective: Objective,
    data: PreparedData,
    fullBatch: CostAndGradient
  ) throws {
    guard let batchSize = plan.batchSize, batchSize < data.training.count else {
      network.descend(along: fullBatch.gradients, learningRate: plan.learningRate)
      return
    }
    var generator = SeededGenerator(seed: plan.seed ^ (UInt64(epoch) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    let order = generator.permutation(of: data.training.count)
    for start in stride(from: 0, to: order.count, by: batchSize) {
      let batch = data.training.selecting(Array(order[start..<min(start + batchSize, order.count)]))
      network.descend(
        along: try objective.gradient(of: network, on: batch).gradients,
        learningRate: plan.learningRate)
    }
  }

  /// The numerical check on a few examples and a sample of weights, recorded; a failure is a
  /// warning, not the end of the run. The weights are the run's own, full size, where central
  /// differences themselves err by up to about 10⁻⁸, so the warning comes from
  /// `GradientCheck.layerThreshold` (10⁻⁶) in any layer: a wrong gradient is off by far more.
  private func checkGradient(
    run: Int64, epoch: Int, network: Network, objective: Objective, data: PreparedData
  ) throws {
    let examples = data.training.selecting(Array(0..<min(5, data.training.count)))
    let analytic = try objective.gradient(of: network, on: examples).gradients
    let check = try GradientCheck(
      network: network, examples: examples, objective: objective, analytic: analytic,
      weights: GradientCheck.sample(of: network, count: 20))
    try database.recordGradientCheck(
      check.layers.map { ($0.layer, $0.maxAbsoluteDifference, $0.relativeDifference) }, of: run,
      epoch: epoch)
    if let worst = check.layers.max(by: { $0.relativeDifference < $1.relativeDifference }),
      !(worst.relativeDifference < GradientCheck.layerThreshold)
    {
      onWarning(
        "gradient check failed at epoch \(epoch) of run \(run): D(\(worst.layer)) differs from the numerical"
          + " gradient by \(String(format: "%.2e", worst.relativeDifference)) (relative; at most"
          + " \(GradientCheck.layerThreshold) expected)")
    }
  }

  private func record(
    _ epoch: Int, _ figures: EpochFigures, seconds: Double, weights: Layered<Matrix>, snapshot: Bool
  ) -> EpochRecord {
    EpochRecord(
      epoch: epoch, cost: figures.cost, trainError: figures.trainError,
      validationError: figures.validationError,
      trainAccuracy: figures.trainAccuracy, validationAccuracy: figures.validationAccuracy,
      gradientNorm: figures.gradientNorm, seconds: seconds, layers: figures.layers,
      snapshots: snapshot
        ? weights.layers.map {
          .init(
            layer: $0, rows: weights[$0].rows, columns: weights[$0].columns,
            values: weights[$0].elements)
        }
        : [])
  }
}
