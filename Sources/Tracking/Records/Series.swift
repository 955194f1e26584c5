import Foundation
import GRDB

/// A row of `epochs`: the figures of Θ_e (DESIGN §1 "Epochs, as recorded").
public struct Epoch: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
  public static let databaseTableName = "epochs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

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

/// A row of `layer_epochs`: one Θ^(l) at epoch e.
public struct LayerEpoch: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
  public static let databaseTableName = "layer_epochs"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

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

/// A row of `weight_snapshots`: Θ^(l) at epoch e, in the layout of `SnapshotEncoding`.
public struct WeightSnapshot: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
  public static let databaseTableName = "weight_snapshots"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public var runId: Int64
  public var epoch: Int
  public var layer: Int
  public var rows: Int
  public var cols: Int
  public var data: Data

  /// The rows × cols entries, row-major.
  public func values() throws -> [Double] { try SnapshotEncoding.values(from: data) }
}

/// A row of `gradient_checks`: backpropagation against numerical gradients for one layer.
public struct GradientCheckRow: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
  public static let databaseTableName = "gradient_checks"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public var runId: Int64
  public var epoch: Int
  public var layer: Int
  public var maxAbsDifference: Double
  public var relativeDifference: Double
}

/// A row of `tags`.
public struct Tag: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
  public static let databaseTableName = "tags"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy
    .convertFromSnakeCase

  public var runId: Int64
  public var key: String
  public var value: String
}
