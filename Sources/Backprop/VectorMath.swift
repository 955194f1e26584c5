/// e^x and log(1 + u) for eight values at once, for the element-wise passes over a batch (the
/// sigmoid of every unit of every example, the cross-entropy of every output), where the C
/// library's `exp` and `log1p`, called once per value, cost more than the matrix products of a
/// small network. The tests hold both within 2 ulp of `Foundation`'s.
enum VectorMath {
  /// 1.5·2⁵²: added to a value below 2⁵¹ in magnitude, it rounds the value to the nearest
  /// integer, which the sum's low bits then hold.
  private static let roundingShift = 6_755_399_441_055_744.0
  private static let log2e = 1.442_695_040_888_963_4
  /// ln 2 = ln2High + ln2Low, with n·ln2High exact for |n| < 2¹¹.
  private static let ln2High = 0.693_147_180_369_123_8
  private static let ln2Low = 1.908_214_929_270_587_7e-10
  private static let overflow = 709.782_712_893_384
  private static let underflow = -745.133_219_101_941_1

  /// e^x of each lane.
  ///
  /// Cody–Waite reduction x = n·ln 2 + r with |r| ≤ ln 2 / 2, the Taylor polynomial of e^r to
  /// degree 13 (truncation error below 10⁻¹⁷) by Horner's rule with fused multiply-adds, and the
  /// scaling by 2ⁿ written into exponent bits, in two halves so that subnormal results come out
  /// right. Like `exp`, it overflows to +∞ above 709.78, is 0 below −745.13 and keeps NaN.
  @inline(__always)
  static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
    var clamped = x
    clamped.replace(with: -746, where: x .< -746)
    clamped.replace(with: 710, where: x .> 710)
    let shifted = clamped * log2e + roundingShift
    let n = shifted - roundingShift
    let r = (clamped - n * ln2High) - n * ln2Low
    // e^r = Σ_{k=0…13} r^k / k!
    var p = SIMD8<Double>(repeating: 1.605_904_383_682_161_3e-10)
    p = SIMD8(repeating: 2.087_675_698_786_81e-09).addingProduct(p, r)
    p = SIMD8(repeating: 2.505_210_838_544_172e-08).addingProduct(p, r)
    p = SIMD8(repeating: 2.755_731_922_398_589e-07).addingProduct(p, r)
    p = SIMD8(repeating: 2.755_731_922_398_589_3e-06).addingProduct(p, r)
    p = SIMD8(repeating: 2.480_158_730_158_73e-05).addingProduct(p, r)
    p = SIMD8(repeating: 1.984_126_984_126_984e-04).addingProduct(p, r)
    p = SIMD8(repeating: 1.388_888_888_888_889e-03).addingProduct(p, r)
    p = SIMD8(repeating: 8.333_333_333_333_333e-03).addingProduct(p, r)
    p = SIMD8(repeating: 4.166_666_666_666_666_4e-02).addingProduct(p, r)
    p = SIMD8(repeating: 0.166_666_666_666_666_66).addingProduct(p, r)
    p = SIMD8(repeating: 0.5).addingProduct(p, r)
    p = SIMD8(repeating: 1).addingProduct(p, r)
    p = SIMD8(repeating: 1).addingProduct(p, r)
    // n as an integer: the low bits of `shifted`, less those of the shift itself.
    let exponent = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- Int64(roundingShift.bitPattern)
    let half = exponent &>> 1
    let scale1 = unsafeBitCast((half &+ 1023) &<< 52, to: SIMD8<Double>.self)
    let scale2 = unsafeBitCast((exponent &- half &+ 1023) &<< 52, to: SIMD8<Double>.self)
    var result = p * scale1 * scale2
    result.replace(with: .infinity, where: x .> overflow)
    result.replace(with: 0, where: x .< underflow)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// −|x| of each lane: x with its sign bit set.
  @inline(__always)
  static func negativeMagnitude(_ x: SIMD8<Double>) -> SIMD8<Double> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<Int64>.self) | Int64.min, to: SIMD8<Double>.self)
  }

  /// max(x, 0) of each lane that is not NaN: a negative lane's sign bit, spread over the
  /// lane, clears it to +0.
  @inline(__always)
  static func positivePart(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
    return unsafeBitCast(bits & ~(bits &>> 63), to: SIMD8<Double>.self)
  }

  /// A vector of the values from `pointer` on.
  @inline(__always)
  static func load<Vector: SIMD>(_ pointer: UnsafePointer<Double>) -> Vector
  where Vector.Scalar == Double {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
  }

  /// Writes a vector's values from `pointer` on.
  @inline(__always)
  static func store<Vector: SIMD>(_ values: Vector, to pointer: UnsafeMutablePointer<Double>)
  where Vector.Scalar == Double {
    UnsafeMutableRawPointer(pointer).storeBytes(of: values, as: Vector.self)
  }

  private static let squareRootOf2 = 1.414_213_562_373_095_1

  /// log(1 + u) of each lane, for finite u ≥ 0 (the cross-entropy's e^(−|z|) ≤ 1; NaN stays
  /// NaN).
  ///
  /// y = 1 + u rounded, with c = u − (y − 1) what the rounding lost; y = 2ᵏ·f with
  /// f ∈ [√½, √2); log f = 2 atanh s = 2(s + s³/3 + … + s²³/23) with s = (f − 1)/(f + 1),
  /// |s| ≤ 0.172 (truncation below 10⁻¹⁷); and log(1 + u) = k·ln 2 + log f + c/y.
  @inline(__always)
  static func log1p(_ u: SIMD8<Double>) -> SIMD8<Double> {
    let y = 1 + u
    let lost = u - (y - 1)
    let bits = unsafeBitCast(y, to: SIMD8<Int64>.self)
    var k = (bits &>> 52) &- 1023
    var f = unsafeBitCast(
      (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: SIMD8<Double>.self)
    let high = f .> squareRootOf2
    f.replace(with: f * 0.5, where: high)
    k.replace(with: k &+ 1, where: high)
    let s = (f - 1) / (f + 1)
    let s2 = s * s
    // Σ_{n=1…11} s²ⁿ / (2n + 1)
    var q = SIMD8<Double>(repeating: 1.0 / 23)
    q = SIMD8(repeating: 1.0 / 21).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 19).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 17).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 15).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 13).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 11).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 9).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 7).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 5).addingProduct(q, s2)
    q = SIMD8(repeating: 1.0 / 3).addingProduct(q, s2)
    let twoS = 2 * s
    let logF = twoS.addingProduct(twoS * s2, q)
    let n = SIMD8<Double>(k)
    return n * ln2High + (logF + (n * ln2Low + lost / y))
  }
}
