import Foundation
import Testing

@testable import Backprop

/// The two implementations of backpropagation against each other, against numerical
/// gradients, and against a 1-1-1 network worked out by hand.
struct GradientTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let sizes: [Int]
    let activation: Activation
    let cost: Cost
    let lambda: Double
    let exampleCount: Int

    var testDescription: String {
      "\(sizes.map(String.init).joined(separator: "-")) \(activation) \(cost.rawValue) λ=\(lambda) m=\(exampleCount)"
    }

    func make() throws -> (Network, Examples, Objective) {
      let architecture = try Architecture(layerSizes: sizes)
      let seed = UInt64(sizes.reduce(0, +) * 31 + exampleCount)
      return (
        Network(architecture: architecture, activation: activation, seed: seed),
        try Examples.random(for: architecture, count: exampleCount, seed: seed + 1),
        try Objective(cost: cost, lambda: lambda)
      )
    }
  }

  /// 2, 3 and 4 layers × each activation × each cost × λ = 0 and λ > 0 × 1 and many examples.
  static let cases: [Case] = [[3, 2], [3, 4, 2], [2, 4, 3, 3]].flatMap { sizes in
    Activation.allCases.flatMap { activation in
      Cost.allCases.flatMap { cost in
        [0, 0.7].flatMap { lambda in
          [1, 7].map {
            Case(sizes: sizes, activation: activation, cost: cost, lambda: lambda, exampleCount: $0)
          }
        }
      }
    }
  }

  /// ‖u − v‖ / ‖v‖ over all layers.
  static func relativeDistance(_ u: Layered<Matrix>, _ v: Layered<Matrix>) -> Double {
    let difference = zip(u.elements, v.elements).map { ($0 - $1).frobeniusNorm }
    let norm = v.elements.map(\.frobeniusNorm)
    return difference.map { $0 * $0 }.reduce(0, +).squareRoot()
      / norm.map { $0 * $0 }.reduce(0, +).squareRoot()
  }

  @Test(arguments: cases)
  func referenceAndFastAgree(_ testCase: Case) throws {
    let (network, examples, objective) = try testCase.make()
    let reference = try objective.gradient(of: network, on: examples, using: .reference)
    let fast = try objective.gradient(of: network, on: examples, using: .fast)
    #expect(abs(fast.cost - reference.cost) <= 1e-12 * abs(reference.cost))
    #expect(abs(fast.dataCost - reference.dataCost) <= 1e-12 * abs(reference.dataCost))
    #expect(Self.relativeDistance(fast.gradients, reference.gradients) <= 1e-12)
  }

  @Test func referenceAndFastAgreeAcrossTheKernelsBlocks() throws {
    // m = 300 > 128 rows and 256 deep: every blocking edge of the product kernel is crossed.
    let architecture = try Architecture(parsing: "20-30-5")
    let network = Network(architecture: architecture, seed: 3)
    let examples = try Examples.random(for: architecture, count: 300, seed: 4)
    let objective = try Objective(lambda: 1)
    let reference = try objective.gradient(of: network, on: examples, using: .reference)
    let fast = try objective.gradient(of: network, on: examples, using: .fast)
    #expect(abs(fast.cost - reference.cost) <= 1e-12 * reference.cost)
    #expect(Self.relativeDistance(fast.gradients, reference.gradients) <= 1e-12)
  }

  @Test(arguments: cases)
  func numericalCheckPasses(_ testCase: Case) throws {
    let (trainingNetwork, examples, objective) = try testCase.make()
    let network = GradientCheck.network(
      checking: trainingNetwork.architecture, activation: testCase.activation,
      seed: UInt64(testCase.sizes.count))
    for method in Backpropagation.allCases {
      let gradient = try objective.gradient(of: network, on: examples, using: method)
      let check = try GradientCheck(
        network: network, examples: examples, objective: objective, analytic: gradient.gradients)
      #expect(check.relativeDifference < 1e-9, "\(method): \(check.relativeDifference)")
      #expect(check.passed)
      // At the full-size training initialization the O(ε²) error of the differences grows,
      // but stays far below what a wrong gradient gives (see the next test).
      let full = try GradientCheck(
        network: trainingNetwork, examples: examples, objective: objective,
        analytic: try objective.gradient(of: trainingNetwork, on: examples, using: method).gradients
      )
      #expect(full.relativeDifference < 1e-8, "\(method) at full size: \(full.relativeDifference)")
    }
  }

  @Test func numericalCheckFailsWhenTheBiasColumnIsRegularized() throws {
    let (_, examples, objective) = try Case(
      sizes: [3, 5, 3], activation: .sigmoid, cost: .crossEntropy, lambda: 1, exampleCount: 5
    ).make()
    let network = GradientCheck.network(checking: [3, 5, 3], activation: .sigmoid, seed: 1)
    var wrong = try objective.gradient(of: network, on: examples).gradients
    for l in wrong.layers {
      for i in 0..<wrong[l].rows {
        wrong[l][i, 0] += objective.lambda / 5 * network.thetas[l][i, 0]
      }
    }
    let check = try GradientCheck(
      network: network, examples: examples, objective: objective, analytic: wrong)
    #expect(!check.passed)
    #expect(check.relativeDifference > 1e-6)
  }

  /// A 1-1-1 network, one example, every step written out.
  @Test func oneOneOneByHand() throws {
    let (b1, w1, b2, w2) = (0.1, 0.3, -0.2, 0.5)
    let (x, y, lambda) = (0.7, 1.0, 0.4)
    let sigmoid = { (z: Double) in 1 / (1 + exp(-z)) }
    let z2 = b1 + w1 * x  // 0.31
    let a2 = sigmoid(z2)
    let z3 = b2 + w2 * a2
    let h = sigmoid(z3)
    let cost = -log(h) + lambda / 2 * (w1 * w1 + w2 * w2)  // y = 1, m = 1: −log h + (λ/2)Σw²
    let delta3 = h - y
    let delta2 = w2 * delta3 * a2 * (1 - a2)
    let expectedD2 = [delta3, delta3 * a2 + lambda * w2]
    let expectedD1 = [delta2, delta2 * x + lambda * w1]

    let network = try Network(thetas: [Matrix(rows: [[b1, w1]]), Matrix(rows: [[b2, w2]])])
    let examples = try Examples(inputs: Matrix(rows: [[x]]), targets: Matrix(rows: [[y]]))
    let objective = try Objective(lambda: lambda)
    for method in Backpropagation.allCases {
      let result = try objective.gradient(of: network, on: examples, using: method)
      #expect(abs(result.cost - cost) <= 1e-15, "\(method)")
      for (actual, expected) in zip(
        result.gradients[1].elements + result.gradients[2].elements, expectedD1 + expectedD2)
      {
        #expect(abs(actual - expected) <= 1e-15, "\(method)")
      }
    }
  }

  @Test func sameSeedSameBitsOtherSeedOtherBits() throws {
    let architecture = try Architecture(parsing: "4-6-3")
    let examples = try Examples.random(for: architecture, count: 9, seed: 5)
    let objective = try Objective(lambda: 0.3)
    let first = Network(architecture: architecture, activation: .tanh, seed: 11)
    let again = Network(architecture: architecture, activation: .tanh, seed: 11)
    let other = Network(architecture: architecture, activation: .tanh, seed: 12)
    #expect(first.thetas.elements.map(\.elements) == again.thetas.elements.map(\.elements))
    #expect(first.thetas.elements.map(\.elements) != other.thetas.elements.map(\.elements))
    let firstGradient = try objective.gradient(of: first, on: examples).gradients.elements.map(
      \.elements)
    let againGradient = try objective.gradient(of: again, on: examples).gradients.elements.map(
      \.elements)
    let otherGradient = try objective.gradient(of: other, on: examples).gradients.elements.map(
      \.elements)
    #expect(firstGradient == againGradient)
    #expect(firstGradient != otherGradient)
  }

  @Test func initialWeightsLieWithinEpsilon() throws {
    let architecture = try Architecture(parsing: "400-25-10")
    let network = Network(architecture: architecture, seed: 1)
    let epsilon1 = 6.0.squareRoot() / (400.0 + 25).squareRoot()
    let epsilon2 = 6.0.squareRoot() / (25.0 + 10).squareRoot()
    #expect(network.thetas[1].elements.allSatisfy { abs($0) <= epsilon1 })
    #expect(network.thetas[2].elements.allSatisfy { abs($0) <= epsilon2 })
    #expect(network.thetas[1].elements.map(abs).max()! > 0.9 * epsilon1)
  }

  @Test func descentFollowsTheGradient() throws {
    let (network, examples, objective) = try Case(
      sizes: [3, 4, 2], activation: .sigmoid, cost: .crossEntropy, lambda: 0.1, exampleCount: 6
    ).make()
    let gradient = try objective.gradient(of: network, on: examples)
    var stepped = network
    stepped.descend(along: gradient.gradients, learningRate: 0.5)
    #expect(stepped.thetas[1][0, 1] == network.thetas[1][0, 1] - 0.5 * gradient.gradients[1][0, 1])
    #expect(try objective.cost(of: stepped, on: examples) < gradient.cost)
  }
}
