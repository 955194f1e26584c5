import Backprop
import Foundation
import Tracking

/// The JSON nnlab stores with a run (scaling, data source, features, outputs) and prints for
/// scripts: sorted keys, so the same value is always the same text.
public enum JSONText {
  public static func encode(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // Values of strings, numbers and arrays always encode.
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
  }
}

extension Network {
  /// The network of a stored snapshot (its layers in order).
  public init(snapshot: [WeightSnapshot], activation: Activation) throws {
    try self.init(
      thetas: snapshot.map { try Matrix(rows: $0.rows, columns: $0.cols, elements: $0.values()) },
      activation: activation)
  }
}
