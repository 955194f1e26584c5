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
  /// How to load the data again, as JSON.
  public var dataSource: String?
  /// The feature names in input order, as JSON.
  public var features: String?
  /// What the output units mean, as JSON.
  public var outputs: String?
  /// Check the gradient every N epochs; nil: once, before training; 0: never.
  public var gradcheckEvery: Int?
  /// Stop once the validation error has not improved for this many epochs; nil: never.
  public var patience: Int?

  public init(
    sweepId: Int64? = nil, name: String? = nil, layers: String, activation: String,
    costFunction: String,
    learningRate: Double, lambda: Double, epochs: Int, batchSize: Int? = nil, seed: Int64,
    validationFraction: Double, trainExamples: Int? = nil, snapshotEvery: Int = 1,
    datasetName: String,
    datasetSha256: String, scaling: String? = nil, nnlabVersion: String, commandLine: String? = nil,
    dataSource: String? = nil, features: String? = nil, outputs: String? = nil,
    gradcheckEvery: Int? = nil,
    patience: Int? = nil
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
    self.dataSource = dataSource
    self.features = features
    self.outputs = outputs
    self.gradcheckEvery = gradcheckEvery
    self.patience = patience
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
  /// The lowest train error of the epochs recorded.
  public var bestTrainError: Double?
  /// The epoch of the lowest validation error (of the lowest train error without a split).
  public var bestEpoch: Int?
  public var divergedEpoch: Int?
  /// Whether early stopping ended the run before its planned last epoch.
  public var stoppedEarly: Bool
  /// How many times a process took the run: made running, claimed, reclaimed or resumed.
  public var attempts: Int
  /// When the holder's lease ends unless it writes again (`Lease`); nil when not running.
  public var leaseExpiresAt: String?
}

extension RunSpec: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "runs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy
    .convertToSnakeCase
}

extension Run: Decodable, FetchableRecord, TableRecord {
  public static let databaseTableName = "runs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let id = Column("id")
    public static let sweepId = Column("sweep_id")
    public static let status = Column("status")
  }

  private enum CodingKeys: String, CodingKey {
    case id, status, createdAt, startedAt, finishedAt, heartbeatAt, host, pid, error, lastEpoch,
      finalCost
    case finalTrainError, finalValidationError, finalTrainAccuracy, finalValidationAccuracy
    case bestValidationError, bestTrainError, bestEpoch, divergedEpoch, stoppedEarly
    case attempts, leaseExpiresAt
  }

  /// Decodes the row's spec columns and its own from the same flat row; a value of the wrong
  /// type is an error, not a crash.
  public init(from decoder: any Decoder) throws {
    let row = try decoder.container(keyedBy: CodingKeys.self)
    id = try row.decode(Int64.self, forKey: .id)
    spec = try RunSpec(from: decoder)
    status = try row.decode(RunStatus.self, forKey: .status)
    createdAt = try row.decode(String.self, forKey: .createdAt)
    startedAt = try row.decodeIfPresent(String.self, forKey: .startedAt)
    finishedAt = try row.decodeIfPresent(String.self, forKey: .finishedAt)
    heartbeatAt = try row.decodeIfPresent(String.self, forKey: .heartbeatAt)
    host = try row.decodeIfPresent(String.self, forKey: .host)
    pid = try row.decodeIfPresent(Int.self, forKey: .pid)
    error = try row.decodeIfPresent(String.self, forKey: .error)
    lastEpoch = try row.decodeIfPresent(Int.self, forKey: .lastEpoch)
    finalCost = try row.decodeIfPresent(Double.self, forKey: .finalCost)
    finalTrainError = try row.decodeIfPresent(Double.self, forKey: .finalTrainError)
    finalValidationError = try row.decodeIfPresent(Double.self, forKey: .finalValidationError)
    finalTrainAccuracy = try row.decodeIfPresent(Double.self, forKey: .finalTrainAccuracy)
    finalValidationAccuracy = try row.decodeIfPresent(Double.self, forKey: .finalValidationAccuracy)
    bestValidationError = try row.decodeIfPresent(Double.self, forKey: .bestValidationError)
    bestTrainError = try row.decodeIfPresent(Double.self, forKey: .bestTrainError)
    bestEpoch = try row.decodeIfPresent(Int.self, forKey: .bestEpoch)
    divergedEpoch = try row.decodeIfPresent(Int.self, forKey: .divergedEpoch)
    stoppedEarly = try row.decodeIfPresent(Bool.self, forKey: .stoppedEarly) ?? false
    attempts = try row.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
    leaseExpiresAt = try row.decodeIfPresent(String.self, forKey: .leaseExpiresAt)
  }
}

extension RunSpec {
  /// Refuses values the `runs` checks would refuse, with a message naming the value.
  func validate() throws {
    try name?.requirePrintable(as: "the run name")
    for (name, value) in [
      ("learning_rate", learningRate), ("lambda", lambda),
      ("validation_fraction", validationFraction),
    ]
    where !value.isFinite {
      throw TrackingError.nonFiniteValue("\(name) is \(value)")
    }
    let problems: [(Bool, String)] = [
      (learningRate > 0, "learning_rate must be greater than 0, got \(learningRate)"),
      (lambda >= 0, "lambda must be 0 or more, got \(lambda)"),
      (epochs >= 0, "epochs must be 0 or more, got \(epochs)"),
      ((batchSize ?? 1) >= 1, "batch_size must be 1 or more, got \(batchSize ?? 0)"),
      (
        (0..<1).contains(validationFraction),
        "validation_fraction must be in [0, 1), got \(validationFraction)"
      ),
      ((trainExamples ?? 1) >= 1, "train_examples must be 1 or more, got \(trainExamples ?? 0)"),
      (snapshotEvery >= 1, "snapshot_every must be 1 or more, got \(snapshotEvery)"),
    ]
    if let problem = problems.first(where: { !$0.0 }) {
      throw TrackingError.invalidValue(problem.1)
    }
  }
}
