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

/// A fitted scaling, x' = (x − offset) / scale per feature: fitted on the training split only,
/// stored with the run so evaluation and export can apply it again.
public struct Scaling: Codable, Sendable, Equatable {
  public var method: ScalingMethod
  /// Per feature: the mean, the minimum, or 0.
  public var offset: [Double]
  /// Per feature: the standard deviation, max − min, or 1 (1 where those are 0: a constant
  /// feature becomes 0).
  public var scale: [Double]

  /// Fits `method` on the rows of `inputs` (m × n), summing each column's entries in row order.
  public init(fitting method: ScalingMethod, to inputs: Matrix) {
    self.method = method
    let (m, n) = (inputs.rows, inputs.columns)
    (offset, scale) = inputs.elements.withUnsafeBufferPointer { x in
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
        guard m > 0 else { return (Array(repeating: 0, count: n), Array(repeating: 1, count: n)) }
        var (lows, highs) = (Array(x[0..<n]), Array(x[0..<n]))
        for i in 1..<m {
          for j in 0..<n {
            lows[j] = min(lows[j], x[i * n + j])
            highs[j] = max(highs[j], x[i * n + j])
          }
        }
        return (lows, zip(lows, highs).map { low, high in high - low > 0 ? high - low : 1 })
      case .none:
        return (Array(repeating: 0, count: n), Array(repeating: 1, count: n))
      }
    }
  }

  /// `inputs` scaled: (x − offset) / scale, column by column.
  public func apply(to inputs: Matrix) -> Matrix {
    precondition(inputs.columns == offset.count, "scaling fitted for \(offset.count) features")
    let n = inputs.columns
    return inputs.elements.withUnsafeBufferPointer { x in
      Matrix(rows: inputs.rows, columns: n) { i, j in (x[i * n + j] - offset[j]) / scale[j] }
    }
  }
}
