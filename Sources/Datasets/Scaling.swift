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

  /// Fits `method` on the rows of `inputs` (m × n).
  public init(fitting method: ScalingMethod, to inputs: Matrix) {
    self.method = method
    let m = Double(inputs.rows)
    let columns = (0..<inputs.columns).map { j in (0..<inputs.rows).map { inputs[$0, j] } }
    switch method {
    case .standard:
      offset = columns.map { $0.reduce(0, +) / m }
      scale = zip(columns, offset).map { column, mean in
        let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / m
        return variance > 0 ? variance.squareRoot() : 1
      }
    case .minmax:
      offset = columns.map { $0.min() ?? 0 }
      scale = zip(columns, offset).map { column, low in
        let range = (column.max() ?? low) - low
        return range > 0 ? range : 1
      }
    case .none:
      offset = Array(repeating: 0, count: inputs.columns)
      scale = Array(repeating: 1, count: inputs.columns)
    }
  }

  /// `inputs` scaled: (x − offset) / scale, column by column.
  public func apply(to inputs: Matrix) -> Matrix {
    precondition(inputs.columns == offset.count, "scaling fitted for \(offset.count) features")
    return Matrix(rows: inputs.rows, columns: inputs.columns) { i, j in
      (inputs[i, j] - offset[j]) / scale[j]
    }
  }
}
