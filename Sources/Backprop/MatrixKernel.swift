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

/// The matrix product kernel: C += A·B for strided A (M × K) and B (K × N) into C, whose rows
/// are `ldc` apart.
///
/// Cache-blocked in the BLIS manner. The shared dimension K is cut into panels of 256. In each
/// panel, a register tile of up to 8 rows × 16 columns (16 `SIMD8<Double>` accumulators, one
/// AVX-512 register each or two AVX2 ones) runs over a 16-column sliver of B with fused
/// multiply-adds, broadcasting its rows of A read in place. A tile's height is a type, so a last
/// tile of fewer than 8 rows computes only those rows. B's slivers are read in place when its
/// rows are contiguous (a sliver is then 16 adjacent entries of each row), and otherwise packed
/// per panel, as is a last sliver of fewer than 16 columns (zero-padded).
///
/// The tiles run row tile by row tile when A is the larger operand (each tile of A stays in
/// the cache for every sliver), and sliver by sliver otherwise. They are independent (each
/// writes its own block of C), so up to `Parallelism.threads` threads share them; every entry
/// of C is still summed in the same order, so any number of threads gives the same bits.
enum MatrixKernel {
  /// Rows of the register tile.
  static let tileRows = 8
  /// Columns of the register tile: two `SIMD8<Double>`.
  static let tileColumns = 16
  /// Depth of a panel (the shared dimension K is cut into pieces of this length).
  static let panelDepth = 256
  /// Below this many multiply-adds per panel, threads cost more than they save.
  static let parallelWork = 1 << 20

  /// What a panel's tiles share, handed to the threads that compute them.
  private struct Panel: @unchecked Sendable {
    let a: StridedView
    let b: StridedView
    /// B's slivers of this panel that are packed; the first of them is sliver `firstPacked`.
    let packed: UnsafeMutablePointer<Double>
    let firstPacked: Int
    let c: UnsafeMutablePointer<Double>
    let ldc: Int
    let first: Int
    let depth: Int
    let rowTiles: Int
    let slivers: Int
    let rowsFirst: Bool

    /// Step p of sliver j: its 16 entries of B's row `first + p` are `base[p * rowStride ..<]`.
    func sliver(_ j: Int) -> (base: UnsafePointer<Double>, rowStride: Int) {
      let width = MatrixKernel.tileColumns
      guard j >= firstPacked else { return (b.base + first * b.rowStride + j * width, b.rowStride) }
      return (UnsafePointer(packed + (j - firstPacked) * depth * width), width)
    }
  }

  /// C += A·B, where C has B's columns and its rows `ldc` apart.
  static func multiplyAdd(
    _ a: StridedView, _ b: StridedView, into c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    precondition(a.columns == b.rows, "inner dimensions must agree")
    let (m, n, k) = (a.rows, b.columns, a.columns)
    guard m > 0, n > 0, k > 0 else { return }
    let (rowTiles, slivers) = ((m + tileRows - 1) / tileRows, (n + tileColumns - 1) / tileColumns)
    let firstPacked = b.columnStride == 1 ? n / tileColumns : 0
    let packed = allocate(panelDepth * tileColumns * max(1, slivers - firstPacked))
    defer { packed.deallocate() }
    let tiles = rowTiles * slivers
    for p0 in stride(from: 0, to: k, by: panelDepth) {
      let depth = min(panelDepth, k - p0)
      pack(b, rows: p0..<p0 + depth, columnsFrom: firstPacked * tileColumns, into: packed)
      let panel = Panel(
        a: a, b: b, packed: packed, firstPacked: firstPacked, c: c, ldc: ldc, first: p0,
        depth: depth, rowTiles: rowTiles, slivers: slivers, rowsFirst: m >= n)
      let threads = min(Parallelism.threads, tiles)
      if threads > 1 && m * n * depth >= parallelWork {
        DispatchQueue.concurrentPerform(iterations: threads) { part in
          for t in tiles * part / threads..<tiles * (part + 1) / threads {
            compute(tile: t, of: panel)
          }
        }
      } else {
        for t in 0..<tiles { compute(tile: t, of: panel) }
      }
    }
  }

  /// Tile t of a panel, in the panel's order.
  private static func compute(tile t: Int, of panel: Panel) {
    let (rowTile, sliver) =
      panel.rowsFirst
      ? (t / panel.slivers, t % panel.slivers) : (t % panel.rowTiles, t / panel.rowTiles)
    let (a, i, j) = (panel.a, rowTile * tileRows, sliver * tileColumns)
    let b = panel.sliver(sliver)
    let arguments = TileArguments(
      depth: panel.depth, a: a.base + i * a.rowStride + panel.first * a.columnStride,
      aRowStride: a.rowStride, aColumnStride: a.columnStride, b: b.base, bRowStride: b.rowStride,
      c: panel.c + i * panel.ldc + j, ldc: panel.ldc, columns: min(tileColumns, panel.b.columns - j)
    )
    switch min(tileRows, a.rows - i) {
    case 8: tile(Height8.self, arguments)
    case 7: tile(Height7.self, arguments)
    case 6: tile(Height6.self, arguments)
    case 5: tile(Height5.self, arguments)
    case 4: tile(Height4.self, arguments)
    case 3: tile(Height3.self, arguments)
    case 2: tile(Height2.self, arguments)
    default: tile(Height1.self, arguments)
    }
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
    UnsafeMutableRawPointer.allocate(
      byteCount: count * MemoryLayout<Double>.stride, alignment: 64
    ).bindMemory(to: Double.self, capacity: count)
  }

