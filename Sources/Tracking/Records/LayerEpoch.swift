import GRDB

/// A row of `layer_epochs`: one Θ^(l) at epoch e.
public struct LayerEpoch: Codable, Sendable, Equatable {
  public var runId: Int64
  public var epoch: Int
  public var layer: Int
  /// ‖D^(l)‖.
  public var gradientNorm: Double
  /// ‖Θ^(l)‖.
  public var weightNorm: Double
  /// α‖D^(l)‖ / ‖Θ^(l)‖.
  public var updateRatio: Double
  /// The share of saturated units in layer l + 1.
  public var saturation: Double?
}

extension LayerEpoch: FetchableRecord, TableRecord {
  public static let databaseTableName = "layer_epochs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let runId = Column("run_id")
    public static let epoch = Column("epoch")
    public static let layer = Column("layer")
  }
}
