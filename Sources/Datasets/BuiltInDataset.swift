import Backprop
import Foundation
import PlainText

/// The datasets nnlab makes itself, seeded: the same name, size and seed give the same values
/// (and SHA-256) every time.
public enum BuiltInDataset: String, CaseIterable, Sendable {
  /// 20 × 20 grey images of the digits 0–9 (400 inputs, 10 classes), the shape of the course's
  /// digit exercise: drawn from a 5 × 7 bitmap font with a random size, slant, shift and stroke
  /// thickness, then noise.
  case glyphs
  /// 2 inputs, 2 classes: four noisy clusters, opposite corners alike.
  case xor
  /// 2 inputs, 3 classes: three interleaved spiral arms.
  case spirals

  /// m when none is asked for.
  public var defaultExampleCount: Int {
    switch self {
    case .glyphs: 5000
    case .xor: 400
    case .spirals: 600
    }
  }

  /// n, the number of features.
  public var featureCount: Int {
    switch self {
    case .glyphs: Glyphs.side * Glyphs.side
    case .xor, .spirals: 2
    }
  }

  /// The number of classes, named 0, 1, ….
  public var classCount: Int {
    switch self {
    case .glyphs: 10
    case .xor: 2
    case .spirals: 3
    }
  }

  /// Checks that `count` examples fit in `memory` bytes before any is drawn: their inputs and
  /// targets, m × (n + classes) doubles, are held about three times at the peak (the data, its
  /// training split, and the split scaled).
  /// - Throws: `DatasetError.invalidSetting` (`examples`) with the figure they would need.
  public func checkFits(
    count: Int, memory: UInt64 = ProcessInfo.processInfo.physicalMemory
  ) throws {
    let examples = Double(count) * Double(featureCount + classCount) * 8
    if 3 * examples <= Double(memory) { return }
    let bytes = { (count: Double) in PlainText.bytes(Int64(min(count, Double(Int64.max)))) }
    throw DatasetError.invalidSetting(
      key: "examples",
      problem: " \(count) would need about \(bytes(3 * examples)) of memory for \(rawValue)"
        + " (\(bytes(examples)) of inputs and targets, held three times over while split and"
        + " scaled); this machine has \(bytes(Double(memory)))")
  }

  /// The dataset: `count` examples (`defaultExampleCount` when nil) drawn with `seed`.
  public func generate(count: Int? = nil, seed: UInt64) -> Dataset {
    let m = count ?? defaultExampleCount
    var generator = SeededGenerator(seed: seed)
    let (inputs, classes, featureNames): (Matrix, [Int], [String])
    switch self {
    case .glyphs:
      let drawn = (0..<m).map { i in (i % 10, Glyphs.draw(digit: i % 10, using: &generator)) }
      inputs = Matrix(rows: m, columns: featureCount) { i, j in drawn[i].1[j] }
      classes = drawn.map(\.0)
      featureNames = (0..<featureCount).map { "p\($0)" }
    case .xor:
      var points: [(Double, Double, Int)] = []
      for i in 0..<m {
        let (cornerX, cornerY) = (i % 2 == 0 ? -1.0 : 1.0, (i / 2) % 2 == 0 ? -1.0 : 1.0)
        points.append(
          (
            cornerX + 0.5 * generator.nextGaussian(), cornerY + 0.5 * generator.nextGaussian(),
            cornerX == cornerY ? 0 : 1
          ))
      }
      inputs = Matrix(rows: m, columns: 2) { i, j in j == 0 ? points[i].0 : points[i].1 }
      classes = points.map(\.2)
      featureNames = ["x", "y"]
    case .spirals:
      var points: [(Double, Double, Int)] = []
      for i in 0..<m {
        let arm = i % 3
        let radius = Double(i / 3 + 1) / Double((m + 2) / 3)
        let angle = Double(arm) * 2 * .pi / 3 + 4 * radius + 0.2 * generator.nextGaussian()
        points.append((radius * sin(angle), radius * cos(angle), arm))
      }
      inputs = Matrix(rows: m, columns: 2) { i, j in j == 0 ? points[i].0 : points[i].1 }
      classes = points.map(\.2)
      featureNames = ["x", "y"]
    }
    let classNames = (0..<classCount).map(String.init)
    let targets = Matrix(rows: m, columns: classCount) { i, k in classes[i] == k ? 1 : 0 }
    return Dataset(
      name: rawValue, sha256: Dataset.sha256(inputs: inputs, targets: targets),
      featureNames: featureNames,
      outputs: .classes(classNames), inputs: inputs, targets: targets)
  }
}

extension SeededGenerator {
  /// A standard normal draw (Box–Muller, from two uniform draws).
  mutating func nextGaussian() -> Double {
    let u = max(nextUnitInterval(), .leastNonzeroMagnitude)
    let v = nextUnitInterval()
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
  }
}

/// The `glyphs` images.
enum Glyphs {
  /// The images are `side` × `side` pixels.
  static let side = 20

  /// The digits 0–9 in a 5 × 7 bitmap font, one string of 7 rows of 5 pixels each.
  static let font: [[String]] = [
    ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    ["11111", "00010", "00100", "00010", "00001", "10001", "01110"],
    ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
  ]

  /// One image of `digit`, row-major, values in [0, 1] (ink 1 on a dark background):
  /// the font glyph scaled to a random height of 12–17 pixels, slanted, shifted, thickened,
  /// then grey noise (σ = 0.3) and 6 % flipped pixels: hard enough that a 400-25-10 network
  /// overfits and λ matters.
  static func draw(digit: Int, using generator: inout SeededGenerator) -> [Double] {
    let rows = font[digit].map { $0.map { $0 == "1" } }
    let height = generator.nextUniform(from: 12, to: 17)
    let width = height * generator.nextUniform(from: 0.6, to: 0.8)
    let slant = generator.nextUniform(from: -0.25, to: 0.25)
    let top = (Double(side) - height) / 2 + generator.nextUniform(from: -2.5, to: 2.5)
    let left = (Double(side) - width) / 2 + generator.nextUniform(from: -2.5, to: 2.5)
    let thickness = generator.nextUniform(from: 0, to: 0.9)
    var image = [Double](repeating: 0, count: side * side)
    for r in 0..<side {
      for c in 0..<side {
        // Ink where a point near the pixel's centre falls on a set font pixel.
        var ink = false
        for (dy, dx) in [
          (0.0, 0.0), (thickness, 0), (-thickness, 0), (0, thickness), (0, -thickness),
        ] where !ink {
          let y = (Double(r) + 0.5 + dy - top) / height * 7
          let x = (Double(c) + 0.5 + dx - left - slant * (Double(r) - Double(side) / 2)) / width * 5
          if y >= 0 && y < 7 && x >= 0 && x < 5 { ink = rows[Int(y)][Int(x)] }
        }
        var value = (ink ? 0.9 : 0.05) + 0.3 * generator.nextGaussian()
        if generator.nextUnitInterval() < 0.06 { value = 1 - value }
        image[r * side + c] = min(1, max(0, value))
      }
    }
    return image
  }
}