  /// Packs B[rows, columnsFrom...] as slivers of `tileColumns` columns; within a sliver, step p
  /// holds the sliver's `tileColumns` entries of row p. Columns past the end are zero.
  private static func pack(
    _ b: StridedView, rows: Range<Int>, columnsFrom first: Int,
    into packed: UnsafeMutablePointer<Double>
  ) {
    var out = packed
    for j0 in stride(from: first, to: b.columns, by: tileColumns) {
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

  /// Where one register tile reads and writes.
  private struct TileArguments {
    let depth: Int
    let a: UnsafePointer<Double>
    let aRowStride: Int
    let aColumnStride: Int
    let b: UnsafePointer<Double>
    let bRowStride: Int
    let c: UnsafeMutablePointer<Double>
    let ldc: Int
    /// How many of the tile's 16 columns are within C.
    let columns: Int
  }

  /// One register tile of height H.rows: C[0..<H.rows, 0..<columns] += Σ_p a_p ⊗ b_p, with a_p
  /// the entries a[r · rs + p · cs] of A's rows and b_p the 16 entries at b[p · bRowStride].
  /// The rows beyond H.rows fold away when the function is specialised for H.
  @inline(__always)
  private static func tile<H: TileHeight>(_: H.Type, _ arguments: TileArguments) {
    let (rs, cs, bs) = (arguments.aRowStride, arguments.aColumnStride, arguments.bRowStride)
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
    var a = arguments.a
    var b = arguments.b
    for _ in 0..<arguments.depth {
      let b0 = VectorMath.load(b)
      let b1 = VectorMath.load(b + 8)
      let a0 = SIMD8<Double>(repeating: a[0])
      c00.addProduct(a0, b0)
      c01.addProduct(a0, b1)
      if H.rows > 1 {
        let a1 = SIMD8<Double>(repeating: a[rs])
        c10.addProduct(a1, b0)
        c11.addProduct(a1, b1)
      }
      if H.rows > 2 {
        let a2 = SIMD8<Double>(repeating: a[2 * rs])
        c20.addProduct(a2, b0)
        c21.addProduct(a2, b1)
      }
      if H.rows > 3 {
        let a3 = SIMD8<Double>(repeating: a[3 * rs])
        c30.addProduct(a3, b0)
        c31.addProduct(a3, b1)
      }
      if H.rows > 4 {
        let a4 = SIMD8<Double>(repeating: a[4 * rs])
        c40.addProduct(a4, b0)
        c41.addProduct(a4, b1)
      }
      if H.rows > 5 {
        let a5 = SIMD8<Double>(repeating: a[5 * rs])
        c50.addProduct(a5, b0)
        c51.addProduct(a5, b1)
      }
      if H.rows > 6 {
        let a6 = SIMD8<Double>(repeating: a[6 * rs])
        c60.addProduct(a6, b0)
        c61.addProduct(a6, b1)
      }
      if H.rows > 7 {
        let a7 = SIMD8<Double>(repeating: a[7 * rs])
        c70.addProduct(a7, b0)
        c71.addProduct(a7, b1)
      }
      a += cs
      b += bs
    }
    let c = arguments.c
    let ldc = arguments.ldc
    withUnsafeTemporaryAllocation(of: SIMD8<Double>.self, capacity: 2 * tileRows) { sums in
      (sums[0], sums[1], sums[2], sums[3]) = (c00, c01, c10, c11)
      (sums[4], sums[5], sums[6], sums[7]) = (c20, c21, c30, c31)
      (sums[8], sums[9], sums[10], sums[11]) = (c40, c41, c50, c51)
      (sums[12], sums[13], sums[14], sums[15]) = (c60, c61, c70, c71)
      if arguments.columns == tileColumns {
        for r in 0..<H.rows {
          add(sums[2 * r], to: c + r * ldc)
          add(sums[2 * r + 1], to: c + r * ldc + 8)
        }
      } else {
        for r in 0..<H.rows {
          for j in 0..<arguments.columns { c[r * ldc + j] += sums[2 * r + j / 8][j % 8] }
        }
      }
    }
  }
}

/// The height of a register tile, as a type, so that each height gets its own specialised code.
private protocol TileHeight {
  static var rows: Int { get }
}

private enum Height1: TileHeight { static var rows: Int { 1 } }
private enum Height2: TileHeight { static var rows: Int { 2 } }
private enum Height3: TileHeight { static var rows: Int { 3 } }
private enum Height4: TileHeight { static var rows: Int { 4 } }
private enum Height5: TileHeight { static var rows: Int { 5 } }
private enum Height6: TileHeight { static var rows: Int { 6 } }
private enum Height7: TileHeight { static var rows: Int { 7 } }
private enum Height8: TileHeight { static var rows: Int { 8 } }
