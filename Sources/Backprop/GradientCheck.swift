/// The course's gradient check: every ∂J/∂Θᵢⱼ^(l) estimated by central differences,
///
///     (J(Θᵢⱼ + ε) − J(Θᵢⱼ − ε)) / 2ε,   ε = 10⁻⁴,
///
/// compared with the backpropagated D^(l) by the relative difference ‖num − D‖ / ‖num + D‖,
/// which is below 10⁻⁹ when backpropagation is right.
public struct GradientCheck: Sendable {
  /// ε of the central differences.
  public static let epsilon = 1e-4
  /// The relative difference below which the check passes.
  public static let threshold = 1e-9
  /// How much smaller than the training initialization the weights of a network made up for
  /// a check are. Central differences err by about ε²/6 · ∂³J/∂Θ³; at full-size random
  /// weights that alone reaches 10⁻⁹ on some networks, so the course's `checkNNGradients`
  /// checks weights of 0.1 at most, and so does `network(checking:activation:seed:)`.
  public static let weightScale = 0.1

  /// A network to check backpropagation on: the seeded initialization of `architecture`,
  /// scaled by `weightScale`.
  public static func network(
    checking architecture: Architecture, activation: Activation, seed: UInt64
  ) -> Network {
    Network(architecture: architecture, activation: activation, seed: seed).scaled(by: weightScale)
  }

  /// How far the two gradients of one layer are apart.
  public struct LayerDifference: Sendable {
    /// l, 1-based: the comparison of D^(l).
    public let layer: Int
    /// max over i, j of |numᵢⱼ − Dᵢⱼ|.
    public let maxAbsoluteDifference: Double
    /// ‖num − D‖ / ‖num + D‖ over this layer (0 where both are 0).
    public let relativeDifference: Double
  }

  /// The central-difference estimates, shaped like Θ^(l).
  public let numerical: Layered<Matrix>
  /// The gradients checked.
  public let analytic: Layered<Matrix>
  /// One comparison per layer.
  public let layers: [LayerDifference]
  /// ‖num − D‖ / ‖num + D‖ over all layers together.
  public let relativeDifference: Double
  /// max over all layers of |numᵢⱼ − Dᵢⱼ|.
  public var maxAbsoluteDifference: Double { layers.map(\.maxAbsoluteDifference).max() ?? 0 }
  /// Whether the overall relative difference is below `threshold`.
  public var passed: Bool { relativeDifference < Self.threshold }

  /// Checks `analytic` (for example `objective.gradient(of:on:).gradients`, or a deliberately
  /// wrong one) against central differences of `objective.cost` at `network`.
  /// - Throws: `BackpropError.shapeMismatch` when the examples do not fit the network or
  ///   `analytic` is not shaped like the weights.
  public init(
    network: Network, examples: Examples, objective: Objective, analytic: Layered<Matrix>
  ) throws {
    guard
      analytic.elements.map(\.shapeDescription) == network.thetas.elements.map(\.shapeDescription)
    else {
      throw BackpropError.shapeMismatch("the gradients checked are not shaped like the weights")
    }
    var numerical = network.thetas
    for l in network.thetas.layers {
      let theta = network.thetas[l]
      var estimate = Matrix(rows: theta.rows, columns: theta.columns)
      for i in 0..<theta.rows {
        for j in 0..<theta.columns {
          let plus = network.adjusting(layer: l, row: i, column: j, by: Self.epsilon)
          let minus = network.adjusting(layer: l, row: i, column: j, by: -Self.epsilon)
          estimate[i, j] =
            (try objective.cost(of: plus, on: examples) - objective.cost(of: minus, on: examples))
            / (2 * Self.epsilon)
        }
      }
      numerical[l] = estimate
    }
    self.numerical = numerical
    self.analytic = analytic
    self.layers = numerical.layers.map { l in
      LayerDifference(
        layer: l,
        maxAbsoluteDifference: numerical[l].largestDifference(from: analytic[l]),
        relativeDifference: Self.relativeDifference(numerical[l].elements, analytic[l].elements))
    }
    self.relativeDifference = Self.relativeDifference(
      numerical.elements.flatMap(\.elements), analytic.elements.flatMap(\.elements))
  }

  /// ‖u − v‖ / ‖u + v‖, and 0 when both are zero.
  static func relativeDifference(_ u: [Double], _ v: [Double]) -> Double {
    let difference = zip(u, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    let sum = zip(u, v).reduce(0) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) }.squareRoot()
    return sum == 0 ? (difference == 0 ? 0 : .infinity) : difference / sum
  }
}
