import Testing

@testable import Backprop

/// The products against a naive triple loop written here, on shapes that cross every edge of
/// the kernel's blocking: register tiles of 1–8 rows × 8, 16 or 24 columns (`SIMD8`) and of 1–4
/// rows × 4, 8 or 12 (`SIMD4`), slivers of B read in place or packed (N a multiple of 8 or not),
/// narrow columns along K, down the rows, padded or fused (split from a 12-column `SIMD4` sliver),
/// panels 512 deep.
struct MatrixTests {
  static func random(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
    var generator = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns) { _, _ in generator.nextUniform(from: -1, to: 1) }
  }

  /// Σ_p a(i, p)·b(p, j), one multiply-add at a time.
  static func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    Matrix(rows: a.rows, columns: b.columns) { i, j in
      (0..<a.columns).reduce(0) { $0 + a[i, $1] * b[$1, j] }
    }
  }

  static func expectClose(_ actual: Matrix, _ expected: Matrix, _ comment: Comment? = nil) {
    #expect(actual.rows == expected.rows && actual.columns == expected.columns, comment)
    let scale = max(1, expected.elements.map(abs).max() ?? 0)
    #expect(actual.largestDifference(from: expected) <= 1e-12 * scale, comment)
  }

  static let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (3, 4, 5), (8, 16, 24), (9, 17, 15), (130, 513, 33), (25, 401, 10), (300, 20, 7),
    (17, 600, 40), (11, 1030, 25), (40, 9, 48), (6, 30, 32), (13, 40, 31), (15, 600, 9),
    (20, 40, 17),
  ]

  @Test(arguments: shapes)
  func productsMatchTheNaiveLoop(m: Int, k: Int, n: Int) {
    let a = Self.random(m, k, seed: 1)
    let b = Self.random(k, n, seed: 2)
    let expected = Self.naiveProduct(a, b)
    Self.expectClose(a * b, expected, "A·B")
    Self.expectClose(a.timesTransposed(b.transposed), expected, "A·Bᵀ")
    Self.expectClose(a.transposed.transposedTimes(b), expected, "Aᵀ·B")
  }

  /// C = op(A)·op(B) on register tiles of `vector`, op(X) being X or Xᵀ read in place.
  static func kernelProduct<V: SIMD & SendableMetatype>(
    _ a: Matrix, transposed transposedA: Bool, _ b: Matrix, transposed transposedB: Bool,
    in vector: V.Type
  ) -> Matrix where V.Scalar == Double {
    func view(_ x: Matrix, _ transposed: Bool, _ base: UnsafePointer<Double>) -> StridedView {
      transposed
        ? StridedView(
          base: base, rows: x.columns, columns: x.rows, rowStride: 1, columnStride: x.columns)
        : StridedView(
          base: base, rows: x.rows, columns: x.columns, rowStride: x.columns, columnStride: 1)
    }
    let (viewRows, viewColumns) = (
      transposedA ? a.columns : a.rows, transposedB ? b.rows : b.columns
    )
    var c = Matrix(rows: viewRows, columns: viewColumns)
    a.elements.withUnsafeBufferPointer { a0 in
      b.elements.withUnsafeBufferPointer { b0 in
        c.elements.withUnsafeMutableBufferPointer { c0 in
          MatrixKernel.multiplyAdd(
            view(a, transposedA, a0.baseAddress!), view(b, transposedB, b0.baseAddress!),
            into: c0.baseAddress!, ldc: viewColumns, in: vector)
        }
      }
    }
    return c
  }

  /// Both register tiles, whatever the build computes with: each close to the naive loop, and
  /// the same bits as the other (each entry is summed in an order that depends on the shapes
  /// alone), for A and B each read in place or transposed.
  @Test(arguments: shapes)
  func bothRegisterTilesMatchTheNaiveLoopAndEachOther(m: Int, k: Int, n: Int) {
    let a = Self.random(m, k, seed: 11)
    let b = Self.random(k, n, seed: 12)
    let expected = Self.naiveProduct(a, b)
    for (transposedA, transposedB) in [(false, false), (false, true), (true, false), (true, true)] {
      let (storedA, storedB) = (transposedA ? a.transposed : a, transposedB ? b.transposed : b)
      let narrow = Self.kernelProduct(
        storedA, transposed: transposedA, storedB, transposed: transposedB, in: SIMD4<Double>.self)
      let wide = Self.kernelProduct(
        storedA, transposed: transposedA, storedB, transposed: transposedB, in: SIMD8<Double>.self)
      let comment: Comment = "A\(transposedA ? "ᵀ" : "")·B\(transposedB ? "ᵀ" : "")"
      Self.expectClose(narrow, expected, comment)
      Self.expectClose(wide, expected, comment)
      let differing = zip(narrow.elements, wide.elements).count { $0.bitPattern != $1.bitPattern }
      #expect(differing == 0, comment)
    }
  }

  @Test(arguments: shapes)
  func biasAwareProductsMatchTheExplicitBiasColumn(m: Int, k: Int, n: Int) {
    let activations = Self.random(m, k, seed: 3)
    let theta = Self.random(n, k + 1, seed: 4)
    let errors = Self.random(m, n, seed: 5)
    Self.expectClose(
      activations.withBiasTimesTransposed(theta),
      Self.naiveProduct(activations.addingBiasColumn, theta.transposed), "[1 A]·Θᵀ")
    Self.expectClose(
      errors.timesWithoutBiasColumn(theta),
      Self.naiveProduct(errors, theta).removingBiasColumn, "(δ·Θ) without column 0")
    Self.expectClose(
      errors.transposedTimesWithBias(activations),
      Self.naiveProduct(errors.transposed, activations.addingBiasColumn), "δᵀ·[1 A]")
  }

  /// Every path of the kernel split among threads: the 33rd column as a dot product along K
  /// (A·B) and within the first register tile ((Aᵀ)ᵀ·B), the 33rd and 34th down A's rows
  /// ((Aᵀ)ᵀ·B of 34 columns), B's slivers packed (A·(Bᵀ)ᵀ), and a panel under 32 deep, whose
  /// narrow columns are padded.
  @Test func threadsGiveTheSameBits() {
    let (a, b) = (Self.random(300, 257, seed: 6), Self.random(257, 33, seed: 7))
    let (transposedA, transposedB) = (a.transposed, b.transposed)
    let wideB = Self.random(257, 34, seed: 10)
    let (shallowA, shallowB) = (Self.random(2000, 31, seed: 8), Self.random(31, 20, seed: 9))
    let products: [(String, () -> Matrix)] = [
      ("A·B", { a * b }), ("(Aᵀ)ᵀ·B", { transposedA.transposedTimes(b) }),
      ("(Aᵀ)ᵀ·B, 34 columns", { transposedA.transposedTimes(wideB) }),
      ("A·(Bᵀ)ᵀ", { a.timesTransposed(transposedB) }), ("shallow A·B", { shallowA * shallowB }),
    ]
    for (name, product) in products {
      let serial = product()
      for threads in [2, 3, 8] {
        let parallel = Parallelism.$threads.withValue(threads) { product() }
        #expect(
          parallel.elements.map(\.bitPattern) == serial.elements.map(\.bitPattern),
          "\(name), \(threads) threads")
      }
    }
  }

  /// Counts every length 0–20 (whole vectors and a rest), NaN included; argmax on ties.
  @Test func countOutsideAndArgmaxMatchPlainLoops() {
    var generator = SeededGenerator(seed: 8)
    for columns in 0...20 {
      let matrix = Matrix(rows: 3, columns: columns) { _, _ in
        let draw = generator.nextUniform(from: 0, to: 1)
        return draw < 0.1 ? .nan : (draw * 4).rounded(.down) / 3  // 0, 1/3, 2/3 or 1: ties
      }
      let outside = matrix.elements.filter { $0 < 0.2 || $0 > 0.9 }.count
      #expect(matrix.countOutside(low: 0.2, high: 0.9) == outside, "\(columns) columns")
      for i in 0..<matrix.rows {
        let row = matrix.row(i)
        let first = row.indices.first { j in row.allSatisfy { !($0 > row[j]) } && !row[j].isNaN }
        if !row.contains(where: \.isNaN) {
          #expect(matrix.argmax(row: i) == (first ?? 0), "row \(i) of \(row)")
        }
      }
    }
  }

  @Test func biasColumnAndRowAreAddedAndRemoved() throws {
    let a = try Matrix(rows: [[2, 3], [4, 5]])
    #expect(a.addingBiasColumn == (try Matrix(rows: [[1, 2, 3], [1, 4, 5]])))
    #expect(a.addingBiasColumn.removingBiasColumn == a)
    let column = Matrix(column: [7, 8])
    #expect(column.addingBiasRow == Matrix(column: [1, 7, 8]))
    #expect(column.addingBiasRow.removingBiasRow == column)
  }

  @Test func normsAndRegularizedSumSkipColumnZero() throws {
    let theta = try Matrix(rows: [[10, 1, 2], [20, 3, 4]])
    #expect(theta.sumOfSquaresWithoutFirstColumn == 1 + 4 + 9 + 16)
    #expect(abs(theta.frobeniusNorm - (100.0 + 1 + 4 + 400 + 9 + 16).squareRoot()) < 1e-15)
  }

  @Test func raggedRowsAreAnErrorNamingTheRow() {
    #expect(throws: BackpropError.shapeMismatch("row 2 has 1 values but row 1 has 2")) {
      try Matrix(rows: [[1, 2], [3]])
    }
  }
}
