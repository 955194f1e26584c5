import Foundation
import PlainText

/// Weights files: the JSON `{"theta": [Θ1, Θ2, …]}`, each Θ^(l) a list of its rows and
/// column 0 the bias weights — the shapes s_{l+1} × (s_l + 1) of the course.
extension Network {
  /// A weights file's contents: Θ^(1), Θ^(2), … as lists of rows.
  public struct WeightsFile: Codable, Sendable {
    public var theta: [[[Double]]]
  }

  /// A network with the weights of a weights file.
  /// - Parameter architecture: when given, the shapes the weights must have.
  /// - Throws: `BackpropError.malformedWeights` for JSON of another form or with a key twice
  ///   in an object (which JSON readers let pass, keeping one of the two), or
  ///   `BackpropError.shapeMismatch` naming the first Θ^(l) of the wrong shape and the
  ///   shape it must have.
  public init(
    weightsJSON data: Data, activation: Activation = .sigmoid, architecture: Architecture? = nil
  )
    throws
  {
    let file: WeightsFile
    do {
      file = try JSONDecoder().decode(WeightsFile.self, from: data)
    } catch {
      throw BackpropError.malformedWeights(
        "is not a weights file: expected JSON {\"theta\": [Θ1, Θ2, …]}, each Θ a list of rows of numbers"
      )
    }
    if let key = JSONKeys.firstRepeated(in: data) {
      throw BackpropError.malformedWeights(
        "has the key '\(PlainText.escaped(key))' twice in one object; name each key once")
    }
    var thetas: [Matrix] = []
    for (index, rows) in file.theta.enumerated() {
      do {
        thetas.append(try Matrix(rows: rows))
      } catch let error as BackpropError {
        throw BackpropError.shapeMismatch("Θ(\(index + 1)): \(error)")
      }
    }
    if let architecture {
      let actual = thetas.map(\.shapeDescription)
      let expected = (1..<architecture.layerCount).map {
        "\(architecture.thetaShape($0).rows) × \(architecture.thetaShape($0).columns)"
      }
      if let l = actual.indices.first(where: { $0 < expected.count && actual[$0] != expected[$0] })
      {
        throw BackpropError.shapeMismatch(
          "Θ(\(l + 1)) is \(actual[l]) but must be \(expected[l]) for network \(architecture)")
      }
      guard actual.count == expected.count else {
        throw BackpropError.shapeMismatch(
          "there are \(actual.count) weight matrices but network \(architecture) has \(expected.count)"
        )
      }
    }
    try self.init(thetas: thetas, activation: activation)
  }

  /// The weights as a weights file, readable by `init(weightsJSON:)`.
  /// - Throws: `BackpropError.nonFiniteValue` when descent has made a weight NaN or infinite.
  public func weightsJSON() throws -> Data {
    try JSONEncoder().encode(weightsFile())
  }

  /// The weights as a weights file's contents, for JSON that holds them.
  /// - Throws: `BackpropError.nonFiniteValue` when descent has made a weight NaN or infinite.
  public func weightsFile() throws -> WeightsFile {
    guard thetas.elements.allSatisfy(\.isFinite) else {
      throw BackpropError.nonFiniteValue(
        "the weights hold a NaN or infinite value; JSON cannot hold it")
    }
    return WeightsFile(theta: thetas.elements.map(\.rowArrays))
  }
}
