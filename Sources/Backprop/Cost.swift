import Foundation

/// The cost function J. Each cost owns its value and its output error δ^(L) = ∂J/∂z^(L)
/// (per example, before the 1/m), for a sigmoid output layer.
public enum Cost: String, CaseIterable, Sendable {
  /// J = −(1/m) Σᵢ Σₖ [yₖ log hₖ + (1 − yₖ) log(1 − hₖ)]; δ^(L) = a^(L) − y.
  case crossEntropy = "cross-entropy"
  /// J = (1/m) Σᵢ ½ Σₖ (hₖ − yₖ)²; δ^(L) = (a^(L) − y) ∘ g′(z^(L)).
  case mse

  /// One output unit's share of one example's cost.
  /// Cross-entropy skips a term whose y factor is 0, so h = 0 or 1 costs 0 where it is right.
  @inline(__always)
  public func loss(output h: Double, target y: Double) -> Double {
    switch self {
    case .crossEntropy:
      var loss = 0.0
      if y != 0 { loss -= y * log(h) }
      if y != 1 { loss -= (1 - y) * log(1 - h) }
      return loss
    case .mse:
      let difference = h - y
      return 0.5 * difference * difference
    }
  }

  /// One output unit's error δₖ^(L), given its activation a = h = g(z) of the sigmoid output.
  @inline(__always)
  public func outputError(output a: Double, target y: Double) -> Double {
    switch self {
    case .crossEntropy: a - y
    case .mse: (a - y) * a * (1 - a)  // g′(z) = a(1 − a) for the sigmoid output
    }
  }

  /// Σ over every example and output unit of `loss` — m·J before regularization.
  public func totalLoss(outputs: Matrix, targets: Matrix) -> Double {
    zip(outputs.elements, targets.elements).reduce(0) { $0 + loss(output: $1.0, target: $1.1) }
  }

  /// δ^(L) for every output unit of every example (outputs and targets of the same shape).
  public func outputErrors(outputs: Matrix, targets: Matrix) -> Matrix {
    outputs.combined(with: targets) { outputError(output: $0, target: $1) }
  }

  /// δ^(L) in the course's words, for the output layer L: `a(3) − y`.
  public func outputErrorFormula(outputLayer layer: Int) -> String {
    switch self {
    case .crossEntropy: "a(\(layer)) − y"
    case .mse: "(a(\(layer)) − y) ∘ a(\(layer)) ∘ (1 − a(\(layer)))"
    }
  }
}
