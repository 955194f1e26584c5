import Foundation
import GRDB

/// A row of `weight_snapshots`: Θ^(l) at epoch e, in the layout of `SnapshotEncoding`.
public struct WeightSnapshot: Codable, Sendable, Equatable {
  public var runId: Int64
  public var epoch: Int
  public var layer: Int
  public var rows: Int
  public var cols: Int
  public var data: Data

  /// The rows × cols entries, row-major.
  public func values() throws -> [Double] { try SnapshotEncoding.values(from: data) }

  /// The weights λ regularizes: the entries without the bias column (column 0), row-major.
  public func weightsWithoutBias() throws -> [Double] {
    try values().enumerated().filter { $0.offset % cols != 0 }.map(\.element)
  }
}

extension WeightSnapshot: FetchableRecord, TableRecord {
  public static let databaseTableName = "weight_snapshots"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public enum Columns {
    public static let runId = Column("run_id")
    public static let epoch = Column("epoch")
    public static let layer = Column("layer")
  }
}
