/// A batch of m labelled examples, one per row: inputs X (m × s1) and targets Y (m × sL).
/// Validated once here, so the gradient code can trust it.
public struct Examples: Sendable {
  /// X, m × s1: row i is x^(i).
  public let inputs: Matrix
  /// Y, m × sL: row i is y^(i), every entry in [0, 1] (the range of the sigmoid output).
  public let targets: Matrix

  /// Examples of the given inputs and targets.
  /// - Throws: `BackpropError.shapeMismatch` for no examples or row counts that differ,
  ///   `BackpropError.nonFiniteValue` for a NaN or infinite entry (naming the example),
  ///   `BackpropError.outOfRange` for a target outside [0, 1].
  public init(inputs: Matrix, targets: Matrix) throws {
    guard inputs.rows >= 1 else {
      throw BackpropError.shapeMismatch("there are no examples; at least 1 is needed")
    }
    guard inputs.rows == targets.rows else {
      throw BackpropError.shapeMismatch(
        "there are \(inputs.rows) inputs but \(targets.rows) targets; every example needs both")
    }
    try Self.checkFinite(inputs, "input")
    try Self.checkFinite(targets, "target")
    if let k = targets.elements.firstIndex(where: { $0 < 0 || $0 > 1 }) {
      throw BackpropError.outOfRange(
        "target \(k % targets.columns + 1) of example \(k / targets.columns + 1) is"
          + " \(targets.elements[k]); targets must lie in [0, 1], the range of the sigmoid output")
    }
    self.inputs = inputs
    self.targets = targets
  }

  private static func checkFinite(_ matrix: Matrix, _ name: String) throws {
    if let k = matrix.elements.firstIndex(where: { !$0.isFinite }) {
      throw BackpropError.nonFiniteValue(
        "\(name) \(k % matrix.columns + 1) of example \(k / matrix.columns + 1) is \(matrix.elements[k])"
      )
    }
  }

  /// m, the number of examples.
  public var count: Int { inputs.rows }

  /// The examples at `rows`, in that order (a mini-batch); valid because these are.
  public func selecting(_ rows: [Int]) -> Examples {
    Examples(checkedInputs: inputs.rows(at: rows), targets: targets.rows(at: rows))
  }

  private init(checkedInputs inputs: Matrix, targets: Matrix) {
    self.inputs = inputs
    self.targets = targets
  }
}

extension Examples {
  /// m made-up examples for a network of the given shape, as the course's gradient check makes
  /// them: inputs uniform in [−1, 1] rounded to two decimals (so a trace can be followed by
  /// hand), and example i of class i mod sL one-hot encoded (i mod 2 for a single output).
  public static func random(for architecture: Architecture, count m: Int, seed: UInt64) throws
    -> Examples
  {
    var generator = SeededGenerator(seed: seed)
    let (inputCount, outputCount) = (architecture.inputCount, architecture.outputCount)
    let inputs = Matrix(rows: m, columns: inputCount) { _, _ in
      (generator.nextUniform(from: -1, to: 1) * 100).rounded() / 100
    }
    let targets = Matrix(rows: m, columns: outputCount) { i, k in
      outputCount == 1 ? Double((i + 1) % 2) : (i % outputCount == k ? 1 : 0)
    }
    return try Examples(inputs: inputs, targets: targets)
  }
}
