import Foundation

/// The cost function J. Each cost owns its value and its output error δ^(L) = ∂J/∂z^(L)
/// (per example, before the 1/m), for a sigmoid output layer.
public enum Cost: String, CaseIterable, Sendable {
  /// J = −(1/m) Σᵢ Σₖ [yₖ log hₖ + (1 − yₖ) log(1 − hₖ)]; δ^(L) = a^(L) − y.
  case crossEntropy = "cross-entropy"
  /// J = (1/m) Σᵢ ½ Σₖ (hₖ − yₖ)²; δ^(L) = (a^(L) − y) ∘ g′(z^(L)).
  case mse

  /// One output unit's share of one example's cost, given its weighted input z and output
  /// h = g(z). Cross-entropy is computed from z, −y log σ(z) − (1 − y) log(1 − σ(z)) =
  /// y·softplus(−z) + (1 − y)·softplus(z), which stays finite where σ(z) rounds to 0 or 1.
  @inline(__always)
  public func loss(output h: Double, weightedInput z: Double, target y: Double) -> Double {
    switch self {
    case .crossEntropy:
      // A term whose factor is 0 (every term but one of a one-hot target) is 0: not computed.
      // (Computed, 0·softplus(±∞) would be NaN where z overflowed; the run's cost is still
      // infinite then, through the unit's other term or the 10⁴·J₀ rule.)
      return (y == 0 ? 0 : y * Self.softplus(-z)) + (y == 1 ? 0 : (1 - y) * Self.softplus(z))
    case .mse:
      let difference = h - y
      return 0.5 * difference * difference
    }
  }

  /// log(1 + eᵗ), without overflow for large t.
  @inline(__always)
  static func softplus(_ t: Double) -> Double {
    max(t, 0) + log1p(exp(-abs(t)))
  }

  /// One output unit's error δₖ^(L), given its activation a = h = g(z) of the sigmoid output.
  @inline(__always)
  public func outputError(output a: Double, target y: Double) -> Double {
    switch self {
    case .crossEntropy: a - y
    case .mse: (a - y) * a * (1 - a)  // g′(z) = a(1 − a) for the sigmoid output
    }
  }

  /// Σ over every example and output unit of `loss` — m·J before regularization. The three
  /// matrices have one row per example and one column per output unit.
  public func totalLoss(outputs: Matrix, weightedInputs: Matrix, targets: Matrix) -> Double {
    precondition(outputs.hasSameShape(as: targets) && weightedInputs.hasSameShape(as: targets))
    return outputs.elements.withUnsafeBufferPointer { h in
      weightedInputs.elements.withUnsafeBufferPointer { z in
        targets.elements.withUnsafeBufferPointer { y in
          var total = 0.0
          var first = 0
          if case .crossEntropy = self, let z = z.baseAddress, let y = y.baseAddress {
            first = h.count - h.count % 8
            var sums = SIMD8<Double>()
            for k in stride(from: 0, to: first, by: 8) {
              sums += Self.crossEntropy(VectorMath.load(z + k), VectorMath.load(y + k))
            }
            total = sums.sum()
            // A sum that is not finite (a z that is not, or terms past the largest double) is
            // made again one unit at a time by `loss`, where a term whose factor is 0 is 0, not
            // 0·∞ = NaN.
            if !total.isFinite { (total, first) = (0, 0) }
          }
          for k in first..<h.count {
            total += loss(output: h[k], weightedInput: z[k], target: y[k])
          }
          return total
        }
      }
    }
  }

  /// `loss` of the cross-entropy for eight units of finite z: y·softplus(−z) + (1 − y)·softplus(z),
  /// where softplus(±z) = max(±z, 0) + log(1 + e^(−|z|)). (A factor 0 times a finite softplus
  /// is 0, as `loss` has it. −|z| and max(±z, 0) are bit operations, not masked selects, which
  /// Swift compiles lane by lane: this takes half the time.)
  @inline(__always)
  private static func crossEntropy(_ z: SIMD8<Double>, _ y: SIMD8<Double>) -> SIMD8<Double> {
    let shared = VectorMath.log1p(VectorMath.exp(VectorMath.negativeMagnitude(z)))
    return y * (VectorMath.positivePart(-z) + shared)
      + (1 - y) * (VectorMath.positivePart(z) + shared)
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
