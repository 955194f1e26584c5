/// The register tiles of `MatrixKernel`: a block of C held in vector registers while a panel's
/// steps add into it, each shape specialised as its own code.
extension MatrixKernel {
  /// Where one register tile reads and writes.
  struct TileArguments {
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
    /// B's one narrow column, step p at `narrow[p]`, when this tile computes it too (its rows
    /// adjacent in A).
    let narrow: UnsafePointer<Double>?
    /// The narrow column's place in C's rows, from `c`: N − 1 − the tile's first column.
    let narrowOffset: Int
  }

  /// A register tile `rows` high and as many vectors V wide as `arguments.columns` take, on the
  /// code specialised for that shape. It is at most as high as V is long, or 8 rows one `SIMD4`
  /// wide; a tile given B's narrow column is as high as V is long.
  @inline(__always)
  static func tile<V: SIMD>(rows: Int, _: V.Type, _ arguments: TileArguments)
  where V.Scalar == Double {
    switch (arguments.columns + V.scalarCount - 1) / V.scalarCount {
    case 3: tile(rows: rows, V.self, Width3.self, arguments)
    case 2: tile(rows: rows, V.self, Width2.self, arguments)
    default: tile(rows: rows, V.self, Width1.self, arguments)
    }
  }

  /// A register tile `rows` high and W wide.
  @inline(__always)
  private static func tile<V: SIMD, W: TileWidth>(
    rows: Int, _: V.Type, _: W.Type, _ arguments: TileArguments
  ) where V.Scalar == Double {
    switch rows {
    case 8 where arguments.narrow != nil: tile(V.self, Height8AndNarrow.self, W.self, arguments)
    case 4 where arguments.narrow != nil: tile(V.self, Height4AndNarrow.self, W.self, arguments)
    case 8: tile(V.self, Height8.self, W.self, arguments)
    case 7: tile(V.self, Height7.self, W.self, arguments)
    case 6: tile(V.self, Height6.self, W.self, arguments)
    case 5: tile(V.self, Height5.self, W.self, arguments)
    case 4: tile(V.self, Height4.self, W.self, arguments)
    case 3: tile(V.self, Height3.self, W.self, arguments)
    case 2: tile(V.self, Height2.self, W.self, arguments)
    default: tile(V.self, Height1.self, W.self, arguments)
    }
  }

  /// One register tile of H.rows × W.vectors vectors V: C[0..<H.rows, 0..<W.vectors · lanes] +=
  /// Σ_p a_p ⊗ b_p, with a_p the entries a[r · rs + p · cs] of A's rows and b_p the entries at
  /// b[p · bRowStride]. The rows and vectors beyond the tile's fold away when the function is
  /// specialised. A tile that fuses the narrow column, as high as V is long and its rows
  /// adjacent in A, also sums C[0..<H.rows, narrow column] += Σ_p a_p · B[p, narrow column],
  /// its lanes down the rows, in one chain over p.
  @inline(__always)
  private static func tile<V: SIMD, H: TileHeight, W: TileWidth>(
    _: V.Type, _: H.Type, _: W.Type, _ arguments: TileArguments
  ) where V.Scalar == Double {
    let (rs, cs, bs) = (arguments.aRowStride, arguments.aColumnStride, arguments.bRowStride)
    let lanes = V.scalarCount
    var (row0, row1, row2, row3) = (
      TileRow<V, W>(), TileRow<V, W>(), TileRow<V, W>(), TileRow<V, W>()
    )
    var (row4, row5, row6, row7) = (
      TileRow<V, W>(), TileRow<V, W>(), TileRow<V, W>(), TileRow<V, W>()
    )
    var a = arguments.a
    var b = arguments.b
    var narrowSums = V()
    var narrow = arguments.narrow ?? arguments.b  // read only where H.fusesNarrow
    for _ in 0..<arguments.depth {
      let b0: V = VectorMath.load(b)
      let b1: V = W.vectors > 1 ? VectorMath.load(b + lanes) : b0
      let b2: V = W.vectors > 2 ? VectorMath.load(b + 2 * lanes) : b0
      row0.add(a[0], times: b0, b1, b2)
      if H.rows > 1 { row1.add(a[rs], times: b0, b1, b2) }
      if H.rows > 2 { row2.add(a[2 * rs], times: b0, b1, b2) }
      if H.rows > 3 { row3.add(a[3 * rs], times: b0, b1, b2) }
      if H.rows > 4 { row4.add(a[4 * rs], times: b0, b1, b2) }
      if H.rows > 5 { row5.add(a[5 * rs], times: b0, b1, b2) }
      if H.rows > 6 { row6.add(a[6 * rs], times: b0, b1, b2) }
      if H.rows > 7 { row7.add(a[7 * rs], times: b0, b1, b2) }
      if H.fusesNarrow {
        narrowSums.addProduct(VectorMath.load(a), V(repeating: narrow.pointee))
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
      for r in 0..<H.rows { c[r * ldc + arguments.narrowOffset] += narrowSums[r] }
    }
  }
}

/// One row of a register tile: W.vectors accumulators V.
private struct TileRow<V: SIMD, W: TileWidth> where V.Scalar == Double {
  private var sums0 = V()
  private var sums1 = V()
  private var sums2 = V()

  /// sums += a · [b0 b1 b2], the row's share of one step of the product.
  @inline(__always)
  mutating func add(_ a: Double, times b0: V, _ b1: V, _ b2: V) {
    let broadcast = V(repeating: a)
    sums0.addProduct(broadcast, b0)
    if W.vectors > 1 { sums1.addProduct(broadcast, b1) }
    if W.vectors > 2 { sums2.addProduct(broadcast, b2) }
  }

  /// Adds the sums to the W.vectors vectors of C's row at `row`, or to its first `columns`
  /// when a padded sliver has fewer.
  @inline(__always)
  func addSums(to row: UnsafeMutablePointer<Double>, columns: Int) {
    let lanes = V.scalarCount
    guard columns == lanes * W.vectors else {
      for j in 0..<columns {
        row[j] += j < lanes ? sums0[j] : j < 2 * lanes ? sums1[j - lanes] : sums2[j - 2 * lanes]
      }
      return
    }
    VectorMath.store(VectorMath.load(row) + sums0, to: row)
    if W.vectors > 1 { VectorMath.store(VectorMath.load(row + lanes) + sums1, to: row + lanes) }
    if W.vectors > 2 {
      VectorMath.store(VectorMath.load(row + 2 * lanes) + sums2, to: row + 2 * lanes)
    }
  }
}

/// The height of a register tile, as a type, so that each height gets its own specialised code.
private protocol TileHeight {
  static var rows: Int { get }
  /// Whether the tile computes the one narrow column too (its rows adjacent in A, as many as
  /// the vector's lanes).
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
private enum Height4AndNarrow: TileHeight {
  static var rows: Int { 4 }
  static var fusesNarrow: Bool { true }
}
private enum Height8AndNarrow: TileHeight {
  static var rows: Int { 8 }
  static var fusesNarrow: Bool { true }
}

/// The width of a register tile in vectors, as a type, like its height.
private protocol TileWidth {
  static var vectors: Int { get }
}

private enum Width1: TileWidth { static var vectors: Int { 1 } }
private enum Width2: TileWidth { static var vectors: Int { 2 } }
private enum Width3: TileWidth { static var vectors: Int { 3 } }
