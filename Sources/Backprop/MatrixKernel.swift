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
/// panel, C's rows are cut into row tiles of 8 and its columns into slivers of three vectors,
/// and register tiles as high as a vector is long run over a sliver of B with fused
/// multiply-adds, broadcasting their rows of A read in place. The vector is the build's
/// `Vector`: `SIMD8<Double>` for a processor with AVX-512, whose tile of 8 rows × 24 columns
/// keeps its 24 accumulators in 24 of the 32 registers; `SIMD4<Double>` otherwise, whose tile of
/// 4 rows × 12 columns keeps its 12 in AVX2's 16 (two of NEON's 32 each on ARM64), so a row tile
/// is two of them. A tile's height and width are types, so a last tile of fewer rows or vectors
/// computes only those. B's slivers are read in place when its rows are contiguous, and packed
/// per panel otherwise.
///
/// The last N mod 8 columns would fill a vector mostly with padding (25 hidden units are 24
/// columns and 1), so a narrow tile computes them with its lanes along A's unit stride instead,
/// on those columns of B packed one after the other: along K, a dot product per entry, when A's
/// columns are adjacent; down a row tile's 8 rows when A's rows are (one multiply-add at a time
/// for a last row tile of fewer rows). Where a dot product would not pay, A's columns adjacent
/// but the panel under 32 deep, they are one sliver of 8 columns, zero-padded, instead. A single
/// narrow column down adjacent rows of A (Δ⁽¹⁾'s 25th unit) is summed by each whole row tile's
/// first register tiles, from the entries of A they load anyway: one more multiply-add a step
/// instead of a pass of its own over A.
///
/// The tiles run row tile by row tile when A is the larger operand (each tile of A stays in
/// the cache for every sliver, the narrow one last), and sliver by sliver otherwise. They are
/// independent (each writes its own block of C), so up to `Parallelism.threads` threads share
/// them. Each entry of C is summed in an order that depends on the shapes alone — one chain of
/// multiply-adds a panel, or the narrow columns' fixed chains — so any number of threads, and
/// either vector, gives the same bits.
enum MatrixKernel {
  /// Rows of a row tile, the unit the threads share and the narrow columns are summed over.
  static let tileRows = 8
  /// Vectors across a register tile, and so across a sliver of B.
  static let tileVectors = 3
  /// Depth of a panel (the shared dimension K is cut into pieces of this length).
  static let panelDepth = 512
  /// Below this many multiply-adds per panel, threads cost more than they save.
  static let parallelWork = 1 << 20
  /// Below this depth, a narrow column's dot product is mostly its final sum of 8 lanes: the
  /// panel pads its narrow columns to a vector instead.
  static let dotDepth = 32

  #if NNLAB_AVX512
    /// The register tiles' vector: a processor with AVX-512 holds one in a register, and has 32.
    typealias Vector = SIMD8<Double>
  #else
    /// The register tiles' vector: one AVX2 register (of 16), or two NEON registers (of 32).
    typealias Vector = SIMD4<Double>
  #endif

  /// What a panel's tiles share, handed to the threads that compute them.
  private struct Panel: @unchecked Sendable {
    let a: StridedView
    let b: StridedView
    /// Columns of a sliver: `tileVectors` vectors.
    let sliverWidth: Int
    /// B's packed slivers, from sliver `firstPacked` on, then its narrow columns.
    let packed: UnsafeMutablePointer<Double>
    let firstPacked: Int
    /// Slivers of whole vectors; the narrow columns, if any, are one more sliver.
    let vectorSlivers: Int
    let narrowColumns: Int
    /// Whether the narrow columns are packed as a sliver of 8, zero-padded, for register
    /// tiles: the panel is shallow and A's columns are adjacent.
    let paddedNarrow: Bool
    /// Whether a whole row tile's first sliver computes the one narrow column too: A's rows
    /// are adjacent, so each step's entries of A, which a register tile broadcasts, are one
    /// vector.
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
      guard j >= firstPacked else {
        return (b.base + first * b.rowStride + j * sliverWidth, b.rowStride)
      }
      return (UnsafePointer(packed + (j - firstPacked) * depth * sliverWidth), sliverWidth)
    }

