import Foundation
import Testing

@testable import Backprop

/// The vectorised e^x and log(1 + u) against the C library's, value by value, in ulp, and the
/// element-wise passes built on them against their scalar forms.
struct VectorMathTests {
  /// How many units in the last place `value` is from `expected` (0 when both are the same
  /// infinity, zero or NaN).
  static func ulps(_ value: Double, from expected: Double) -> Double {
    if value == expected || (value.isNaN && expected.isNaN) { return 0 }
    guard value.isFinite, expected.isFinite else { return .infinity }
    return abs(value - expected) / max(expected.ulp, Double.leastNonzeroMagnitude)
  }

  /// Values spread over [low, high] from a seeded generator, and the edges themselves.
  static func samples(_ low: Double, _ high: Double, count: Int, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return [low, high] + (0..<count).map { _ in generator.nextUniform(from: low, to: high) }
  }

  /// The largest ulp distance of `vector` from `scalar` over `values`, eight at a time.
  static func worst(
    _ values: [Double], _ vector: (SIMD8<Double>) -> SIMD8<Double>, _ scalar: (Double) -> Double
  ) -> Double {
    var worst = 0.0
    for start in stride(from: 0, to: values.count, by: 8) {
      var lanes = SIMD8<Double>()
      let chunk = values[start..<min(start + 8, values.count)]
      for (lane, value) in chunk.enumerated() { lanes[lane] = value }
      let result = vector(lanes)
      for (lane, value) in chunk.enumerated() {
        worst = max(worst, ulps(result[lane], from: scalar(value)))
      }
    }
    return worst
  }

  @Test func expIsWithinTwoUlpOfTheLibrary() {
    let values =
      Self.samples(-746, 711, count: 40_000, seed: 1) + Self.samples(-1, 1, count: 20_000, seed: 2)
      + Self.samples(-1e-300, 1e-300, count: 1_000, seed: 3)
      + [0, -0.0, 709.78, 709.79, -745.1, -745.2, -708.5, .infinity, -.infinity, .nan]
    #expect(Self.worst(values, VectorMath.exp, Foundation.exp) <= 2)
  }

  @Test func log1pIsWithinTwoUlpOfTheLibrary() {
    let values =
      Self.samples(0, 1, count: 40_000, seed: 4) + Self.samples(0, 1e-10, count: 5_000, seed: 5)
      + Self.samples(1, 1e6, count: 5_000, seed: 6)
      + [0, 1, Double.leastNonzeroMagnitude, 0.414_213_562_373_095, .nan]
    #expect(Self.worst(values, VectorMath.log1p, Foundation.log1p) <= 2)
  }

  /// The bit operations behind the cross-entropy give max(x, 0) and −|x| exactly, signed
  /// zeros and infinities included.
  @Test func positivePartAndNegativeMagnitudeAreExact() {
    let values =
      Self.samples(-1e3, 1e3, count: 200, seed: 10)
      + [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1]
    for start in stride(from: 0, to: values.count, by: 8) {
      var lanes = SIMD8<Double>()
      let chunk = values[start..<min(start + 8, values.count)]
      for (lane, value) in chunk.enumerated() { lanes[lane] = value }
      let (positive, negative) = (
        VectorMath.positivePart(lanes), VectorMath.negativeMagnitude(lanes)
      )
      for (lane, value) in chunk.enumerated() {
        #expect(positive[lane].bitPattern == (value > 0 ? value : 0).bitPattern, "\(value)")
        #expect(negative[lane].bitPattern == (-abs(value)).bitPattern, "\(value)")
      }
    }
  }

  @Test func vectorisedPassesMatchTheirScalarForms() throws {
    // 8·k + 3 entries, so both the vector loop and the scalar tail run.
    let z = MatrixTests.random(7, 13, seed: 7).map { 40 * $0 }
    var sigmoid = z
    Activation.sigmoid.apply(to: &sigmoid)
    for (a, value) in zip(sigmoid.elements, z.elements) {
      #expect(Self.ulps(a, from: Activation.sigmoid.value(value)) <= 2)
    }
    var generator = SeededGenerator(seed: 8)
    let targets = z.map { _ in generator.nextUniform(from: 0, to: 1) < 0.3 ? 1 : 0 }
      .combined(with: z) { y, value in value > 30 ? 0.25 : y }  // a few soft targets too
    let vector = Cost.crossEntropy.totalLoss(outputs: sigmoid, weightedInputs: z, targets: targets)
    var scalar = 0.0
    for k in z.elements.indices {
      scalar += Cost.crossEntropy.loss(
        output: sigmoid.elements[k], weightedInput: z.elements[k], target: targets.elements[k])
    }
    #expect(abs(vector - scalar) <= 1e-13 * scalar)
  }

  /// Where z overflowed, the vectorised cross-entropy is the scalar one's: a term whose factor
  /// is 0 is 0 (the sum stays finite), and a term whose factor is not is infinite.
  @Test func crossEntropyOfAnInfiniteWeightedInputIsTheScalarOne() throws {
    let z = MatrixTests.random(3, 8, seed: 9)
    let targets = z.map { $0 > 0 ? 1 : 0 }
    func totals(_ z: Matrix) -> (vector: Double, scalar: Double) {
      let sigmoid = z.map(Activation.sigmoid.value)
      var scalar = 0.0
      for k in z.elements.indices {
        scalar += Cost.crossEntropy.loss(
          output: sigmoid.elements[k], weightedInput: z.elements[k], target: targets.elements[k])
      }
      return (
        Cost.crossEntropy.totalLoss(outputs: sigmoid, weightedInputs: z, targets: targets), scalar
      )
    }
    // Infinite toward each unit's target: both terms of those units are 0.
    let towardTargets = z.combined(with: targets) { value, y in
      abs(value) > 0.5 ? (y == 1 ? .infinity : -.infinity) : value
    }
    let finite = totals(towardTargets)
    #expect(finite.vector.isFinite && finite.vector == finite.scalar, "\(finite)")
    // Each of those units infinite away from its target instead.
    let away = towardTargets.combined(with: targets) { value, y in
      value.isFinite ? value : (y == 1 ? -.infinity : .infinity)
    }
    #expect(totals(away) == (.infinity, .infinity))
  }
}
