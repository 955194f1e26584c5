import Foundation
import Testing

@testable import Backprop

/// Bad input of every kind is a `BackpropError` with one line naming it — never a crash.
struct InputValidationTests {
  static func message(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func nonFiniteInputsAreRejected() throws {
    for bad in [Double.nan, .infinity, -.infinity] {
      let text = Self.message {
        _ = try Examples(
          inputs: Matrix(rows: [[0.5, 1], [2, bad]]), targets: Matrix(rows: [[1], [0]]))
      }
      #expect(text == "input 2 of example 2 is \(bad)")
    }
    let target = Self.message {
      _ = try Examples(inputs: Matrix(rows: [[0.5]]), targets: Matrix(rows: [[.nan]]))
    }
    #expect(target == "target 1 of example 1 is nan")
  }

  @Test func targetsOutsideTheSigmoidRangeAreRejected() {
    let text = Self.message {
      _ = try Examples(inputs: Matrix(rows: [[0.5]]), targets: Matrix(rows: [[2]]))
    }
    #expect(text?.contains("target 1 of example 1 is 2.0; targets must lie in [0, 1]") == true)
  }

  @Test func examplesMustFitTheNetwork() throws {
    let network = Network(architecture: [2, 3, 2], seed: 1)
    let examples = try Examples(
      inputs: Matrix(rows: [[1, 2, 3]]), targets: Matrix(rows: [[1, 0]]))
    let text = Self.message { _ = try Objective().gradient(of: network, on: examples) }
    #expect(text == "the examples have 3 inputs but network 2-3-2 takes 2")
  }

  @Test func negativeOrNonFiniteLambdaIsRejected() {
    #expect(Self.message { _ = try Objective(lambda: -1) }?.contains("λ (lambda) must be") == true)
    #expect(
      Self.message { _ = try Objective(lambda: .nan) }?.contains("λ (lambda) must be") == true)
  }

  @Test func weightsRoundTripThroughJSON() throws {
    let network = Network(architecture: [3, 4, 2], activation: .relu, seed: 9)
    let read = try Network(weightsJSON: try network.weightsJSON(), activation: .relu)
    #expect(read == network)
  }

  @Test func weightsOfTheWrongShapeNameTheLayerAndTheShape() throws {
    let json = Data(#"{"theta": [[[0, 1, 2], [0, 1, 2]], [[0, 1], [0, 1]]]}"#.utf8)
    #expect(
      Self.message { _ = try Network(weightsJSON: json) }
        == "Θ(2) is 2 × 2 but must have s2 + 1 = 3 columns, since Θ(1) has 2 rows")
    let fits = Data(#"{"theta": [[[0, 1, 2], [0, 1, 2]], [[0, 1, 2]]]}"#.utf8)
    #expect(
      Self.message { _ = try Network(weightsJSON: fits, architecture: [2, 2, 2]) }
        == "Θ(2) is 1 × 3 but must be 2 × 3 for network 2-2-2")
    #expect(
      Self.message { _ = try Network(weightsJSON: fits, architecture: [2, 2, 1, 1]) }
        == "there are 2 weight matrices but network 2-2-1-1 has 3")
  }

  @Test(arguments: [
    (#"{"theta": [[[0, 1], [0]]]}"#, "Θ(1): row 2 has 1 values but row 1 has 2"),
    (#"{"theta": []}"#, "there are no weight matrices"),
    (#"{"theta": [[[0]]]}"#, "Θ(1) is 1 × 1 but needs 1 row or more and 2 columns or more"),
    (#"{"weights": [[[0, 1]]]}"#, "is not a weights file"),
    (#"{"theta": [[["a", 1]]]}"#, "is not a weights file"),
    (#"{"theta": [[[0, 1e999]]]}"#, "is not a weights file"),  // JSON numbers are finite
    ("not json", "is not a weights file"),
    ("", "is not a weights file"),
    (#"{"theta": [[[0, 1]]], "theta": [[[0, 2]]]}"#, "has the key 'theta' twice in one object"),
    // The same key spelled with an escape; a repeat inside a nested object; an escaped name.
    (#"{"theta": [[[0, 1]]], "th\u0065ta": [[[0, 2]]]}"#, "has the key 'theta' twice"),
    (
      #"{"theta": [[[0, 1]]], "m": {"a\"": 1, "b": [{"a\"": 2}], "a\"": 3}}"#, "the key 'a\"' twice"
    ),
    (#"{"theta": [[[0, 1]]], "\u001b": 1, "\u001b": 2}"#, "the key '\\u{1B}' twice"),
  ])
  func malformedWeightsAreErrors(json: String, message: String) {
    let text = Self.message { _ = try Network(weightsJSON: Data(json.utf8)) }
    #expect(text?.contains(message) == true, "\(text ?? "accepted")")
  }

  /// The same key in two different objects is no repeat.
  @Test func aKeyInTwoObjectsIsNoRepeat() throws {
    let json = #"{"m": {"theta": 1, "a": [{"a": {"a": 2}}]}, "theta": [[[0, 1]]], "a": "theta"}"#
    #expect(JSONKeys.firstRepeated(in: Data(json.utf8)) == nil)
    #expect(try Network(weightsJSON: Data(json.utf8)).thetas[1].rowArrays == [[0, 1]])
  }
}
