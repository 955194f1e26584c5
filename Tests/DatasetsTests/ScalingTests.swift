import Backprop
import Foundation
import Testing

@testable import Datasets

/// Scaling features whose squares or range a double cannot hold, against values worked out by
/// hand; ordinary features keep the bits they had.
struct ScalingTests {
  /// Column 0: 1e200 · (1, 2, 3, 4); column 1: 1, 2, 3, 4.
  static let huge = Matrix(rows: 4, columns: 2) { i, j in Double(i + 1) * (j == 0 ? 1e200 : 1) }

  /// mean 2.5, standard deviation √1.25, in units of 1e200 for column 0.
  @Test func standardScalingOfHugeValuesDoesNotOverflow() throws {
    let scaling = Scaling(fitting: .standard, to: Self.huge)
    let unit = try #require(scaling.unit)
    #expect(scaling.firstNonFiniteFeature == nil)
    #expect(abs(scaling.offset[0] / unit[0] / 2.5e200 - 1) < 1e-14)
    #expect(abs(scaling.scale[0] / unit[0] / (1.25.squareRoot() * 1e200) - 1) < 1e-14)
    // The ordinary column is fitted as without the huge one.
    let alone = Scaling(
      fitting: .standard, to: Matrix(rows: 4, columns: 1) { i, _ in Double(i + 1) })
    #expect(
      unit[1] == 1 && scaling.offset[1] == alone.offset[0] && scaling.scale[1] == alone.scale[0])
    let scaled = scaling.apply(to: Self.huge)
    for i in 0..<4 {
      let expected = (Double(i + 1) - 2.5) / 1.25.squareRoot()
      #expect(abs(scaled[i, 0] - expected) < 1e-14 && abs(scaled[i, 1] - expected) < 1e-14)
    }
    let stored = try JSONDecoder().decode(Scaling.self, from: JSONEncoder().encode(scaling))
    #expect(stored == scaling)
  }

  /// From −1.7e308 to 1.7e308: max − min is beyond the largest double; x' = (x − min)/(max − min).
  @Test func minmaxScalingOfTheWholeRangeDoesNotOverflow() throws {
    let values = [-1.7e308, 0, 1.7e308, 8.5e307]
    let inputs = Matrix(rows: 4, columns: 1) { i, _ in values[i] }
    let scaling = Scaling(fitting: .minmax, to: inputs)
    #expect(scaling.firstNonFiniteFeature == nil)
    let scaled = scaling.apply(to: inputs)
    for (i, expected) in [0, 0.5, 1, 0.75].enumerated() {
      #expect(abs(scaled[i, 0] - expected) < 1e-15)
    }
  }

  /// Ordinary data has no units (its stored JSON is as before) and the same bits as
  /// (x − offset) / scale.
  @Test(arguments: ScalingMethod.allCases)
  func ordinaryDataHasNoUnits(method: ScalingMethod) throws {
    let dataset = BuiltInDataset.spirals.generate(count: 60, seed: 3)
    let scaling = Scaling(fitting: method, to: dataset.inputs)
    #expect(scaling.unit == nil)
    let json = try #require(String(data: JSONEncoder().encode(scaling), encoding: .utf8))
    #expect(!json.contains("unit"))
    let scaled = scaling.apply(to: dataset.inputs)
    for i in 0..<dataset.count {
      for j in 0..<2 {
        #expect(scaled[i, j] == (dataset.inputs[i, j] - scaling.offset[j]) / scaling.scale[j])
      }
    }
  }

  /// A scaling that is not finite stops the data before a run can start with it.
  @Test func aScalingThatIsNotFiniteIsRefused() {
    let dataset = Dataset(
      name: "made.csv", sha256: "", featureNames: ["a", "b\u{1B}"], outputs: .classes(["0", "1"]),
      inputs: Matrix(rows: 4, columns: 2) { i, j in j == 1 && i == 2 ? .infinity : Double(i) },
      targets: Matrix(rows: 4, columns: 2) { i, k in i % 2 == k ? 1 : 0 })
    #expect(
      throws: DatasetError.invalid(
        "made.csv, feature 'b\\u{1B}': its standard scaling is not a finite number; a run cannot"
          + " start with it")
    ) {
      try PreparedData(
        dataset, validationFraction: 0, trainExamples: nil, scaling: .standard, seed: 1)
    }
  }
}
