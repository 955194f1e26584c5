/// The course's gradient check: every ∂J/∂Θᵢⱼ^(l) estimated by central differences,
///
///     (J(Θᵢⱼ + ε) − J(Θᵢⱼ − ε)) / 2ε,   ε = 10⁻⁴,
///
/// compared with the backpropagated D^(l) by the relative difference ‖num − D‖ / ‖num + D‖,
/// which is below 10⁻⁹ when backpropagation is right.
///
/// A relu unit whose z lies within the ±ε step of 0 has no derivative there, and the estimate
/// straddles the kink: such weights are found (a hidden unit changes sides between Θ + ε and
/// Θ − ε on some example), left out of the comparison and counted in `kinks`.
public struct GradientCheck: Sendable {
  /// ε of the central differences.
  public static let epsilon = 1e-4
  /// The overall relative difference below which the check passes.
  public static let threshold = 1e-9
  /// The relative difference every single layer must stay below as well. A layer whose
  /// gradients are tiny next to J carries the rounding error of J(Θ ± ε), about 10⁻¹⁶·J/ε,
  /// which can exceed 10⁻⁹ of its own size; a real mistake in one layer is off by far more.
  public static let layerThreshold = 1e-6
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

  /// One weight Θᵢⱼ^(l); i and j 0-based, l 1-based as in the course.
  public struct Weight: Sendable, Hashable {
    public let layer: Int
    public let row: Int
    public let column: Int

    public init(layer: Int, row: Int, column: Int) {
      self.layer = layer
      self.row = row
      self.column = column
    }
  }

  /// Up to `count` weights of each Θ^(l), spread evenly over its entries: a sample that keeps
  /// the check cheap on a large network.
  public static func sample(of network: Network, count: Int) -> [Weight] {
    network.thetas.layers.flatMap { l in
      let (rows, columns) = (network.thetas[l].rows, network.thetas[l].columns)
      let total = rows * columns
      let step = max(1, total / max(count, 1))
      return stride(from: 0, to: total, by: step).prefix(count).map {
        Weight(layer: l, row: $0 / columns, column: $0 % columns)
      }
    }
  }

  /// How far the two gradients of one layer are apart (weights on a kink left out).
  public struct LayerDifference: Sendable {
    /// l, 1-based: the comparison of D^(l).
    public let layer: Int
    /// max over i, j of |numᵢⱼ − Dᵢⱼ|.
    public let maxAbsoluteDifference: Double
    /// ‖num − D‖ / ‖num + D‖ over this layer (0 where both are 0).
    public let relativeDifference: Double
  }

  /// The central-difference estimates, shaped like Θ^(l) (outside a sample: the analytic value).
  public let numerical: Layered<Matrix>
  /// The gradients checked.
  public let analytic: Layered<Matrix>
  /// The weights whose estimate straddles a relu kink, left out of the comparison.
  public let kinks: [Weight]
  /// One comparison per layer.
  public let layers: [LayerDifference]
  /// ‖num − D‖ / ‖num + D‖ over all layers together.
  public let relativeDifference: Double
  /// max over all layers of |numᵢⱼ − Dᵢⱼ|.
  public var maxAbsoluteDifference: Double { layers.map(\.maxAbsoluteDifference).max() ?? 0 }
  /// Whether the relative difference is below `threshold` overall and below
  /// `layerThreshold` in every layer.
  public var passed: Bool {
    relativeDifference < Self.threshold
      && layers.allSatisfy { $0.relativeDifference < Self.layerThreshold }
  }

  /// Checks `analytic` (for example `objective.gradient(of:on:).gradients`, or a deliberately
  /// wrong one) against central differences of `objective.cost` at `network`, at every weight
  /// or at the sample `weights`.
  /// - Throws: `BackpropError.shapeMismatch` when the examples do not fit the network or
  ///   `analytic` is not shaped like the weights.
  public init(
    network: Network, examples: Examples, objective: Objective, analytic: Layered<Matrix>,
    weights sample: [Weight]? = nil
  ) throws {
    try network.validate(examples)
    guard analytic.layers == network.thetas.layers,
      analytic.layers.allSatisfy({ analytic[$0].hasSameShape(as: network.thetas[$0]) })
    else {
      throw BackpropError.shapeMismatch("the gradients checked are not shaped like the weights")
    }
    let m = examples.count
    let sampled = sample.map(Set.init)
    var numerical = network.thetas
    var kinks: [Weight] = []
    for l in network.thetas.layers {
      let theta = network.thetas[l]
      var estimate = Matrix(rows: theta.rows, columns: theta.columns)
      for i in 0..<theta.rows {
        for j in 0..<theta.columns {
          if let sampled, !sampled.contains(Weight(layer: l, row: i, column: j)) {
            estimate[i, j] = analytic[l][i, j]
            continue
          }
          let plus = network.adjusting(layer: l, row: i, column: j, by: Self.epsilon)
          let minus = network.adjusting(layer: l, row: i, column: j, by: -Self.epsilon)
          let (forwardPlus, forwardMinus) = (
            plus.forwardPropagate(examples.inputs), minus.forwardPropagate(examples.inputs)
          )
          let costPlus =
            objective.dataCost(of: forwardPlus, targets: examples.targets)
            + objective.regularization(of: plus, exampleCount: m)
          let costMinus =
            objective.dataCost(of: forwardMinus, targets: examples.targets)
            + objective.regularization(of: minus, exampleCount: m)
          estimate[i, j] = (costPlus - costMinus) / (2 * Self.epsilon)
          if network.activation == .relu && Self.crossesKink(forwardPlus, forwardMinus) {
            kinks.append(Weight(layer: l, row: i, column: j))
          }
        }
      }
      numerical[l] = estimate
    }
    self.numerical = numerical
    self.analytic = analytic
    self.kinks = kinks
    let left = Set(kinks)
    let compared = numerical.layers.map { l in
      (0..<numerical[l].elements.count).filter { k in
        let weight = Weight(
          layer: l, row: k / numerical[l].columns, column: k % numerical[l].columns)
        return !left.contains(weight) && sampled.map { $0.contains(weight) } ?? true
      }.map { (numerical[l].elements[$0], analytic[l].elements[$0]) }
    }
    self.layers = zip(numerical.layers, compared).map { l, pairs in
      LayerDifference(
        layer: l,
        maxAbsoluteDifference: pairs.reduce(0) { max($0, abs($1.0 - $1.1)) },
        relativeDifference: Self.relativeDifference(pairs))
    }
    self.relativeDifference = Self.relativeDifference(compared.flatMap { $0 })
  }

  /// Whether some hidden relu unit is active in one forward propagation and not the other.
  private static func crossesKink(_ plus: ForwardPropagation, _ minus: ForwardPropagation) -> Bool {
    let hidden = plus.activations.layers.dropFirst().dropLast()
    return hidden.contains { l in
      zip(plus.activations[l].elements, minus.activations[l].elements).contains {
        ($0 > 0) != ($1 > 0)
      }
    }
  }

  /// ‖u − v‖ / ‖u + v‖ over pairs (u, v), and 0 when both are zero.
  static func relativeDifference(_ pairs: [(Double, Double)]) -> Double {
    let difference = pairs.reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    let sum = pairs.reduce(0) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) }.squareRoot()
    return sum == 0 ? (difference == 0 ? 0 : .infinity) : difference / sum
  }
}
