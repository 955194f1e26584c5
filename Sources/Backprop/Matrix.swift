/// A dense matrix of `Double`, stored row-major: element (i, j) is `elements[i * columns + j]`.
///
/// Rows are examples and columns are units wherever a batch is stored (A_l is m × s_l), and
/// Θ^(l) is s_{l+1} × (s_l + 1) with column 0 multiplying the bias unit, as in the course.
public struct Matrix: Equatable, Sendable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// The entries, row after row; `rows * columns` of them.
  public internal(set) var elements: [Double]

  /// A `rows × columns` matrix with every entry `value`.
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "a matrix has a non-negative size")
    self.rows = rows
    self.columns = columns
    self.elements = Array(repeating: value, count: rows * columns)
  }

  /// A `rows × columns` matrix of the given row-major entries.
  /// - Throws: `BackpropError.shapeMismatch` unless there are exactly `rows * columns` entries.
  public init(rows: Int, columns: Int, elements: [Double]) throws {
    guard rows >= 0, columns >= 0, elements.count == rows * columns else {
      throw BackpropError.shapeMismatch(
        "\(elements.count) values do not fill a \(rows) × \(columns) matrix")
    }
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  /// A matrix of the given rows, which must all have the same length.
  /// - Throws: `BackpropError.shapeMismatch` naming the first row of another length.
  public init(rows: [[Double]]) throws {
    let columns = rows.first?.count ?? 0
    if let bad = rows.firstIndex(where: { $0.count != columns }) {
      throw BackpropError.shapeMismatch(
        "row \(bad + 1) has \(rows[bad].count) values but row 1 has \(columns)")
    }
    self.rows = rows.count
    self.columns = columns
    self.elements = rows.flatMap { $0 }
  }

  /// Builds a matrix whose entry (i, j) is `entry(i, j)`.
  public init(rows: Int, columns: Int, entry: (Int, Int) -> Double) {
    self.init(rows: rows, columns: columns)
    for i in 0..<rows {
      for j in 0..<columns { elements[i * columns + j] = entry(i, j) }
    }
  }

  /// A column vector (n × 1) of the given values.
  public init(column values: [Double]) {
    self.rows = values.count
    self.columns = 1
    self.elements = values
  }

  /// Entry (row, column), both 0-based.
  public subscript(row: Int, column: Int) -> Double {
    get { elements[row * columns + column] }
    set { elements[row * columns + column] = newValue }
  }

  /// Row `i` as an array.
  public func row(_ i: Int) -> [Double] {
    Array(elements[i * columns..<(i + 1) * columns])
  }

  /// The rows at `indices`, in that order.
  public func rows(at indices: [Int]) -> Matrix {
    var result = Matrix(rows: indices.count, columns: columns)
    for (target, source) in indices.enumerated() {
      result.elements.replaceSubrange(
        target * columns..<(target + 1) * columns,
        with: elements[source * columns..<(source + 1) * columns])
    }
    return result
  }

  /// The column of the largest entry of row i (the first of equal ones): the predicted class.
  public func argmax(row i: Int) -> Int {
    precondition(0 <= i && i < rows, "row out of range")
    guard columns > 1 else { return 0 }
    return elements.withUnsafeBufferPointer { entries in
      var (best, largest) = (0, entries[i * columns])
      for j in 1..<columns {
        let entry = entries[i * columns + j]
        // Both kept by a select, not a branch on the data.
        (best, largest) = entry > largest ? (j, entry) : (best, largest)
      }
      return best
    }
  }

  /// The rows as arrays (for printing and JSON).
  public var rowArrays: [[Double]] { (0..<rows).map(row) }

  /// The shape written the course's way: `"25 × 401"`.
  public var shapeDescription: String { "\(rows) × \(columns)" }

  /// Whether both matrices have the same number of rows and of columns.
  public func hasSameShape(as other: Matrix) -> Bool {
    rows == other.rows && columns == other.columns
  }

  /// Whether every entry is finite (no NaN, no ±∞).
  public var isFinite: Bool { elements.allSatisfy(\.isFinite) }
}

