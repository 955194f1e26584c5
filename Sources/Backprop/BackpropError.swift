/// What can be wrong with what a user gives the algorithm: an architecture, weights, examples,
/// a hyperparameter. Each case carries one line that names the input and the problem.
public enum BackpropError: Error, Equatable, CustomStringConvertible {
  /// An architecture string that is not `s1-s2-…-sL` with L ≥ 2 positive sizes.
  case invalidArchitecture(String)
  /// Matrices whose shapes do not fit together (weights, examples, the network).
  case shapeMismatch(String)
  /// A NaN or infinite value where numbers must be finite.
  case nonFiniteValue(String)
  /// A value outside its range: λ < 0, a target outside [0, 1], …
  case outOfRange(String)
  /// A weights file that is not the JSON `{"theta": [Θ1, Θ2, …]}`.
  case malformedWeights(String)

  public var description: String {
    switch self {
    case .invalidArchitecture(let message), .shapeMismatch(let message),
      .nonFiniteValue(let message), .outOfRange(let message),
      .malformedWeights(let message):
      message
    }
  }
}
