import GRDB

/// A row of `epochs`: the figures of Θ_e (docs/design.md, "Epochs, as recorded").
public struct Epoch: Codable, Sendable, Equatable {
  public var runId: Int64
  public var epoch: Int
  /// J(Θ_e) on the training set, regularization included.
  public var cost: Double
  /// J(Θ_e) without regularization on the training set.
  public var trainError: Double
  /// The same on the validation split; nil without one.
  public var validationError: Double?
  public var trainAccuracy: Double?
  public var validationAccuracy: Double?
  /// ‖D(Θ_e)‖ over all layers.
  public var gradientNorm: Double
  /// Wall time spent on this epoch.
  public var seconds: Double
}

extension Epoch: FetchableRecord, TableRecord {
  public static let databaseTableName = "epochs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let runId = Column("run_id")
    public static let epoch = Column("epoch")
  }
}
