import GRDB

/// A row of `gradient_checks`: backpropagation against numerical gradients for one layer.
public struct GradientCheckRow: Codable, Sendable, Equatable {
  public var runId: Int64
  public var epoch: Int
  public var layer: Int
  public var maxAbsDifference: Double
  public var relativeDifference: Double
}

extension GradientCheckRow: FetchableRecord, TableRecord {
  public static let databaseTableName = "gradient_checks"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let runId = Column("run_id")
    public static let epoch = Column("epoch")
    public static let layer = Column("layer")
  }
}
