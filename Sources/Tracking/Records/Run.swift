import GRDB

/// The status of a run; the `runs.status` values.
public enum RunStatus: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
  case queued, running, finished, failed, diverged, interrupted
}

/// What a run is asked to be: its hyperparameters, data and provenance — the columns of
/// `runs` fixed when the run is made. (Tracking takes plain values: the layers are the text
/// `400-25-10`, the activation and cost their names.)
public struct RunSpec: Codable, Sendable, Equatable {
  public var sweepId: Int64?
  public var name: String?
  public var layers: String
  public var activation: String
  public var costFunction: String
  public var learningRate: Double
  public var lambda: Double
  public var epochs: Int
  /// nil for full-batch gradient descent.
  public var batchSize: Int?
  public var seed: Int64
  public var validationFraction: Double
  /// nil for the whole training split.
  public var trainExamples: Int?
  public var snapshotEvery: Int
  public var datasetName: String
  public var datasetSha256: String
  /// The scaling method and its fitted parameters, as JSON.
  public var scaling: String?
  public var nnlabVersion: String
  public var commandLine: String?

  public init(
    sweepId: Int64? = nil, name: String? = nil, layers: String, activation: String,
    costFunction: String,
    learningRate: Double, lambda: Double, epochs: Int, batchSize: Int? = nil, seed: Int64,
    validationFraction: Double, trainExamples: Int? = nil, snapshotEvery: Int = 1,
    datasetName: String,
    datasetSha256: String, scaling: String? = nil, nnlabVersion: String, commandLine: String? = nil
  ) {
    self.sweepId = sweepId
    self.name = name
    self.layers = layers
    self.activation = activation
    self.costFunction = costFunction
    self.learningRate = learningRate
    self.lambda = lambda
    self.epochs = epochs
    self.batchSize = batchSize
    self.seed = seed
    self.validationFraction = validationFraction
    self.trainExamples = trainExamples
    self.snapshotEvery = snapshotEvery
    self.datasetName = datasetName
    self.datasetSha256 = datasetSha256
    self.scaling = scaling
    self.nnlabVersion = nnlabVersion
    self.commandLine = commandLine
  }
}

/// A row of `runs`: the spec, where the run is in its life, and its summary, which the
/// write path keeps current as epochs land.
public struct Run: Sendable, Equatable {
  public var id: Int64
  public var spec: RunSpec
  public var status: RunStatus
  public var createdAt: String
  public var startedAt: String?
  public var finishedAt: String?
  public var heartbeatAt: String?
  public var host: String?
  public var pid: Int?
  public var error: String?
  /// The last epoch recorded.
  public var lastEpoch: Int?
  public var finalCost: Double?
  public var finalTrainError: Double?
  public var finalValidationError: Double?
  public var finalTrainAccuracy: Double?
  public var finalValidationAccuracy: Double?
  public var bestValidationError: Double?
  /// The epoch of the lowest validation error (of the lowest train error without a split).
  public var bestEpoch: Int?
  public var divergedEpoch: Int?
}

extension RunSpec: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "runs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy
    .convertToSnakeCase
}

extension Run: FetchableRecord, TableRecord {
  public static let databaseTableName = "runs"

  public enum Columns {
    public static let id = Column("id")
    public static let sweepId = Column("sweep_id")
    public static let status = Column("status")
    public static let learningRate = Column("learning_rate")
    public static let lambda = Column("lambda")
    public static let createdAt = Column("created_at")
    public static let heartbeatAt = Column("heartbeat_at")
    public static let host = Column("host")
    public static let pid = Column("pid")
    public static let lastEpoch = Column("last_epoch")
    public static let finalValidationError = Column("final_validation_error")
    public static let bestValidationError = Column("best_validation_error")
  }

  public init(row: Row) throws {
    id = row["id"]
    spec = try RunSpec(row: row)
    status = row["status"]
    createdAt = row["created_at"]
    startedAt = row["started_at"]
    finishedAt = row["finished_at"]
    heartbeatAt = row["heartbeat_at"]
    host = row["host"]
    pid = row["pid"]
    error = row["error"]
    lastEpoch = row["last_epoch"]
    finalCost = row["final_cost"]
    finalTrainError = row["final_train_error"]
    finalValidationError = row["final_validation_error"]
    finalTrainAccuracy = row["final_train_accuracy"]
    finalValidationAccuracy = row["final_validation_accuracy"]
    bestValidationError = row["best_validation_error"]
    bestEpoch = row["best_epoch"]
    divergedEpoch = row["diverged_epoch"]
  }
}
