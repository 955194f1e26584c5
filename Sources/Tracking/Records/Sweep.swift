import GRDB

/// A row of `sweeps`: a grid of runs made together.
public struct Sweep: Codable, Sendable, Equatable {
  public var id: Int64
  public var name: String?
  /// The grid as JSON, as the sweep was asked for.
  public var spec: String
  public var createdAt: String
}

extension Sweep: FetchableRecord, TableRecord {
  public static let databaseTableName = "sweeps"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let id = Column("id")
    public static let createdAt = Column("created_at")
  }
}
