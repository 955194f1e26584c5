import GRDB

/// A row of `tags`.
public struct Tag: Codable, Sendable, Equatable {
  public var runId: Int64
  public var key: String
  public var value: String
}

extension Tag: FetchableRecord, TableRecord {
  public static let databaseTableName = "tags"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let runId = Column("run_id")
    public static let key = Column("key")
  }
}
