import Backprop

/// How features are scaled before training.
public enum ScalingMethod: String, CaseIterable, Codable, Sendable {
  /// x' = (x − mean) / standard deviation per feature: centred inputs suit gradient descent.
  case standard
  /// x' = (x − min) / (max − min) per feature: every feature in [0, 1].
  case minmax
  /// x' = x.
  case none
}

/// A fitted scaling, x' = (x·unit − offset) / scale per feature: fitted on the training split
/// only, stored with the run so evaluation and export can apply it again.
public struct Scaling: Codable, Sendable, Equatable {
  public var method: ScalingMethod
  /// Per feature: the mean, the minimum, or 0.
  public var offset: [Double]
  /// Per feature: the standard deviation, max − min, or 1 (1 where those are 0: a constant
  /// feature becomes 0).
  public var scale: [Double]
  /// Per feature, a power of two that x is multiplied by first: 1, but 2⁻ᵏ for a feature whose
  /// sum of squares or range would overflow (|x| from about 1.3e154), offset and scale then
  /// being in units of 2ᵏ. nil when every one is 1, as for every run before it existed.
  public var unit: [Double]?

  /// Fits `method` on the rows of `inputs` (m × n), summing each column's entries in row order.
  /// A feature the sums would overflow on is fitted on its values times 2⁻ᵏ, its largest
  /// magnitude then in [0.5, 1); the others get the same bits as without it.
  public init(fitting method: ScalingMethod, to inputs: Matrix) {
    self.method = method
    (offset, scale) = Self.fit(method, to: inputs)
    let (lows, highs) = Self.ranges(of: inputs)
    let fits = (0..<inputs.columns).map { j in
      offset[j].isFinite && scale[j].isFinite && (highs[j] - lows[j]).isFinite
    }
    guard fits.contains(false) else { return }
    let units = (0..<inputs.columns).map { j in
      let largest = max(abs(lows[j]), abs(highs[j]))
      return fits[j] || !largest.isFinite
        ? 1 : Double(sign: .plus, exponent: -largest.exponent - 1, significand: 1)
    }
    (offset, scale) = Self.fit(method, to: Self.multiplying(inputs, by: units))
    unit = units
  }

  /// The (offset, scale) of `method` on `inputs`, by sums in row order.
  private static func fit(_ method: ScalingMethod, to inputs: Matrix) -> ([Double], [Double]) {
    let (m, n) = (inputs.rows, inputs.columns)
    return inputs.elements.withUnsafeBufferPointer { x in
      switch method {
      case .standard:
        var means = [Double](repeating: 0, count: n)
        for i in 0..<m {
          for j in 0..<n { means[j] += x[i * n + j] }
        }
        means = means.map { $0 / Double(m) }
        var squares = [Double](repeating: 0, count: n)
        for i in 0..<m {
          for j in 0..<n {
            let deviation = x[i * n + j] - means[j]
            squares[j] += deviation * deviation
          }
        }
        let deviations = squares.map { squares in
          let variance = squares / Double(m)
          return variance > 0 ? variance.squareRoot() : 1
        }
        return (means, deviations)
      case .minmax:
        let (lows, highs) = ranges(of: inputs)
        return (lows, zip(lows, highs).map { low, high in high - low > 0 ? high - low : 1 })
      case .none:
        return (Array(repeating: 0, count: n), Array(repeating: 1, count: n))
      }
    }
  }

  /// Each column's least and greatest entry (0 and 0 with no rows).
  private static func ranges(of inputs: Matrix) -> (lows: [Double], highs: [Double]) {
    let (m, n) = (inputs.rows, inputs.columns)
    guard m > 0 else { return (Array(repeating: 0, count: n), Array(repeating: 0, count: n)) }
    return inputs.elements.withUnsafeBufferPointer { x in
      var (lows, highs) = (Array(x[0..<n]), Array(x[0..<n]))
      for i in 1..<m {
        for j in 0..<n {
          lows[j] = min(lows[j], x[i * n + j])
          highs[j] = max(highs[j], x[i * n + j])
        }
      }
      return (lows, highs)
    }
  }

  /// `inputs` with column j multiplied by `units[j]`.
  private static func multiplying(_ inputs: Matrix, by units: [Double]) -> Matrix {
    let n = inputs.columns
    return inputs.elements.withUnsafeBufferPointer { x in
      Matrix(rows: inputs.rows, columns: n) { i, j in x[i * n + j] * units[j] }
    }
  }

  /// The first feature whose offset, scale or unit is not a finite number, if any.
  public var firstNonFiniteFeature: Int? {
    offset.indices.first { j in
      !offset[j].isFinite || !scale[j].isFinite || !(unit?[j] ?? 1).isFinite
    }
  }

  /// Whether this scaling applies to `featureCount` features with finite, non-zero numbers (a
  /// stored one may have been edited).
  public func applies(toFeatures featureCount: Int) -> Bool {
    offset.count == featureCount && scale.count == featureCount
      && (unit?.count ?? featureCount) == featureCount && firstNonFiniteFeature == nil
      && !scale.contains(0) && !(unit ?? []).contains(0)
  }

  /// `inputs` scaled: (x·unit − offset) / scale, column by column.
  public func apply(to inputs: Matrix) -> Matrix {
    precondition(applies(toFeatures: inputs.columns), "scaling fitted for \(offset.count) features")
    let n = inputs.columns
    let units = unit ?? Array(repeating: 1, count: n)  // x·1 is x: the same bits as x alone
    return inputs.elements.withUnsafeBufferPointer { x in
      Matrix(rows: inputs.rows, columns: n) { i, j in
        (x[i * n + j] * units[j] - offset[j]) / scale[j]
      }
    }
  }
}
