import Foundation

/// The layer sizes s1-s2-…-sL of a fully-connected network (bias units not counted).
public struct Architecture: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// The most weights one network may have (800 MB of `Double`); larger is surely a typo.
  public static let maximumParameterCount = 100_000_000

  /// s_l for l = 1…L: `layerSizes[0]` is s1, the number of inputs.
  public let layerSizes: [Int]

  /// An architecture of the given sizes.
  /// - Throws: `BackpropError.invalidArchitecture` for fewer than two layers, a size below 1,
  ///   or more than `maximumParameterCount` weights.
  public init(layerSizes: [Int]) throws {
    let written = layerSizes.map(String.init).joined(separator: "-")
    guard layerSizes.count >= 2 else {
      throw BackpropError.invalidArchitecture(
        "architecture '\(written)' has \(layerSizes.count) layer\(layerSizes.count == 1 ? "" : "s");"
          + " a network needs an input and an output layer at least, e.g. 3-3 or 400-25-10")
    }
    if let l = layerSizes.firstIndex(where: { $0 < 1 }) {
      throw BackpropError.invalidArchitecture(
        "layer \(l + 1) of architecture '\(written)' has \(layerSizes[l]) units; every layer needs 1 or more"
      )
    }
    // Counted in Double, which cannot overflow here, before any Int product can.
    let weights = zip(layerSizes, layerSizes.dropFirst()).reduce(0.0) {
      $0 + Double($1.1) * (Double($1.0) + 1)
    }
    guard weights <= Double(Self.maximumParameterCount) else {
      throw BackpropError.invalidArchitecture(
        "architecture '\(written)' has more than \(Self.maximumParameterCount) weights")
    }
    self.layerSizes = layerSizes
  }

  /// Parses the course's form `s1-s2-…-sL`, e.g. `400-25-10`.
  /// - Throws: `BackpropError.invalidArchitecture` naming the part that is wrong.
  public init(parsing text: String) throws {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    var sizes: [Int] = []
    for (index, part) in parts.enumerated() {
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty else {
        throw BackpropError.invalidArchitecture(
          "architecture '\(text)' has no size for layer \(index + 1); write the unit counts"
            + " joined by '-', e.g. 400-25-10")
      }
      guard trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let size = Int(trimmed) else {
        throw BackpropError.invalidArchitecture(
          "layer \(index + 1) of architecture '\(text)' is '\(trimmed)', not a whole number of units"
        )
      }
      sizes.append(size)
    }
    try self.init(layerSizes: sizes)
  }

  /// s1, the number of inputs.
  public var inputCount: Int { layerSizes[0] }

  /// sL, the number of outputs.
  public var outputCount: Int { layerSizes[layerSizes.count - 1] }

  /// L, the number of layers including input and output.
  public var layerCount: Int { layerSizes.count }

  /// s_l for the 1-based layer l, as the course writes it.
  public func units(inLayer l: Int) -> Int { layerSizes[l - 1] }

  /// The shape of Θ^(l) for l = 1…L−1: s_{l+1} × (s_l + 1).
  public func thetaShape(_ l: Int) -> (rows: Int, columns: Int) {
    (layerSizes[l], layerSizes[l - 1] + 1)
  }

  /// Σ_l s_{l+1}(s_l + 1), the number of weights including the bias weights.
  public var parameterCount: Int {
    (1..<layerCount).reduce(0) { $0 + thetaShape($1).rows * thetaShape($1).columns }
  }

  /// `s1-s2-…-sL`.
  public var description: String { layerSizes.map(String.init).joined(separator: "-") }
}

extension Architecture: ExpressibleByArrayLiteral {
  /// An architecture written in code, e.g. `[3, 5, 3]`; invalid sizes there are a
  /// programming error, not an input error.
  public init(arrayLiteral sizes: Int...) {
    do {
      try self.init(layerSizes: sizes)
    } catch {
      preconditionFailure("\(error)")
    }
  }
}
