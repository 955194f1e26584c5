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
/// Cache-blocked in the BLIS manner. The shared dimension K is cut into panels of 512. In each
/// panel, a register tile of up to 8 rows × 24 columns (24 `SIMD8<Double>` accumulators, one
/// AVX-512 register each or two AVX2 ones) runs over a 24-column sliver of B with fused
/// multiply-adds, broadcasting its rows of A read in place. A tile's height and width are
/// types, so a last tile of fewer than 8 rows or 3 vectors computes only those. B's slivers are
/// read in place when its rows are contiguous and the sliver is whole vectors wide (24 adjacent
/// entries of each row, or a last 8 or 16), and otherwise packed per panel, zero-padded to whole
/// vectors: 25 columns, say, are a sliver of 24 read in place and one of 1 packed into 8.
///
/// The tiles run row tile by row tile when A is the larger operand (each tile of A stays in
/// the cache for every sliver), and sliver by sliver otherwise. They are independent (each
/// writes its own block of C), so up to `Parallelism.threads` threads share them; every entry
/// of C is still summed in the same order, so any number of threads gives the same bits.
enum MatrixKernel {
  /// Rows of the register tile.
  static let tileRows = 8
  /// Columns of the register tile: three `SIMD8<Double>`.
  static let tileColumns = 24
  /// Depth of a panel (the shared dimension K is cut into pieces of this length).
  static let panelDepth = 512
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

    /// Step p of sliver j: its entries of B's row `first + p` are `base[p * rowStride ..<]`.
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
    // In place: every sliver of contiguous rows, but a last one that ends inside a vector.
    let firstPacked = b.columnStride != 1 ? 0 : n % 8 == 0 ? slivers : slivers - 1
    let packed = allocate(min(panelDepth, k) * tileColumns * max(1, slivers - firstPacked))
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
    let rows = min(tileRows, a.rows - i)
    switch (arguments.columns + 7) / 8 {
    case 3: tile(rows: rows, Width3.self, arguments)
    case 2: tile(rows: rows, Width2.self, arguments)
    default: tile(rows: rows, Width1.self, arguments)
    }
  }

  /// A tile `rows` high and W wide, on the code specialised for that shape.
  @inline(__always)
  private static func tile<W: TileWidth>(rows: Int, _: W.Type, _ arguments: TileArguments) {
    switch rows {
    case 8: tile(Height8.self, W.self, arguments)
    case 7: tile(Height7.self, W.self, arguments)
    case 6: tile(Height6.self, W.self, arguments)
    case 5: tile(Height5.self, W.self, arguments)
    case 4: tile(Height4.self, W.self, arguments)
    case 3: tile(Height3.self, W.self, arguments)
    case 2: tile(Height2.self, W.self, arguments)
    default: tile(Height1.self, W.self, arguments)
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
    /// How many of the tile's columns are within C.
    let columns: Int
  }

  /// One register tile of H.rows × W.vectors · 8: C[0..<H.rows, 0..<columns] += Σ_p a_p ⊗ b_p,
  /// with a_p the entries a[r · rs + p · cs] of A's rows and b_p the entries at b[p · bRowStride].
  /// The rows and vectors beyond the tile's fold away when the function is specialised.
  @inline(__always)
  private static func tile<H: TileHeight, W: TileWidth>(
    _: H.Type, _: W.Type, _ arguments: TileArguments
  ) {
    let (rs, cs, bs) = (arguments.aRowStride, arguments.aColumnStride, arguments.bRowStride)
    var (row0, row1, row2, row3) = (TileRow<W>(), TileRow<W>(), TileRow<W>(), TileRow<W>())
    var (row4, row5, row6, row7) = (TileRow<W>(), TileRow<W>(), TileRow<W>(), TileRow<W>())
    var a = arguments.a
    var b = arguments.b
    for _ in 0..<arguments.depth {
      let b0 = VectorMath.load(b)
      let b1 = W.vectors > 1 ? VectorMath.load(b + 8) : b0
      let b2 = W.vectors > 2 ? VectorMath.load(b + 16) : b0
      row0.add(a[0], times: b0, b1, b2)
      if H.rows > 1 { row1.add(a[rs], times: b0, b1, b2) }
      if H.rows > 2 { row2.add(a[2 * rs], times: b0, b1, b2) }
      if H.rows > 3 { row3.add(a[3 * rs], times: b0, b1, b2) }
      if H.rows > 4 { row4.add(a[4 * rs], times: b0, b1, b2) }
      if H.rows > 5 { row5.add(a[5 * rs], times: b0, b1, b2) }
      if H.rows > 6 { row6.add(a[6 * rs], times: b0, b1, b2) }
      if H.rows > 7 { row7.add(a[7 * rs], times: b0, b1, b2) }
      a += cs
      b += bs
    }
    let (c, ldc, columns) = (arguments.c, arguments.ldc, arguments.columns)
    row0.addSums(to: c, columns: columns)
    if H.rows > 1 { row1.addSums(to: c + ldc, columns: columns) }
    if H.rows > 2 { row2.addSums(to: c + 2 * ldc, columns: columns) }
    if H.rows > 3 { row3.addSums(to: c + 3 * ldc, columns: columns) }
    if H.rows > 4 { row4.addSums(to: c + 4 * ldc, columns: columns) }
    if H.rows > 5 { row5.addSums(to: c + 5 * ldc, columns: columns) }
    if H.rows > 6 { row6.addSums(to: c + 6 * ldc, columns: columns) }
    if H.rows > 7 { row7.addSums(to: c + 7 * ldc, columns: columns) }
  }
}

/// One row of a register tile: W.vectors accumulators of 8 columns each.
private struct TileRow<W: TileWidth> {
  private var sums0 = SIMD8<Double>()
  private var sums1 = SIMD8<Double>()
  private var sums2 = SIMD8<Double>()

  /// sums += a · [b0 b1 b2], the row's share of one step of the product.
  @inline(__always)
  mutating func add(
    _ a: Double, times b0: SIMD8<Double>, _ b1: SIMD8<Double>, _ b2: SIMD8<Double>
  ) {
    let broadcast = SIMD8<Double>(repeating: a)
    sums0.addProduct(broadcast, b0)
    if W.vectors > 1 { sums1.addProduct(broadcast, b1) }
    if W.vectors > 2 { sums2.addProduct(broadcast, b2) }
  }

  /// Adds the first `columns` sums to C's row at `row`: whole vectors at once, then the rest.
  @inline(__always)
  func addSums(to row: UnsafeMutablePointer<Double>, columns: Int) {
    for v in 0..<columns / 8 {
      VectorMath.store(VectorMath.load(row + 8 * v) + sums(v), to: row + 8 * v)
    }
    for j in columns / 8 * 8..<columns { row[j] += sums(j / 8)[j % 8] }
  }

  /// The accumulators of vector v.
  @inline(__always)
  private func sums(_ v: Int) -> SIMD8<Double> { v == 0 ? sums0 : v == 1 ? sums1 : sums2 }
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

/// The width of a register tile in `SIMD8<Double>` vectors, as a type, like its height.
private protocol TileWidth {
  static var vectors: Int { get }
}

private enum Width1: TileWidth { static var vectors: Int { 1 } }
private enum Width2: TileWidth { static var vectors: Int { 2 } }
private enum Width3: TileWidth { static var vectors: Int { 3 } }