// MARK: - Element-wise operations

extension Matrix {
  /// The matrix with `transform` applied to every entry.
  public func map(_ transform: (Double) -> Double) -> Matrix {
    var result = self
    result.elements = elements.map(transform)
    return result
  }

  /// Combines two matrices of the same shape entry by entry (in place of `self` when it is a
  /// temporary).
  public consuming func combined(with other: Matrix, _ combine: (Double, Double) -> Double)
    -> Matrix
  {
    precondition(hasSameShape(as: other), "shapes must agree")
    var result = self
    result.elements.withUnsafeMutableBufferPointer { values in
      other.elements.withUnsafeBufferPointer { others in
        for k in values.indices { values[k] = combine(values[k], others[k]) }
      }
    }
    return result
  }

  /// A + B.
  public static func + (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.combined(with: rhs, +) }

  /// A − B.
  public static func - (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.combined(with: rhs, -) }

  /// c·A.
  public static func * (scalar: Double, matrix: Matrix) -> Matrix { matrix.map { scalar * $0 } }

  /// A ∘ B, the element-wise (Hadamard) product.
  public func hadamard(_ other: Matrix) -> Matrix { combined(with: other, *) }

  /// Aᵀ.
  public var transposed: Matrix {
    Matrix(rows: columns, columns: rows) { i, j in self[j, i] }
  }

  /// ‖A‖, the Frobenius norm √(Σ aᵢⱼ²).
  public var frobeniusNorm: Double { elements.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  /// How many entries are below `low` or above `high` (NaN is neither), eight at a time and
  /// without a branch on the values, which would mispredict on data like saturation's.
  public func countOutside(low: Double, high: Double) -> Int {
    elements.withUnsafeBufferPointer { values in
      let whole = values.count - values.count % 8
      var counts = SIMD8<Int64>()
      if let base = values.baseAddress {
        for k in stride(from: 0, to: whole, by: 8) {
          let value: SIMD8<Double> = VectorMath.load(base + k)
          counts &+= SIMD8().replacing(with: 1, where: value .< low .| value .> high)
        }
      }
      return Int(counts.wrappedSum()) + values[whole...].count { $0 < low || $0 > high }
    }
  }

  /// max |aᵢⱼ − bᵢⱼ| over the entries of two matrices of the same shape (0 when empty).
  public func largestDifference(from other: Matrix) -> Double {
    precondition(hasSameShape(as: other), "shapes must agree")
    return zip(elements, other.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  /// Σ aᵢⱼ² over the columns j ≥ 1: the part of ‖Θ‖² that regularization counts.
  public var sumOfSquaresWithoutFirstColumn: Double {
    var sum = 0.0
    for i in 0..<rows {
      for j in 1..<max(columns, 1) { sum += self[i, j] * self[i, j] }
    }
    return sum
  }
}

// MARK: - The bias column

extension Matrix {
  /// [1 A]: the matrix with a column of ones put in front (the bias unit a₀ = 1 of each
  /// example); m × s becomes m × (s + 1). For a column vector a, use `addingBiasRow`.
  public var addingBiasColumn: Matrix {
    Matrix(rows: rows, columns: columns + 1) { i, j in j == 0 ? 1 : self[i, j - 1] }
  }

  /// The matrix without its column 0 (the bias column): m × (s + 1) becomes m × s.
  public var removingBiasColumn: Matrix {
    precondition(columns >= 1, "no bias column to remove")
    return Matrix(rows: rows, columns: columns - 1) { i, j in self[i, j + 1] }
  }

  /// [1; a]: a column vector with the bias unit 1 put on top; s × 1 becomes (s + 1) × 1.
  public var addingBiasRow: Matrix { transposed.addingBiasColumn.transposed }

  /// The column vector without its first entry (the bias row): (s + 1) × 1 becomes s × 1.
  public var removingBiasRow: Matrix { transposed.removingBiasColumn.transposed }
}
