import Foundation

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
/// Cache-blocked in the BLIS manner: a KC × N panel of B is packed into contiguous,
/// zero-padded slivers of 16 columns, and an 8 × 16 register tile of `SIMD8<Double>`
/// accumulators (one AVX-512 register each, or two AVX2 ones) runs over it with fused multiply-adds, reading
/// its 8 rows of A in place (A is the large operand here, X or δ, and packing it would cost a
/// pass over it); only a last tile of fewer than 8 rows is copied, zero-padded.
/// The tiles of one panel are independent (each writes its own block of C), so up to
/// `Parallelism.threads` threads share them; every entry of C is still summed in the same order,
/// so any number of threads gives the same bits.
enum MatrixKernel {
  /// Rows of the register tile.
  static let tileRows = 8
  /// Columns of the register tile: two `SIMD8<Double>`.
  static let tileColumns = 16
  /// Depth of a packed panel (the shared dimension K is cut into pieces of this length).
  static let panelDepth = 256
  /// Below this many multiply-adds per panel, threads cost more than they save.
  static let parallelWork = 1 << 20

  /// The pointers a panel's tiles share, handed to the threads that compute them.
  private struct Panel: @unchecked Sendable {
    let a: StridedView
    let packedB: UnsafeMutablePointer<Double>
    let lastRows: UnsafeMutablePointer<Double>
    let c: UnsafeMutablePointer<Double>
    let ldc: Int
    let columns: Int
    let first: Int
    let depth: Int
  }

  /// C += A·B, where C has `columns` = B's columns and row stride `ldc`.
  static func multiplyAdd(
    _ a: StridedView, _ b: StridedView, into c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    precondition(a.columns == b.rows, "inner dimensions must agree")
    let (m, n, k) = (a.rows, b.columns, a.columns)
    guard m > 0, n > 0, k > 0 else { return }
    let packedB = allocate(panelDepth * roundUp(n, to: tileColumns))
    let lastRows = allocate(panelDepth * tileRows)
    defer {
      packedB.deallocate()
      lastRows.deallocate()
    }
    let (rowTiles, slivers) = ((m + tileRows - 1) / tileRows, (n + tileColumns - 1) / tileColumns)
    let tiles = rowTiles * slivers
    for p0 in stride(from: 0, to: k, by: panelDepth) {
      let depth = min(panelDepth, k - p0)
      packColumnSlivers(b, rows: p0..<p0 + depth, into: packedB)
      if m % tileRows != 0 {
        packLastRows(a, rows: (m - m % tileRows)..<m, columns: p0..<p0 + depth, into: lastRows)
      }
      let panel = Panel(
        a: a, packedB: packedB, lastRows: lastRows, c: c, ldc: ldc, columns: n, first: p0,
        depth: depth)
      let threads = min(Parallelism.threads, tiles)
      if threads > 1 && m * n * depth >= parallelWork {
        DispatchQueue.concurrentPerform(iterations: threads) { part in
          for t in tiles * part / threads..<tiles * (part + 1) / threads {
            compute(tile: t, slivers: slivers, of: panel)
          }
        }
      } else {
        for t in 0..<tiles { compute(tile: t, slivers: slivers, of: panel) }
      }
    }
  }

  /// Tile t of a panel: row tile t / slivers, column sliver t % slivers.
  private static func compute(tile t: Int, slivers: Int, of panel: Panel) {
    let a = panel.a
    let i = t / slivers * tileRows
    let j = t % slivers * tileColumns
    let rows = min(tileRows, a.rows - i)
    let tileA: (base: UnsafePointer<Double>, rowStride: Int, columnStride: Int) =
      rows == tileRows
      ? (a.base + i * a.rowStride + panel.first * a.columnStride, a.rowStride, a.columnStride)
      : (UnsafePointer(panel.lastRows), 1, tileRows)
    tile(
      depth: panel.depth, a: tileA.base, aRowStride: tileA.rowStride,
      aColumnStride: tileA.columnStride,
      b: panel.packedB + (j / tileColumns) * panel.depth * tileColumns,
      c: panel.c + i * panel.ldc + j, ldc: panel.ldc, rows: rows,
      columns: min(tileColumns, panel.columns - j))
  }

  private static func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
    UnsafeMutableRawPointer.allocate(
      byteCount: count * MemoryLayout<Double>.stride, alignment: 64
    ).bindMemory(to: Double.self, capacity: count)
  }

  /// Copies A[rows, columns] (fewer than `tileRows` rows) so that step p holds the rows'
  /// entries of column p, zero-padded to `tileRows`.
  private static func packLastRows(
    _ a: StridedView, rows: Range<Int>, columns: Range<Int>,
    into packed: UnsafeMutablePointer<Double>
  ) {
    var out = packed
    for p in columns {
      for r in 0..<tileRows { out[r] = r < rows.count ? a[rows.lowerBound + r, p] : 0 }
      out += tileRows
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
  private static func add(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Double>) {
    VectorMath.store(VectorMath.load(pointer) + value, to: pointer)
  }

  /// One register tile: C[0..<rows, 0..<columns] += Σ_p a_p ⊗ b_p, a_p the 8 entries
  /// a[r · rs + p · cs] of A's tile and b_p the 16 entries of step p of B's packed sliver.
  @inline(__always)
  private static func tile(
    depth: Int, a: UnsafePointer<Double>, aRowStride rs: Int, aColumnStride cs: Int,
    b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, ldc: Int, rows: Int, columns: Int
  ) {
    var c00 = SIMD8<Double>()
    var c01 = SIMD8<Double>()
    var c10 = SIMD8<Double>()
    var c11 = SIMD8<Double>()
    var c20 = SIMD8<Double>()
    var c21 = SIMD8<Double>()
    var c30 = SIMD8<Double>()
    var c31 = SIMD8<Double>()
    var c40 = SIMD8<Double>()
    var c41 = SIMD8<Double>()
    var c50 = SIMD8<Double>()
    var c51 = SIMD8<Double>()
    var c60 = SIMD8<Double>()
    var c61 = SIMD8<Double>()
    var c70 = SIMD8<Double>()
    var c71 = SIMD8<Double>()
    var a = a
    var b = b
    for _ in 0..<depth {
      let b0 = VectorMath.load(b)
      let b1 = VectorMath.load(b + 8)
      var broadcast = SIMD8<Double>(repeating: a[0])
      c00.addProduct(broadcast, b0)
      c01.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[rs])
      c10.addProduct(broadcast, b0)
      c11.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[2 * rs])
      c20.addProduct(broadcast, b0)
      c21.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[3 * rs])
      c30.addProduct(broadcast, b0)
      c31.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[4 * rs])
      c40.addProduct(broadcast, b0)
      c41.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[5 * rs])
      c50.addProduct(broadcast, b0)
      c51.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[6 * rs])
      c60.addProduct(broadcast, b0)
      c61.addProduct(broadcast, b1)
      broadcast = SIMD8<Double>(repeating: a[7 * rs])
      c70.addProduct(broadcast, b0)
      c71.addProduct(broadcast, b1)
      a += cs
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