    /// B[first + p, N − narrowColumns + j] is `narrow[p * 8 + j]` when they are padded, else
    /// `narrow[j * depth + p]`.
    var narrow: UnsafePointer<Double> {
      UnsafePointer(packed + (vectorSlivers - firstPacked) * depth * sliverWidth)
    }
  }

  /// C += A·B, where C has B's columns and its rows `ldc` apart, on the build's `Vector`.
  static func multiplyAdd(
    _ a: StridedView, _ b: StridedView, into c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    multiplyAdd(a, b, into: c, ldc: ldc, in: Vector.self)
  }

  /// C += A·B on register tiles of `V` (the build's `Vector`, or for the tests either).
  static func multiplyAdd<V: SIMD & SendableMetatype>(
    _ a: StridedView, _ b: StridedView, into c: UnsafeMutablePointer<Double>, ldc: Int,
    in _: V.Type
  ) where V.Scalar == Double {
    precondition(a.columns == b.rows, "inner dimensions must agree")
    let (m, n, k) = (a.rows, b.columns, a.columns)
    guard m > 0, n > 0, k > 0 else { return }
    let sliverWidth = tileVectors * V.scalarCount
    let narrowColumns = n % 8
    let vectorColumns = n - narrowColumns
    let vectorSlivers = (vectorColumns + sliverWidth - 1) / sliverWidth
    let slivers = vectorSlivers + (narrowColumns > 0 ? 1 : 0)
    let rowTiles = (m + tileRows - 1) / tileRows
    let firstPacked = b.columnStride == 1 ? vectorSlivers : 0
    // The narrow columns take at most 8 entries a step, packed either way.
    let packed = allocate(
      min(panelDepth, k)
        * ((vectorSlivers - firstPacked) * sliverWidth + (narrowColumns > 0 ? 8 : 0)))
    defer { packed.deallocate() }
    let tiles = rowTiles * slivers
    for p0 in stride(from: 0, to: k, by: panelDepth) {
      let depth = min(panelDepth, k - p0)
      let padded = narrowColumns > 0 && a.columnStride == 1 && depth < dotDepth
      let fused = narrowColumns == 1 && vectorSlivers > 0 && a.rowStride == 1 && !padded
      let panel = Panel(
        a: a, b: b, sliverWidth: sliverWidth, packed: packed, firstPacked: firstPacked,
        vectorSlivers: vectorSlivers, narrowColumns: narrowColumns, paddedNarrow: padded,
        fusedNarrow: fused, c: c, ldc: ldc, first: p0, depth: depth, rowTiles: rowTiles,
        slivers: slivers, rowsFirst: m >= n)
      pack(panel)
      let threads = min(Parallelism.threads, tiles)
      if threads > 1 && m * n * depth >= parallelWork {
        DispatchQueue.concurrentPerform(iterations: threads) { part in
          for t in tiles * part / threads..<tiles * (part + 1) / threads {
            compute(tile: t, of: panel, in: V.self)
          }
        }
      } else {
        for t in 0..<tiles { compute(tile: t, of: panel, in: V.self) }
      }
    }
  }

  /// Tile t of a panel, in the panel's order: the register tiles of V down its rows, or its
  /// narrow columns.
  private static func compute<V: SIMD>(
    tile t: Int, of panel: Panel, in _: V.Type
  ) where V.Scalar == Double {
    let (rowTile, sliver) =
      panel.rowsFirst
      ? (t / panel.slivers, t % panel.slivers) : (t % panel.rowTiles, t / panel.rowTiles)
    let (a, i) = (panel.a, rowTile * tileRows)
    let rows = min(tileRows, a.rows - i)
    let aTile = a.base + i * a.rowStride + panel.first * a.columnStride
    let narrowFrom = panel.b.columns - panel.narrowColumns
    let fused = panel.fusedNarrow && rows == tileRows
    let (b, j, columns): ((base: UnsafePointer<Double>, rowStride: Int), Int, Int)
    if sliver < panel.vectorSlivers {
      j = sliver * panel.sliverWidth
      (b, columns) = (panel.sliver(sliver), min(panel.sliverWidth, narrowFrom - j))
    } else if panel.paddedNarrow {
      (b, j, columns) = ((panel.narrow, 8), narrowFrom, panel.narrowColumns)
    } else {
      if !fused {
        narrowTile(rows: rows, a: aTile, of: panel, c: panel.c + i * panel.ldc + narrowFrom)
      }
      return
    }
    let lanes = V.scalarCount
    /// The register tile of C's rows i + r ..< i + r + height, columns j + j0 ..< j + j0 + width.
    func registerTile(
      rows r: Int, _ height: Int, columns j0: Int, _ width: Int, narrow: UnsafePointer<Double>?
    ) {
      let arguments = TileArguments(
        depth: panel.depth, a: aTile + r * a.rowStride, aRowStride: a.rowStride,
        aColumnStride: a.columnStride, b: b.base + j0, bRowStride: b.rowStride,
        c: panel.c + (i + r) * panel.ldc + j + j0, ldc: panel.ldc, columns: width,
        narrow: narrow, narrowOffset: narrowFrom - j - j0)
      tile(rows: height, V.self, arguments)
    }
    let narrow = fused && sliver == 0 ? panel.narrow : nil
    guard narrow != nil && lanes == 4 && columns > 2 * lanes else {
      for r in stride(from: 0, to: rows, by: lanes) {
        registerTile(rows: r, min(lanes, rows - r), columns: 0, columns, narrow: narrow)
      }
      return
    }
    // A tile that sums the narrow column too needs one more accumulator and two more vectors a
    // step: on SIMD4, for 16 registers, it is two vectors wide, and the third vector's columns
    // are a tile of all 8 rows (8 chains of multiply-adds, as the 4 × 12 tile has 12).
    for r in stride(from: 0, to: rows, by: lanes) {
      registerTile(rows: r, lanes, columns: 0, 2 * lanes, narrow: narrow)
    }
    registerTile(rows: 0, rows, columns: 2 * lanes, columns - 2 * lanes, narrow: nil)
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
    UnsafeMutableRawPointer.allocate(
      byteCount: max(1, count) * MemoryLayout<Double>.stride, alignment: 64
    ).bindMemory(to: Double.self, capacity: max(1, count))
  }

  /// Packs the panel's rows of B: its slivers from `firstPacked` on, where step p holds the
  /// sliver's entries of row p, `sliverWidth` apart; then the narrow columns, either as a
  /// sliver of 8 zero-padded or each contiguous.
  private static func pack(_ panel: Panel) {
    let (b, rows, width) = (panel.b, panel.first..<panel.first + panel.depth, panel.sliverWidth)
    let vectorColumns = b.columns - panel.narrowColumns
    var out = panel.packed
    for j0 in stride(from: panel.firstPacked * width, to: vectorColumns, by: width) {
      for p in rows {
        for c in 0..<min(width, vectorColumns - j0) { out[c] = b[p, j0 + c] }
        out += width
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

  /// The narrow columns of one row tile, C[r, j] += Σ_p A[r, p]·B[p, j], when they are not
  /// padded: eight lanes at a time along A's unit stride, along p when A's columns are
  /// adjacent, down the rows when its rows are (a whole row tile of them); otherwise one
  /// multiply-add at a time.
  private static func narrowTile(
    rows: Int, a: UnsafePointer<Double>, of panel: Panel, c: UnsafeMutablePointer<Double>
  ) {
    let (rs, cs, depth) = (panel.a.rowStride, panel.a.columnStride, panel.depth)
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
}
