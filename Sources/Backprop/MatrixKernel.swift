/// A read-only view of a matrix in memory: entry (i, j) is `base[i * rowStride + j * columnStride]`.
///
/// A transposed matrix or one without its bias column is a view with other strides or another
/// base, so the products never copy their operands to reshape them.
struct StridedView {
  let base: UnsafePointer<Double>
  let rows: Int
  let columns: Int
  let rowStride: Int
  let columnStride: Int

  @inline(__always)
  subscript(i: Int, j: Int) -> Double { base[i * rowStride + j * columnStride] }
}

/// The matrix product kernel: C += A·B for strided A (M × K) and B (K × N) into row-major C.
///
/// Cache-blocked in the BLIS manner: a KC × N panel of B and an MC × KC block of A are packed
/// into contiguous, zero-padded slivers, and an 8 × 16 register tile of `SIMD8<Double>`
/// accumulators (one AVX-512 register each) runs over them with fused multiply-adds.
/// Single-threaded and deterministic: the same operands always give the same bits.
enum MatrixKernel {
  /// Rows of the register tile.
  static let tileRows = 8
  /// Columns of the register tile: two `SIMD8<Double>`.
  static let tileColumns = 16
  /// Depth of a packed block (the shared dimension K is cut into pieces of this length).
  static let blockDepth = 256
  /// Rows of A packed at a time.
  static let blockRows = 128

  /// C += A·B, where C has `columns` = B's columns and row stride `ldc`.
  static func multiplyAdd(_ a: StridedView, _ b: StridedView, into c: UnsafeMutablePointer<Double>, ldc: Int) {
    precondition(a.columns == b.rows, "inner dimensions must agree")
    let (m, n, k) = (a.rows, b.columns, a.columns)
    guard m > 0, n > 0, k > 0 else { return }
    let paddedColumns = roundUp(n, to: tileColumns)
    let packedB = allocate(blockDepth * paddedColumns)
    let packedA = allocate(blockDepth * roundUp(min(m, blockRows), to: tileRows))
    defer {
      packedB.deallocate()
      packedA.deallocate()
    }
    for p0 in stride(from: 0, to: k, by: blockDepth) {
      let depth = min(blockDepth, k - p0)
      packColumnSlivers(b, rows: p0..<p0 + depth, into: packedB)
      for i0 in stride(from: 0, to: m, by: blockRows) {
        let height = min(blockRows, m - i0)
        packRowSlivers(a, rows: i0..<i0 + height, columns: p0..<p0 + depth, into: packedA)
        for j in stride(from: 0, to: n, by: tileColumns) {
          let sliverB = packedB + (j / tileColumns) * depth * tileColumns
          for i in stride(from: 0, to: height, by: tileRows) {
            tile(
              depth: depth,
              a: packedA + (i / tileRows) * depth * tileRows, b: sliverB,
              c: c + (i0 + i) * ldc + j, ldc: ldc,
              rows: min(tileRows, height - i), columns: min(tileColumns, n - j))
          }
        }
      }
    }
  }

  private static func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
    UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Double>.stride, alignment: 64
    ).bindMemory(to: Double.self, capacity: max(count, 1))
  }

  /// Packs A[rows, columns] as slivers of `tileRows` rows; within a sliver, step p holds the
  /// sliver's `tileRows` entries of column p. Rows past the end are zero.
  private static func packRowSlivers(
    _ a: StridedView, rows: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Double>
  ) {
    var out = packed
    for i0 in stride(from: rows.lowerBound, to: rows.upperBound, by: tileRows) {
      let valid = min(tileRows, rows.upperBound - i0)
      for p in columns {
        for r in 0..<valid { out[r] = a[i0 + r, p] }
        for r in valid..<tileRows { out[r] = 0 }
        out += tileRows
      }
    }
  }

  /// Packs B[rows, all columns] as slivers of `tileColumns` columns; within a sliver, step p
  /// holds the sliver's `tileColumns` entries of row p. Columns past the end are zero.
  private static func packColumnSlivers(
    _ b: StridedView, rows: Range<Int>, into packed: UnsafeMutablePointer<Double>
  ) {
    var out = packed
    for j0 in stride(from: 0, to: b.columns, by: tileColumns) {
      let valid = min(tileColumns, b.columns - j0)
      for p in rows {
        for c in 0..<valid { out[c] = b[p, j0 + c] }
        for c in valid..<tileColumns { out[c] = 0 }
        out += tileColumns
      }
    }
  }

  @inline(__always)
  private static func load(_ pointer: UnsafePointer<Double>) -> SIMD8<Double> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Double>.self)
  }

  @inline(__always)
  private static func add(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Double>) {
    let sum = load(pointer) + value
    UnsafeMutableRawPointer(pointer).storeBytes(of: sum, as: SIMD8<Double>.self)
  }

  /// One register tile: C[0..<rows, 0..<columns] += Σ_p a_p ⊗ b_p over the packed slivers.
  @inline(__always)
  private static func tile(
    depth: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
    c: UnsafeMutablePointer<Double>, ldc: Int, rows: Int, columns: Int
  ) {
    var c00 = SIMD8<Double>(), c01 = SIMD8<Double>(), c10 = SIMD8<Double>()
    var c11 = SIMD8<Double>(), c20 = SIMD8<Double>(), c21 = SIMD8<Double>()
    var c30 = SIMD8<Double>(), c31 = SIMD8<Double>(), c40 = SIMD8<Double>()
    var c41 = SIMD8<Double>(), c50 = SIMD8<Double>(), c51 = SIMD8<Double>()
    var c60 = SIMD8<Double>(), c61 = SIMD8<Double>(), c70 = SIMD8<Double>()
    var c71 = SIMD8<Double>()
    var a = a
    var b = b
    for _ in 0..<depth {
      let b0 = load(b)
      let b1 = load(b + 8)
      var broadcast = SIMD8<Double>(repeating: a[0])
      c00.addProduct(broadcast, b0)
      c01.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[1])
      c10.addProduct(broadcast, b0)
      c11.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[2])
      c20.addProduct(broadcast, b0)
      c21.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[3])
      c30.addProduct(broadcast, b0)
      c31.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[4])
      c40.addProduct(broadcast, b0)
      c41.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[5])
      c50.addProduct(broadcast, b0)
      c51.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[6])
      c60.addProduct(broadcast, b0)
      c61.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[7])
      c70.addProduct(broadcast, b0)
      c71.addProduct(broadcast, b1)
      a += tileRows
      b += tileColumns
    }
    withUnsafeTemporaryAllocation(of: SIMD8<Double>.self, capacity: 2 * tileRows) { sums in
      (sums[0], sums[1], sums[2], sums[3]) = (c00, c01, c10, c11)
      (sums[4], sums[5], sums[6], sums[7]) = (c20, c21, c30, c31)
      (sums[8], sums[9], sums[10], sums[11]) = (c40, c41, c50, c51)
      (sums[12], sums[13], sums[14], sums[15]) = (c60, c61, c70, c71)
      if rows == tileRows && columns == tileColumns {
        for r in 0..<tileRows {
          add(sums[2 * r], to: c + r * ldc)
          add(sums[2 * r + 1], to: c + r * ldc + 8)
        }
      } else {
        for r in 0..<rows {
          for j in 0..<columns { c[r * ldc + j] += sums[2 * r + j / 8][j % 8] }
        }
      }
    }
  }
}
