import GRDB

/// Which runs to list, and in what order.
public struct RunQuery: Sendable, Equatable {
  public var sweep: Int64?
  public var statuses: [RunStatus]?
  public var ids: [Int64]?
  public var sort: RunSortKey
  public var descending: Bool
  public var limit: Int?

  public init(
    sweep: Int64? = nil, statuses: [RunStatus]? = nil, ids: [Int64]? = nil, sort: RunSortKey = .id,
    descending: Bool = false, limit: Int? = nil
  ) {
    self.sweep = sweep
    self.statuses = statuses
    self.ids = ids
    self.sort = sort
    self.descending = descending
    self.limit = limit
  }
}

/// The `runs` columns a listing sorts on (runs without a value come last).
public enum RunSortKey: String, CaseIterable, Sendable {
  case id
  case status
  case learningRate = "learning_rate"
  case lambda
  case lastEpoch = "last_epoch"
  case finalTrainError = "final_train_error"
  case finalValidationError = "final_validation_error"
  case bestValidationError = "best_validation_error"
  case finalValidationAccuracy = "final_validation_accuracy"
}

/// The read path: focused queries for the commands and reports.
extension RunDatabase {
  /// The run with this id.
  /// - Throws: `TrackingError.runNotFound`.
  public func run(_ id: Int64) throws -> Run {
    try read { db in try Self.run(id, db) }
  }

  /// The runs `query` selects, in its order.
  public func runs(_ query: RunQuery) throws -> [Run] {
    try read { db in
      var request = Run.all()
      if let sweep = query.sweep { request = request.filter(Run.Columns.sweepId == sweep) }
      if let statuses = query.statuses {
        request = request.filter(statuses.contains(Run.Columns.status))
      }
      if let ids = query.ids { request = request.filter(keys: ids) }
      let column = Column(query.sort.rawValue)
      // SQLite sorts NULL lowest: descending already puts runs without a value last.
      request = request.order(query.descending ? column.desc : column.ascNullsLast, Run.Columns.id)
      if let limit = query.limit { request = request.limit(limit) }
      return try request.fetchAll(db)
    }
  }

  /// How many runs are in each status (of one sweep, or of all).
  public func statusCounts(in sweep: Int64?) throws -> [RunStatus: Int] {
    try read { db in
      var request = Run.select(Run.Columns.status, count(Run.Columns.id)).group(Run.Columns.status)
      if let sweep { request = request.filter(Run.Columns.sweepId == sweep) }
      let rows = try Row.fetchAll(db, request)
      return Dictionary(
        uniqueKeysWithValues: rows.map { (RunStatus(rawValue: $0[0]) ?? .queued, $0[1]) })
    }
  }

  /// Every epoch row of a run, in order.
  public func epochs(of run: Int64) throws -> [Epoch] {
    try read { db in
      try Epoch.filter(Epoch.Columns.runId == run).order(Epoch.Columns.epoch).fetchAll(db)
    }
  }

  /// One epoch row of a run, or nil.
  public func epoch(_ epoch: Int, of run: Int64) throws -> Epoch? {
    try read { db in
      try Epoch.filter(Epoch.Columns.runId == run && Epoch.Columns.epoch == epoch).fetchOne(db)
    }
  }

  /// Every layer row of a run, by epoch then layer.
  public func layerEpochs(of run: Int64) throws -> [LayerEpoch] {
    try read { db in
      try LayerEpoch.filter(LayerEpoch.Columns.runId == run)
        .order(LayerEpoch.Columns.epoch, LayerEpoch.Columns.layer).fetchAll(db)
    }
  }

  /// The weights Θ^(1)… of the latest snapshot at or before `epoch` (the last one when nil),
  /// by layer; empty when the run has none.
  public func snapshot(of run: Int64, atOrBefore epoch: Int?) throws -> [WeightSnapshot] {
    try read { db in
      let latest = try Int.fetchOne(
        db,
        sql:
          "SELECT MAX(epoch) FROM weight_snapshots WHERE run_id = ? AND (? IS NULL OR epoch <= ?)",
        arguments: [run, epoch, epoch])
      guard let latest else { return [] }
      return try WeightSnapshot.filter(
        WeightSnapshot.Columns.runId == run && WeightSnapshot.Columns.epoch == latest
      )
      .order(WeightSnapshot.Columns.layer).fetchAll(db)
    }
  }

  /// The epochs of a run that have a snapshot.
  public func snapshotEpochs(of run: Int64) throws -> [Int] {
    try read { db in
      try Int.fetchAll(
        db, sql: "SELECT DISTINCT epoch FROM weight_snapshots WHERE run_id = ? ORDER BY epoch",
        arguments: [run])
    }
  }

  /// The gradient checks recorded for a run.
  public func gradientChecks(of run: Int64) throws -> [GradientCheckRow] {
    try read { db in
      try GradientCheckRow.filter(GradientCheckRow.Columns.runId == run)
        .order(GradientCheckRow.Columns.epoch, GradientCheckRow.Columns.layer).fetchAll(db)
    }
  }

  /// The tags of a run, by key.
  public func tags(of run: Int64) throws -> [String: String] {
    try read { db in
      Dictionary(
        uniqueKeysWithValues: try Tag.filter(Tag.Columns.runId == run).fetchAll(db).map {
          ($0.key, $0.value)
        })
    }
  }

  /// The sweep with this id, or the latest one when nil; nil when there is none.
  public func sweep(_ id: Int64?) throws -> Sweep? {
    try read { db in
      if let id { return try Sweep.fetchOne(db, key: id) }
      return try Sweep.order(Sweep.Columns.id.desc).fetchOne(db)
    }
  }

  /// Every sweep, oldest first.
  public func sweeps() throws -> [Sweep] {
    try read { db in try Sweep.order(Sweep.Columns.id).fetchAll(db) }
  }

  /// The distinct data sources of the runs (`runs.data_source`, as JSON): what they were
  /// trained on.
  public func dataSources() throws -> [String] {
    try read { db in
      try String.fetchAll(
        db, sql: "SELECT DISTINCT data_source FROM runs WHERE data_source IS NOT NULL")
    }
  }
}
