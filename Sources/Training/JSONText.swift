import Backprop
import Foundation
import Tracking

/// The JSON nnlab stores with a run (scaling, data source, features, outputs) and prints for
/// scripts: sorted keys, so the same value is always the same text.
public enum JSONText {
  /// - Throws: `TrainingError.invalidInput` for a number that is not finite, which JSON cannot
  ///   hold (a cost that became infinite): never written as null.
  public static func encode(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    do {
      return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch EncodingError.invalidValue(let number, let context) {
      let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
      throw TrainingError.invalidInput(
        "\(path.joined(separator: ".")) is \(number), which JSON cannot hold")
    }
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
