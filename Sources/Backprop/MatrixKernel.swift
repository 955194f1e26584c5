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
/// AVX-512 register each; an AVX2 build spills some) runs over a 24-column sliver of B with fused
/// multiply-adds, broadcasting its rows of A read in place. A tile's height and width are
/// types, so a last tile of fewer than 8 rows or 3 vectors computes only those. B's slivers are
/// read in place when its rows are contiguous, and packed per panel otherwise.
///
/// The last N mod 8 columns would fill a vector mostly with padding (25 hidden units are 24
/// columns and 1), so a narrow tile computes them with its lanes along A's unit stride instead,
/// on those columns of B packed one after the other: along K, a dot product per entry, when A's
/// columns are adjacent; down 8 rows when A's rows are (one multiply-add at a time for a last
/// tile of fewer rows). Where a dot product would not pay, A's columns adjacent but the panel
/// under 32 deep, they are one sliver of 8 columns, zero-padded, instead. A single narrow
/// column down 8 adjacent rows of A (Δ⁽¹⁾'s 25th unit) is summed by each whole row tile's first
/// register tile, from the entries of A it loads anyway: one more multiply-add a step instead
/// of a pass of its own over A.
///
/// The tiles run row tile by row tile when A is the larger operand (each tile of A stays in
/// the cache for every sliver, the narrow one last), and sliver by sliver otherwise. They are
/// independent (each writes its own block of C), so up to `Parallelism.threads` threads share
/// them; every entry of C is still summed in the same order, so any number of threads gives the
/// same bits.
enum MatrixKernel {
  /// Rows of the register tile.
  static let tileRows = 8
  /// Columns of the register tile: three `SIMD8<Double>`.
  static let tileColumns = 24
  /// Depth of a panel (the shared dimension K is cut into pieces of this length).
  static let panelDepth = 512
  /// Below this many multiply-adds per panel, threads cost more than they save.
  static let parallelWork = 1 << 20
  /// Below this depth, a narrow column's dot product is mostly its final sum of 8 lanes: the
  /// panel pads its narrow columns to a vector instead.
  static let dotDepth = 32

  /// What a panel's tiles share, handed to the threads that compute them.
  private struct Panel: @unchecked Sendable {
    let a: StridedView
    let b: StridedView
    /// B's packed slivers, from sliver `firstPacked` on, then its narrow columns.
    let packed: UnsafeMutablePointer<Double>
    let firstPacked: Int
    /// Slivers of whole vectors; the narrow columns, if any, are one more sliver.
    let vectorSlivers: Int
    let narrowColumns: Int
    /// Whether the narrow columns are packed as a sliver of 8, zero-padded, for a register
    /// tile: the panel is shallow and A's columns are adjacent.
    let paddedNarrow: Bool
    /// Whether a whole row tile's first sliver computes the one narrow column too: A's rows
    /// are adjacent, so each step's 8 entries of A, which the tile broadcasts, are one vector.
    let fusedNarrow: Bool
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

    /// B[first + p, N − narrowColumns + j] is `narrow[p * 8 + j]` when they are padded, else
    /// `narrow[j * depth + p]`.
    var narrow: UnsafePointer<Double> {
      UnsafePointer(packed + (vectorSlivers - firstPacked) * depth * MatrixKernel.tileColumns)
    }
  }

