import Backprop
import Foundation
import Testing

@testable import Datasets

struct PreparedDataTests {
  /// The identity of generated data is the SHA-256 of X then Y as float64 little-endian, row by
  /// row: stored with runs, it must not change. Expected: Python's
  /// `hashlib.sha256(struct.pack('<4d', 1.5, -2.0, 0.1, 1.0)).hexdigest()`.
  @Test func generatedDataIsHashedAsLittleEndianFloat64() throws {
    let sha = Dataset.sha256(
      inputs: try Matrix(rows: [[1.5, -2.0, 0.1]]), targets: try Matrix(rows: [[1.0]]))
    #expect(sha == "db8e9784e200182bf1f1e44162be00226f56ad7720941e65a4f469f2bdcfa561")
  }

  @Test func builtInsAreSeededAndNamed() {
    for dataset in BuiltInDataset.allCases {
      let first = dataset.generate(count: 60, seed: 3)
      let again = dataset.generate(count: 60, seed: 3)
      let other = dataset.generate(count: 60, seed: 4)
      #expect(first.inputs == again.inputs && first.sha256 == again.sha256)
      #expect(first.sha256 != other.sha256)
      #expect(first.count == 60 && first.inputs.isFinite)
      #expect(first.targets.rowArrays.allSatisfy { $0.reduce(0, +) == 1 })
    }
    let glyphs = BuiltInDataset.glyphs.generate(count: 20, seed: 1)
    #expect(glyphs.inputs.columns == 400 && glyphs.outputs.count == 10)
    #expect(glyphs.inputs.elements.allSatisfy { (0...1).contains($0) })
  }

  @Test func theSplitIsDisjointCompleteAndStableUnderTheSeed() throws {
    let dataset = BuiltInDataset.xor.generate(count: 100, seed: 1)
    let split = try PreparedData(
      dataset, validationFraction: 0.2, trainExamples: nil, scaling: .none, seed: 7)
    #expect(split.validationRows.count == 20 && split.trainingRows.count == 80)
    #expect(Set(split.trainingRows).isDisjoint(with: split.validationRows))
    #expect(Set(split.trainingRows + split.validationRows) == Set(0..<100))
    let again = try PreparedData(
      dataset, validationFraction: 0.2, trainExamples: nil, scaling: .none, seed: 7)
    #expect(
      again.trainingRows == split.trainingRows && again.validationRows == split.validationRows)
    let other = try PreparedData(
      dataset, validationFraction: 0.2, trainExamples: nil, scaling: .none, seed: 8)
    #expect(other.validationRows != split.validationRows)
    // The first N training examples, and the validation split unchanged.
    let fewer = try PreparedData(
      dataset, validationFraction: 0.2, trainExamples: 30, scaling: .none, seed: 7)
    #expect(
      fewer.trainingRows == Array(split.trainingRows.prefix(30))
        && fewer.validationRows == split.validationRows)
    #expect(throws: DatasetError.self) {
      try PreparedData(dataset, validationFraction: 0.2, trainExamples: 81, scaling: .none, seed: 7)
    }
  }

  @Test func scalingIsFittedOnTheTrainingSplitOnly() throws {
    let dataset = BuiltInDataset.spirals.generate(count: 90, seed: 2)
    let prepared = try PreparedData(
      dataset, validationFraction: 0.3, trainExamples: nil, scaling: .standard, seed: 1)
    let training = dataset.examples(at: prepared.trainingRows).inputs
    for j in 0..<2 {
      let column = (0..<training.rows).map { training[$0, j] }
      let mean = column.reduce(0, +) / Double(column.count)
      #expect(abs(prepared.scaling.offset[j] - mean) < 1e-12)
      let scaled = (0..<prepared.training.count).map { prepared.training.inputs[$0, j] }
      #expect(abs(scaled.reduce(0, +)) < 1e-9)  // centred on the training split
    }
    let minmax = try PreparedData(
      dataset, validationFraction: 0.3, trainExamples: nil, scaling: .minmax, seed: 1)
    #expect(minmax.training.inputs.elements.allSatisfy { (0...1).contains($0) })
    #expect(
      minmax.training.inputs.elements.min() == 0 && minmax.training.inputs.elements.max() == 1)
  }
}
