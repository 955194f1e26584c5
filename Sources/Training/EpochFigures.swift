import Backprop
import Foundation
import Tracking

/// What one epoch's row holds, worked out from the gradient pass at Θ_e (docs/design.md,
/// "Epochs, as recorded") and a forward pass over the validation split.
struct EpochFigures {
  let cost: Double
  let trainError: Double
  let validationError: Double?
  let trainAccuracy: Double?
  let validationAccuracy: Double?
  let gradientNorm: Double
  let layers: [EpochRecord.Layer]

  init(
    evaluation: CostAndGradient, network: Network, objective: Objective, learningRate: Double,
    training: Examples, validation: Examples?, classes: Bool
  ) {
    cost = evaluation.cost
    trainError = evaluation.dataCost
    let layerNorms = evaluation.gradients.elements.map(\.frobeniusNorm)
    gradientNorm = layerNorms.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let activations = evaluation.forward?.activations
    layers = network.thetas.layers.map { l in
      let weightNorm = network.thetas[l].frobeniusNorm
      let step = learningRate * layerNorms[l - 1]
      return EpochRecord.Layer(
        layer: l, gradientNorm: layerNorms[l - 1], weightNorm: weightNorm,
        updateRatio: weightNorm > 0 ? step / weightNorm : step,
        saturation: activations.flatMap {
          Self.saturation(of: $0[l + 1], activation: network.activation(ofLayer: l + 1))
        })
    }
    trainAccuracy =
      classes ? evaluation.forward.map { Self.accuracy($0.outputs, training.targets) } : nil
    if let validation {
      let forward = network.forwardPropagate(validation.inputs)
      validationError = objective.dataCost(of: forward, targets: validation.targets)
      validationAccuracy = classes ? Self.accuracy(forward.outputs, validation.targets) : nil
    } else {
      validationError = nil
      validationAccuracy = nil
    }
  }

  /// How many times J(Θ₀) the cost may grow to before descent is taken to have diverged.
  /// Descent lowers J; a cost 10⁴ times the first is a step size far too large, long before
  /// the numbers overflow.
  static let divergenceFactor = 1e4

  /// Why descent cannot go on, or nil: J or ‖D‖ not finite, or J above 10⁴·J(Θ₀).
  func divergence(initialCost: Double) -> String? {
    if !cost.isFinite { return "the cost is \(cost)" }
    if !gradientNorm.isFinite { return "the gradient norm is \(gradientNorm)" }
    if initialCost > 0 && cost > Self.divergenceFactor * initialCost {
      return
        "the cost \(String(format: "%.4g", cost)) is over \(Int(Self.divergenceFactor)) times its first value"
        + " \(String(format: "%.4g", initialCost))"
    }
    return nil
  }

  /// The share of examples whose largest output is the one-hot target's unit.
  static func accuracy(_ outputs: Matrix, _ targets: Matrix) -> Double {
    var correct = 0
    for i in 0..<outputs.rows where outputs.argmax(row: i) == targets.argmax(row: i) {
      correct += 1
    }
    return Double(correct) / Double(max(outputs.rows, 1))
  }

  /// The share of saturated units: sigmoid a < 0.01 or a > 0.99; tanh |a| > 0.99; none for relu.
  static func saturation(of activations: Matrix, activation: Activation) -> Double? {
    let (low, high): (Double, Double)
    switch activation {
    case .sigmoid: (low, high) = (0.01, 0.99)
    case .tanh: (low, high) = (-0.99, 0.99)
    case .relu: return nil
    }
    guard !activations.elements.isEmpty else { return nil }
    let saturated = activations.countOutside(low: low, high: high)
    return Double(saturated) / Double(activations.elements.count)
  }
}