  /// C += A·B, where C has B's columns and its rows `ldc` apart.
  static func multiplyAdd(
    _ a: StridedView, _ b: StridedView, into c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    precondition(a.columns == b.rows, "inner dimensions must agree")
    let (m, n, k) = (a.rows, b.columns, a.columns)
    guard m > 0, n > 0, k > 0 else { return }
    let narrowColumns = n % 8
    let vectorColumns = n - narrowColumns
    let vectorSlivers = (vectorColumns + tileColumns - 1) / tileColumns
    let slivers = vectorSlivers + (narrowColumns > 0 ? 1 : 0)
    let rowTiles = (m + tileRows - 1) / tileRows
    let firstPacked = b.columnStride == 1 ? vectorSlivers : 0
    // The narrow columns take at most 8 entries a step, packed either way.
    let packed = allocate(
      min(panelDepth, k)
        * ((vectorSlivers - firstPacked) * tileColumns + (narrowColumns > 0 ? 8 : 0)))
    defer { packed.deallocate() }
    let tiles = rowTiles * slivers
    for p0 in stride(from: 0, to: k, by: panelDepth) {
      let depth = min(panelDepth, k - p0)
      let padded = narrowColumns > 0 && a.columnStride == 1 && depth < dotDepth
      let fused = narrowColumns == 1 && vectorSlivers > 0 && a.rowStride == 1 && !padded
      let panel = Panel(
        a: a, b: b, packed: packed, firstPacked: firstPacked, vectorSlivers: vectorSlivers,
        narrowColumns: narrowColumns, paddedNarrow: padded, fusedNarrow: fused, c: c, ldc: ldc,
        first: p0, depth: depth, rowTiles: rowTiles, slivers: slivers, rowsFirst: m >= n)
      pack(panel)
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
    let rows = min(tileRows, a.rows - i)
    let aTile = a.base + i * a.rowStride + panel.first * a.columnStride
    let narrowFrom = panel.b.columns - panel.narrowColumns
    let fused = panel.fusedNarrow && rows == tileRows
    guard sliver < panel.vectorSlivers else {
      if !fused {
        narrowTile(rows: rows, a: aTile, of: panel, c: panel.c + i * panel.ldc + narrowFrom)
      }
      return
    }
    let b = panel.sliver(sliver)
    let arguments = TileArguments(
      depth: panel.depth, a: aTile, aRowStride: a.rowStride, aColumnStride: a.columnStride,
      b: b.base, bRowStride: b.rowStride, c: panel.c + i * panel.ldc + j, ldc: panel.ldc,
      columns: min(tileColumns, panel.b.columns - panel.narrowColumns - j),
      narrow: fused && sliver == 0 ? panel.narrow : nil, narrowOffset: narrowFrom - j)
    switch arguments.columns / 8 {
    case 3: tile(rows: rows, Width3.self, arguments)
    case 2: tile(rows: rows, Width2.self, arguments)
    default: tile(rows: rows, Width1.self, arguments)
    }
  }

  /// A tile `rows` high and W wide, on the code specialised for that shape.
  @inline(__always)
  private static func tile<W: TileWidth>(rows: Int, _: W.Type, _ arguments: TileArguments) {
    switch rows {
    case 8 where arguments.narrow != nil: tile(Height8AndNarrow.self, W.self, arguments)
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
      byteCount: max(1, count) * MemoryLayout<Double>.stride, alignment: 64
    ).bindMemory(to: Double.self, capacity: max(1, count))
  }

  /// Packs the panel's rows of B: its slivers from `firstPacked` on, where step p holds the
  /// sliver's entries of row p, `tileColumns` apart; then the narrow columns, either as a
  /// sliver of 8 zero-padded or each contiguous.
  private static func pack(_ panel: Panel) {
    let (b, rows) = (panel.b, panel.first..<panel.first + panel.depth)
    let vectorColumns = b.columns - panel.narrowColumns
    var out = panel.packed
    for j0 in stride(from: panel.firstPacked * tileColumns, to: vectorColumns, by: tileColumns) {
      for p in rows {
        for c in 0..<min(tileColumns, vectorColumns - j0) { out[c] = b[p, j0 + c] }
        out += tileColumns
      }
    }
    if panel.paddedNarrow {
      for p in rows {
        for j in 0..<8 { out[j] = j < panel.narrowColumns ? b[p, vectorColumns + j] : 0 }
        out += 8
      }
    } else {
      for j in vectorColumns..<b.columns {
        for p in rows {
          out.pointee = b[p, j]
          out += 1
        }
      }
    }
  }

  /// The narrow columns of one row tile, C[r, j] += Σ_p A[r, p]·B[p, j]: as a padded tile, or
  /// eight lanes at a time along A's unit stride: along p when A's columns are adjacent, down
  /// the rows when its rows are (a whole tile of them); otherwise one multiply-add at a time.
  private static func narrowTile(
    rows: Int, a: UnsafePointer<Double>, of panel: Panel, c: UnsafeMutablePointer<Double>
  ) {
    let (rs, cs, depth) = (panel.a.rowStride, panel.a.columnStride, panel.depth)
    guard !panel.paddedNarrow else {
      let arguments = TileArguments(
        depth: depth, a: a, aRowStride: rs, aColumnStride: cs, b: panel.narrow, bRowStride: 8,
        c: c, ldc: panel.ldc, columns: panel.narrowColumns, narrow: nil, narrowOffset: 0)
      tile(rows: rows, Width1.self, arguments)
      return
    }
    for j in 0..<panel.narrowColumns {
      let b = panel.narrow + j * depth
      if cs == 1 {
        for r in 0..<rows { c[r * panel.ldc + j] += dot(a + r * rs, b, count: depth) }
      } else if rs == 1 && rows == tileRows {
        let sums = downRows(a, columnStride: cs, b, count: depth)
        for r in 0..<rows { c[r * panel.ldc + j] += sums[r] }
      } else {
        for r in 0..<rows {
          var sum = 0.0
          for p in 0..<depth { sum.addProduct(a[r * rs + p * cs], b[p]) }
          c[r * panel.ldc + j] += sum
        }
      }
    }
  }

  /// Σ_p x[p]·y[p] over `count` adjacent entries: 32 terms at a time in four chains of eight
  /// lanes, then the rest one by one.
  @inline(__always)
  private static func dot(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int
  ) -> Double {
    var (sums0, sums1) = (SIMD8<Double>(), SIMD8<Double>())
    var (sums2, sums3) = (SIMD8<Double>(), SIMD8<Double>())
    var p = 0
    while p + 32 <= count {
      sums0.addProduct(VectorMath.load(x + p), VectorMath.load(y + p))
      sums1.addProduct(VectorMath.load(x + p + 8), VectorMath.load(y + p + 8))
      sums2.addProduct(VectorMath.load(x + p + 16), VectorMath.load(y + p + 16))
      sums3.addProduct(VectorMath.load(x + p + 24), VectorMath.load(y + p + 24))
      p += 32
    }
    while p + 8 <= count {
      sums0.addProduct(VectorMath.load(x + p), VectorMath.load(y + p))
      p += 8
    }
    var sum = ((sums0 + sums1) + (sums2 + sums3)).sum()
    while p < count {
      sum.addProduct(x[p], y[p])
      p += 1
    }
    return sum
  }

  /// Σ_p a_p·y[p] for the 8 adjacent entries a_p at a[p · columnStride]: four chains over p,
  /// then the rest.
  @inline(__always)
  private static func downRows(
    _ a: UnsafePointer<Double>, columnStride cs: Int, _ y: UnsafePointer<Double>, count: Int
  ) -> SIMD8<Double> {
    var (sums0, sums1) = (SIMD8<Double>(), SIMD8<Double>())
    var (sums2, sums3) = (SIMD8<Double>(), SIMD8<Double>())
    var p = 0
    while p + 4 <= count {
      sums0.addProduct(VectorMath.load(a + p * cs), SIMD8(repeating: y[p]))
      sums1.addProduct(VectorMath.load(a + (p + 1) * cs), SIMD8(repeating: y[p + 1]))
      sums2.addProduct(VectorMath.load(a + (p + 2) * cs), SIMD8(repeating: y[p + 2]))
      sums3.addProduct(VectorMath.load(a + (p + 3) * cs), SIMD8(repeating: y[p + 3]))
      p += 4
    }
    var sums = (sums0 + sums1) + (sums2 + sums3)
    while p < count {
      sums.addProduct(VectorMath.load(a + p * cs), SIMD8(repeating: y[p]))
      p += 1
    }
    return sums
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
    /// How many of the tile's columns are within C: all of its vectors', or fewer in a padded
    /// sliver.
    let columns: Int
    /// B's one narrow column, step p at `narrow[p]`, when this tile computes it too (8 rows of
    /// A adjacent).
    let narrow: UnsafePointer<Double>?
    /// The narrow column's place in C's rows, from `c`: N − 1 − the tile's first column.
    let narrowOffset: Int
  }

  /// One register tile of H.rows × W.vectors · 8: C[0..<H.rows, 0..<8 · W.vectors] += Σ_p a_p ⊗
  /// b_p, with a_p the entries a[r · rs + p · cs] of A's rows and b_p the entries at
  /// b[p · bRowStride]. The rows and vectors beyond the tile's fold away when the function is
  /// specialised. A tile of `Height8AndNarrow`, its 8 rows adjacent in A, also sums
  /// C[0..<8, narrow column] += Σ_p a_p · B[p, narrow column], its lanes down the rows, in one
  /// chain over p.
  @inline(__always)
  private static func tile<H: TileHeight, W: TileWidth>(
    _: H.Type, _: W.Type, _ arguments: TileArguments
  ) {
    let (rs, cs, bs) = (arguments.aRowStride, arguments.aColumnStride, arguments.bRowStride)
    var (row0, row1, row2, row3) = (TileRow<W>(), TileRow<W>(), TileRow<W>(), TileRow<W>())
    var (row4, row5, row6, row7) = (TileRow<W>(), TileRow<W>(), TileRow<W>(), TileRow<W>())
    var a = arguments.a
    var b = arguments.b
    var narrowSums = SIMD8<Double>()
    var narrow = arguments.narrow ?? arguments.b  // read only where H.fusesNarrow
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
      if H.fusesNarrow {
        narrowSums.addProduct(VectorMath.load(a), SIMD8(repeating: narrow.pointee))
        narrow += 1
      }
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
    if H.fusesNarrow {
      for r in 0..<8 { c[r * ldc + arguments.narrowOffset] += narrowSums[r] }
    }
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

  /// Adds the sums to the W.vectors · 8 entries of C's row at `row`, or to its first `columns`
  /// when a padded sliver (one vector wide) has fewer.
  @inline(__always)
  func addSums(to row: UnsafeMutablePointer<Double>, columns: Int) {
    guard columns == 8 * W.vectors else {
      for j in 0..<columns { row[j] += sums0[j] }
      return
    }
    VectorMath.store(VectorMath.load(row) + sums0, to: row)
    if W.vectors > 1 { VectorMath.store(VectorMath.load(row + 8) + sums1, to: row + 8) }
    if W.vectors > 2 { VectorMath.store(VectorMath.load(row + 16) + sums2, to: row + 16) }
  }
}

/// The height of a register tile, as a type, so that each height gets its own specialised code.
private protocol TileHeight {
  static var rows: Int { get }
  /// Whether the tile computes the one narrow column too (8 rows adjacent in A).
  static var fusesNarrow: Bool { get }
}

extension TileHeight {
  static var fusesNarrow: Bool { false }
}

private enum Height1: TileHeight { static var rows: Int { 1 } }
private enum Height2: TileHeight { static var rows: Int { 2 } }
private enum Height3: TileHeight { static var rows: Int { 3 } }
private enum Height4: TileHeight { static var rows: Int { 4 } }
private enum Height5: TileHeight { static var rows: Int { 5 } }
private enum Height6: TileHeight { static var rows: Int { 6 } }
private enum Height7: TileHeight { static var rows: Int { 7 } }
private enum Height8: TileHeight { static var rows: Int { 8 } }
private enum Height8AndNarrow: TileHeight {
  static var rows: Int { 8 }
  static var fusesNarrow: Bool { true }
}

/// The width of a register tile in `SIMD8<Double>` vectors, as a type, like its height.
private protocol TileWidth {
  static var vectors: Int { get }
}

private enum Width1: TileWidth { static var vectors: Int { 1 } }
private enum Width2: TileWidth { static var vectors: Int { 2 } }
private enum Width3: TileWidth { static var vectors: Int { 3 } }
