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
    // m more than one panel deep (the Δ products' K) and many 8-row tiles read in place.
    let architecture = try Architecture(parsing: "20-30-5")
    let network = Network(architecture: architecture, seed: 3)
    let examples = try Examples.random(
      for: architecture, count: MatrixKernel.panelDepth + 88, seed: 4)
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

  @Test(arguments: GradientMistake.allCases)
  func numericalCheckCatchesEachClassicMistake(_ mistake: GradientMistake) throws {
    let (_, examples, objective) = try Case(
      sizes: [3, 5, 3], activation: .sigmoid, cost: .crossEntropy, lambda: 1, exampleCount: 5
    ).make()
    let network = GradientCheck.network(checking: [3, 5, 3], activation: .sigmoid, seed: 1)
    let right = try objective.gradient(of: network, on: examples).gradients
    let wrong = mistake.apply(to: right, of: network, objective: objective, exampleCount: 5)
    let check = try GradientCheck(
      network: network, examples: examples, objective: objective, analytic: wrong)
    #expect(!check.passed)
    #expect(check.relativeDifference > 1e-6)
    let rightCheck = try GradientCheck(
      network: network, examples: examples, objective: objective, analytic: right)
    #expect(rightCheck.passed)
  }

  @Test func reluKinksAreLeftOutNotFailed() throws {
    // Weights of 0.1 and 50 examples put some relu units within ±ε of their kink.
    let architecture: Architecture = [10, 10, 10]
    let network = GradientCheck.network(checking: architecture, activation: .relu, seed: 2)
    let examples = try Examples.random(for: architecture, count: 50, seed: 2)
    let objective = try Objective()
    let gradient = try objective.gradient(of: network, on: examples)
    let check = try GradientCheck(
      network: network, examples: examples, objective: objective, analytic: gradient.gradients)
    #expect(!check.kinks.isEmpty)
    #expect(check.passed, "\(check.relativeDifference)")
    // The left-out weights are exactly those whose estimate is off.
    let worstKinked =
      check.kinks.map {
        abs(
          check.numerical[$0.layer][$0.row, $0.column]
            - gradient.gradients[$0.layer][$0.row, $0.column])
      }.max() ?? 0
    #expect(worstKinked > 1e-6)
  }

  @Test func crossEntropyStaysFiniteWhereTheSigmoidRoundsToOne() throws {
    // z = 40 + 40·1 = 80: σ(z) rounds to exactly 1, but J = softplus(80) ≈ 80 for y = 0.
    let network = try Network(thetas: [Matrix(rows: [[40, 40]])])
    let examples = try Examples(inputs: Matrix(rows: [[1]]), targets: Matrix(rows: [[0]]))
    for method in Backpropagation.allCases {
      let result = try Objective().gradient(of: network, on: examples, using: method)
      #expect(abs(result.cost - 80) < 1e-12, "\(method)")
    }
  }

  /// A 1-1-1 network and two examples, every step written out (m = 2, so Δ/m and λ/m are
  /// not Δ and λ). The literal values were computed separately, with Python's math module.
  @Test func oneOneOneByHand() throws {
    let (b1, w1, b2, w2) = (0.1, 0.3, -0.2, 0.5)
    let lambda = 0.4
    let sigmoid = { (z: Double) in 1 / (1 + exp(-z)) }
    // Example 1: x = 0.7, y = 1.
    let z2First = b1 + w1 * 0.7  // 0.31
    let a2First = sigmoid(z2First)  // 0.576885…
    let hFirst = sigmoid(b2 + w2 * a2First)  // 0.522096…
    let delta3First = hFirst - 1  // −0.477904…
    let delta2First = w2 * delta3First * a2First * (1 - a2First)  // −0.058325…
    // Example 2: x = −1.2, y = 0.
    let a2Second = sigmoid(b1 + w1 * -1.2)  // σ(−0.26) = 0.435364…
    let hSecond = sigmoid(b2 + w2 * a2Second)  // 0.504420…
    let delta3Second = hSecond - 0  // 0.504420…
    let delta2Second = w2 * delta3Second * a2Second * (1 - a2Second)  // 0.061999…
    // J = (1/2)(−log h₁ − log(1 − h₂)) + (λ/(2·2))(w1² + w2²)
    let cost = (-log(hFirst) - log(1 - hSecond)) / 2 + lambda / 4 * (w1 * w1 + w2 * w2)
    // D = Δ/2 + (λ/2)·w off the bias column.
    let expectedD1 = [
      (delta2First + delta2Second) / 2,
      (delta2First * 0.7 + delta2Second * -1.2) / 2 + lambda / 2 * w1,
    ]
    let expectedD2 = [
      (delta3First + delta3Second) / 2,
      (delta3First * a2First + delta3Second * a2Second) / 2 + lambda / 2 * w2,
    ]
    #expect(abs(z2First - 0.31) < 1e-15)
    #expect(abs(cost - 0.7099652486141252) < 1e-14)
    #expect(abs(expectedD1[0] - 0.0018367029059038788) < 1e-15)
    #expect(abs(expectedD1[1] - 0.002386787181308997) < 1e-15)
    #expect(abs(expectedD2[0] - 0.01325830230893904) < 1e-15)
    #expect(abs(expectedD2[1] - 0.07195534367385886) < 1e-15)

    let network = try Network(thetas: [Matrix(rows: [[b1, w1]]), Matrix(rows: [[b2, w2]])])
    let examples = try Examples(
      inputs: Matrix(rows: [[0.7], [-1.2]]), targets: Matrix(rows: [[1], [0]]))
    let objective = try Objective(lambda: lambda)
    for method in Backpropagation.allCases {
      let result = try objective.gradient(of: network, on: examples, using: method)
      #expect(abs(result.cost - cost) <= 1e-14, "\(method)")
      let actual = result.gradients[1].elements + result.gradients[2].elements
      for (value, expected) in zip(actual, expectedD1 + expectedD2) {
        #expect(abs(value - expected) <= 1e-15, "\(method)")
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
