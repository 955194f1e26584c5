import Foundation

/// The activation function g of the hidden layers. The output layer is always the sigmoid.
public enum Activation: String, CaseIterable, Sendable {
  /// g(z) = 1 / (1 + e^(−z)); g′(z) = g(z)(1 − g(z)).
  case sigmoid
  /// g(z) = tanh z; g′(z) = 1 − tanh² z.
  case tanh
  /// g(z) = max(0, z); g′(z) = 1 for z > 0 (a > 0), else 0.
  case relu

  /// a = g(z).
  @inline(__always)
  public func value(_ z: Double) -> Double {
    switch self {
    case .sigmoid: 1 / (1 + exp(-z))
    case .tanh: Foundation.tanh(z)
    case .relu: max(0, z)
    }
  }

  /// A = g(Z) for every entry of `values`, in place; the sigmoid eight entries at a time with
  /// `VectorMath.exp` (within 2 ulp of the scalar `value(_:)`), the last few one by one.
  func apply(to values: inout Matrix) {
    values.elements.withUnsafeMutableBufferPointer { buffer in
      let whole = buffer.count - buffer.count % 8
      if case .sigmoid = self, let base = buffer.baseAddress {
        for k in stride(from: 0, to: whole, by: 8) {
          VectorMath.store(1 / (1 + VectorMath.exp(-VectorMath.load(base + k))), to: base + k)
        }
      }
      for k in (self == .sigmoid ? whole : 0)..<buffer.count { buffer[k] = value(buffer[k]) }
    }
  }

  /// g′(z), written with a = g(z) as the course writes the sigmoid's g′(z) = a ∘ (1 − a);
  /// all three derivatives can be, so the weighted inputs z need not be kept.
  @inline(__always)
  public func derivative(atActivation a: Double) -> Double {
    switch self {
    case .sigmoid: a * (1 - a)
    case .tanh: 1 - a * a
    case .relu: a > 0 ? 1 : 0
    }
  }

  /// g′(z^(l)) in the course's words, for layer `l`: `a(2) ∘ (1 − a(2))`.
  public func derivativeFormula(layer l: Int) -> String {
    switch self {
    case .sigmoid: "a(\(l)) ∘ (1 − a(\(l)))"
    case .tanh: "1 − a(\(l)) ∘ a(\(l))"
    case .relu: "1 where a(\(l)) > 0, else 0"
    }
  }
}
