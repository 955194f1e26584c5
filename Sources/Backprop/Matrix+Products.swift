/// The matrix products backpropagation needs, all on the blocked SIMD kernel (`MatrixKernel`).
///
/// The bias-aware forms multiply as if the bias column were there ([1 A], or Θ without its
/// column 0) without building the larger matrix.
extension Matrix {
  /// How a product reads one operand in memory.
  private enum Reading {
    case asIs, transposed, withoutFirstColumn, transposedWithoutFirstColumn
  }

  /// The shape of `self` read as `reading` says.
  private func shape(_ reading: Reading) -> (rows: Int, columns: Int) {
    switch reading {
    case .asIs: (rows, columns)
    case .transposed: (columns, rows)
    case .withoutFirstColumn: (rows, columns - 1)
    case .transposedWithoutFirstColumn: (columns - 1, rows)
    }
  }

  /// Runs `body` with a strided view of `self` read as `reading` says.
  private func withView<R>(_ reading: Reading, _ body: (StridedView) -> R) -> R {
    elements.withUnsafeBufferPointer { buffer in
      // `product` never asks for a view of an empty matrix, and a non-empty array has storage.
      let base = buffer.baseAddress!
      let (viewRows, viewColumns) = shape(reading)
      let view: StridedView
      switch reading {
      case .asIs, .withoutFirstColumn:
        let offset = reading == .asIs ? 0 : 1
        view = StridedView(
          base: base + offset, rows: viewRows, columns: viewColumns, rowStride: columns,
          columnStride: 1)
      case .transposed, .transposedWithoutFirstColumn:
        let offset = reading == .transposed ? 0 : 1
        view = StridedView(
          base: base + offset, rows: viewRows, columns: viewColumns, rowStride: 1,
          columnStride: columns)
      }
      return body(view)
    }
  }

  /// `initial` with op(A)·op(B) added to it.
  private static func product(
    _ a: Matrix, _ readingA: Reading, _ b: Matrix, _ readingB: Reading,
    addedTo initial: consuming Matrix
  ) -> Matrix {
    let (shapeA, shapeB) = (a.shape(readingA), b.shape(readingB))
    precondition(shapeA.columns == shapeB.rows, "inner dimensions must agree")
    precondition(initial.rows == shapeA.rows && initial.columns == shapeB.columns)
    var result = initial
    guard !a.elements.isEmpty, !b.elements.isEmpty else { return result }  // adds nothing
    a.withView(readingA) { viewA in
      b.withView(readingB) { viewB in
        result.elements.withUnsafeMutableBufferPointer { c in
          guard let base = c.baseAddress else { return }  // an empty result has nothing to add to
          MatrixKernel.multiplyAdd(viewA, viewB, into: base, ldc: result.columns)
        }
      }
    }
    return result
  }

  /// A·B — (m × n)·(n × p) is m × p.
  public static func * (a: Matrix, b: Matrix) -> Matrix {
    product(a, .asIs, b, .asIs, addedTo: Matrix(rows: a.rows, columns: b.columns))
  }

  /// A·Bᵀ — (m × n)·(p × n)ᵀ is m × p.
  public func timesTransposed(_ b: Matrix) -> Matrix {
    Self.product(self, .asIs, b, .transposed, addedTo: Matrix(rows: rows, columns: b.rows))
  }

  /// Aᵀ·B — (n × m)ᵀ·(n × p) is m × p.
  public func transposedTimes(_ b: Matrix) -> Matrix {
    Self.product(self, .transposed, b, .asIs, addedTo: Matrix(rows: columns, columns: b.columns))
  }

  /// Z = [1 A]·Θᵀ, the weighted inputs of the next layer for a batch: A is m × s_l,
  /// Θ is s_{l+1} × (s_l + 1), Z is m × s_{l+1}. Row i is (Θ·[1; aᵢ])ᵀ.
  public func withBiasTimesTransposed(_ theta: Matrix) -> Matrix {
    precondition(theta.columns == columns + 1, "Θ must have one column more than A")
    // Start every row at the bias weights Θ[:, 0]ᵀ, then add A·Θ[:, 1...]ᵀ.
    let biasRow = (0..<theta.rows).map { j in theta[j, 0] }
    var bias = Matrix(rows: rows, columns: theta.rows)
    bias.elements.withUnsafeMutableBufferPointer { z in
      for i in 0..<rows {
        _ = UnsafeMutableBufferPointer(rebasing: z[(i * theta.rows)...].prefix(theta.rows))
          .update(fromContentsOf: biasRow)
      }
    }
    return Self.product(self, .asIs, theta, .transposedWithoutFirstColumn, addedTo: bias)
  }

  /// δ·Θ without its column 0 — the back-propagated error before g′ for a batch: δ is
  /// m × s_{l+1}, Θ is s_{l+1} × (s_l + 1), the result m × s_l. Row i is
  /// ((Θᵀ δᵢ) without its bias row)ᵀ.
  public func timesWithoutBiasColumn(_ theta: Matrix) -> Matrix {
    Self.product(
      self, .asIs, theta, .withoutFirstColumn,
      addedTo: Matrix(rows: rows, columns: theta.columns - 1))
  }

  /// δᵀ·[1 A] — the accumulated Σᵢ δᵢ·[1; aᵢ]ᵀ of a batch: δ is m × s_{l+1}, A is m × s_l,
  /// the result s_{l+1} × (s_l + 1). Column 0 is the column sums of δ.
  public func transposedTimesWithBias(_ a: Matrix) -> Matrix {
    precondition(rows == a.rows, "both matrices must hold the same examples")
    // Computed as Aᵀ·δ (s_l × s_{l+1}) and written transposed: δ, the narrow operand, is then
    // the kernel's B (its rows read in place), and the wide A is broadcast, 8 units at a time.
    let product = Self.product(
      a, .transposed, self, .asIs, addedTo: Matrix(rows: a.columns, columns: columns))
    // Column j of δ summed down the rows, in order.
    var sums = [Double](repeating: 0, count: columns)
    sums.withUnsafeMutableBufferPointer { sums in
      elements.withUnsafeBufferPointer { delta in
        for i in 0..<rows {
          for j in 0..<columns { sums[j] += delta[i * columns + j] }
        }
      }
    }
    return Matrix(rows: columns, columns: a.columns + 1) { j, k in
      k == 0 ? sums[j] : product[k - 1, j]
    }
  }
}
