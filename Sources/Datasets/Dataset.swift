import Backprop
import Crypto
import Foundation

/// Labelled examples as loaded, before any split or scaling: inputs X (m × n, one example per
/// row) and targets Y (m × k in [0, 1]), with the names of both.
public struct Dataset: Sendable {
  /// `glyphs`, `xor`, `spirals`, or the CSV file's path as given.
  public let name: String
  /// SHA-256 of the file's bytes, or of a built-in's generated values: the data's identity.
  public let sha256: String
  /// The feature columns' names, in input order.
  public let featureNames: [String]
  /// What the output units mean.
  public let outputs: Outputs
  /// The CSV column the classes were read from; nil for built-in data and target columns.
  public let labelColumn: String?
  /// X, m × n, unscaled.
  public let inputs: Matrix
  /// Y, m × k.
  public let targets: Matrix

  public init(
    name: String, sha256: String, featureNames: [String], outputs: Outputs,
    labelColumn: String? = nil, inputs: Matrix, targets: Matrix
  ) {
    self.name = name
    self.sha256 = sha256
    self.featureNames = featureNames
    self.outputs = outputs
    self.labelColumn = labelColumn
    self.inputs = inputs
    self.targets = targets
  }

  /// m, the number of examples.
  public var count: Int { inputs.rows }

  /// The examples at `rows`, in that order.
  public func examples(at rows: [Int]) -> (inputs: Matrix, targets: Matrix) {
    (inputs.rows(at: rows), targets.rows(at: rows))
  }

  /// The hex SHA-256 of `data`.
  static func sha256(of data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }

  /// The hex SHA-256 of generated values: X then Y, float64 little-endian, row-major.
  static func sha256(inputs: Matrix, targets: Matrix) -> String {
    var hash = SHA256()
    for values in [inputs.elements, targets.elements] {
      #if _endian(little)
        values.withUnsafeBytes { hash.update(bufferPointer: $0) }  // already little-endian
      #else
        for value in values {
          withUnsafeBytes(of: value.bitPattern.littleEndian) { hash.update(bufferPointer: $0) }
        }
      #endif
    }
    return hash.finalize().map { String(format: "%02x", $0) }.joined()
  }
}

/// What the output units of a network trained on a dataset mean; stored with a run as
/// `{"classes": [...]}` or `{"targets": [...]}`.
public enum Outputs: Codable, Sendable, Equatable {
  /// One unit per class, one-hot: unit k is the class `classes[k]` (sorted; numbers numerically).
  case classes([String])
  /// One unit per named target column, values in [0, 1].
  case targets([String])

  /// sL, the number of output units.
  public var count: Int {
    switch self {
    case .classes(let names), .targets(let names): names.count
    }
  }

  /// The unit names: class labels or target columns.
  public var names: [String] {
    switch self {
    case .classes(let names), .targets(let names): names
    }
  }

  private enum CodingKeys: String, CodingKey { case classes, targets }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    if let classes = try container.decodeIfPresent([String].self, forKey: .classes) {
      self = .classes(classes)
    } else {
      self = .targets(try container.decode([String].self, forKey: .targets))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .classes(let names): try container.encode(names, forKey: .classes)
    case .targets(let names): try container.encode(names, forKey: .targets)
    }
  }

  /// Whether outputs are classes, so accuracy means something.
  public var areClasses: Bool {
    if case .classes = self { true } else { false }
  }
}
