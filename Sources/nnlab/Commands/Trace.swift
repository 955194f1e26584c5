import ArgumentParser
import Backprop
import Datasets
import Foundation

/// `nnlab trace`: one step of backpropagation on a tiny network with every number printed,
/// in the order of the course's slide.
struct Trace: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run one step of backpropagation on a tiny network and print every number.",
    discussion: """
      Forward propagation, every δ, Δ accumulated example by example, D, and Θ after one step of gradient descent, for made-up examples or your own. A weights file is JSON {"theta": [Θ1, Θ2, …]}, each Θ a list of rows, column 0 the bias weights.

      Examples:
        nnlab trace
        nnlab trace --layers 2-3-1 --input 0.5,1 --target 1 --input 1,-1 --target 0
        nnlab trace --init-weights weights.json --lambda 1
      """
  )

  @Option(
    help: "The layer sizes s1-s2-…-sL (default 2-2-2, or the shapes of --init-weights).",
    transform: parseArchitecture)
  var layers: Architecture?

  @Option(
    help: ArgumentHelp(
      "Weights to start from (JSON {\"theta\": [Θ1, Θ2, …]}).", valueName: "file.json"))
  var initWeights: String?

  @Option(
    help: ArgumentHelp(
      "One example's inputs, comma-separated; repeat for more examples.", valueName: "x1,x2,…"))
  var input: [String] = []

  @Option(
    help: ArgumentHelp(
      "The targets of the example given by the --input in the same position.", valueName: "y1,y2,…")
  )
  var target: [String] = []

  @Option(
    name: .customLong("examples"),
    parsing: .unconditional,
    help: "How many made-up examples to trace, instead of --input and --target (default: 2).")
  var exampleCount: Int?

  @Option(
    name: .customLong("lr"), parsing: .unconditional,
    help: "Learning rate α of the gradient-descent step.")
  var learningRate: Double = 1

  @Option(parsing: .unconditional, help: "Digits after the decimal point.")
  var decimals: Int = 4

  @OptionGroup var model: ModelOptions

  /// A trace prints every number: beyond these it is no longer read.
  static let maximumWeights = 1000
  static let maximumExamples = 100

  func validate() throws {
    if let exampleCount {
      guard (1...Self.maximumExamples).contains(exampleCount) else {
        throw ValidationError(
          "--examples must be from 1 to \(Self.maximumExamples), got \(exampleCount)")
      }
      guard input.isEmpty else {
        throw ValidationError("--examples makes up examples; give it or --input/--target, not both")
      }
    }
    guard input.count <= Self.maximumExamples else {
      throw ValidationError(
        "a trace takes at most \(Self.maximumExamples) examples, got \(input.count) --input")
    }
    if let layers, layers.parameterCount > Self.maximumWeights {
      throw ValidationError(
        "--layers \(layers) has \(layers.parameterCount) weights; a trace prints every number, so it"
          + " takes at most \(Self.maximumWeights) (try 2-3-2)")
    }
    guard learningRate.isFinite, learningRate > 0 else {
      throw ValidationError("--lr must be a finite number greater than 0, got \(learningRate)")
    }
    guard (0...15).contains(decimals) else {
      throw ValidationError("--decimals must be from 0 to 15, got \(decimals)")
    }
    guard input.count == target.count else {
      throw ValidationError(
        "every --input needs a --target: got \(input.count) --input and \(target.count) --target")
    }
  }

  func run() throws {
    var network = try startingNetwork()
    let examples = try chosenExamples(for: network.architecture)
    let objective = try model.objective()

    print(
      "Backpropagation, step by step: network \(network.architecture), \(model.activation.rawValue) hidden units,"
        + " \(model.cost.rawValue) cost,")
    print(
      "λ = \(Formatting.compact(model.lambda)), α = \(Formatting.compact(learningRate)), m = \(examples.count) example\(examples.count == 1 ? "" : "s")"
    )
    print()
    print(
      initWeights.map { "Weights from \($0):" }
        ?? "Weights from seed \(model.seed), uniform in [−ε, ε] with ε = √6/√(s_l + s_{l+1}):")
    for l in network.thetas.layers {
      printMatrix("Θ(\(l))", network.thetas[l], note: "column 0 multiplies the bias unit")
    }
    print()
    print("Set " + network.thetas.layers.map { "Δ(\($0)) = 0" }.joined(separator: ", ") + ".")

    let reference = try objective.referenceGradient(of: network, on: examples) { example in
      printExample(example, network: network)
    }

    print()
    print("Gradient: D(l) = Δ(l)/m + (λ/m)·Θ(l), column 0 without the λ term")
    if objective.lambda > 0 {
      print("(the slide writes λΘ; with the (λ/2m)·ΣΘ² cost term the exact derivative is (λ/m)·Θ)")
    }
    for l in reference.gradients.layers { printMatrix("D(\(l))", reference.gradients[l]) }
    let penalty = objective.regularization(of: network, exampleCount: examples.count)
    print(
      "Cost J(Θ) = (1/m)·Σ example costs + (λ/2m)·Σ Θ² over j ≥ 1 = \(number(reference.dataCost)) + \(number(penalty))"
        + " = \(number(reference.cost))")

    let fast = try objective.gradient(of: network, on: examples)
    let difference =
      zip(fast.gradients.elements, reference.gradients.elements)
      .map { $0.largestDifference(from: $1) }.max() ?? 0
    print(
      "The vectorised implementation gives the same D (largest difference \(Formatting.scientific(difference)))"
        + " and J = \(number(fast.cost)).")

    print()
    print(
      "One step of gradient descent: Θ(l) := Θ(l) − α·D(l), α = \(Formatting.compact(learningRate))"
    )
    network.descend(along: reference.gradients, learningRate: learningRate)
    for l in network.thetas.layers { printMatrix("Θ(\(l))", network.thetas[l]) }
    print(
      "J(Θ) after the step = \(number(try objective.cost(of: network, on: examples))) (was \(number(reference.cost)))"
    )
  }

  private func number(_ value: Double) -> String {
    Formatting.number(value, decimals: decimals).trimmingCharacters(in: .whitespaces)
  }

  private func printMatrix(
    _ name: String, _ matrix: Matrix, note: String? = nil, indent: String = "  "
  ) {
    print("\(indent)\(name)  \(matrix.shapeDescription)" + (note.map { "  (\($0))" } ?? ""))
    Formatting.printLines(Formatting.matrix(matrix, decimals: decimals), indent: indent + "  ")
  }

  private func printExample(_ example: ExampleTrace, network: Network) {
    let layerCount = network.layerCount
    let vector = { (column: Matrix) in Formatting.vector(column, decimals: self.decimals) }
    print()
    print(
      "Example i = \(example.index): x = \(vector(example.input)), y = \(vector(example.target))")
    print("  Forward propagation")
    var forward = [["a(1) = x", "= " + vector(example.activations[1])]]
    for l in 2...layerCount {
      forward.append([
        "z(\(l)) = Θ(\(l - 1))·[1; a(\(l - 1))]", "= " + vector(example.weightedInputs[l]),
      ])
      let output = l == layerCount ? " = h_Θ(x)" : ""
      forward.append(["a(\(l)) = g(z(\(l)))\(output)", "= " + vector(example.activations[l])])
    }
    forward.append(["cost of this example", "= " + number(example.loss)])
    Formatting.printLines(Formatting.table(forward, rightAligned: false), indent: "    ")

    print("  Back propagation")
    var backward = [
      [
        "δ(\(layerCount)) = \(model.cost.outputErrorFormula(outputLayer: layerCount))",
        "= " + vector(example.errors[layerCount]),
      ]
    ]
    for l in (2..<layerCount).reversed() {
      backward.append([
        "g′(z(\(l))) = \(network.activation(ofLayer: l).derivativeFormula(layer: l))",
        "= " + vector(example.derivatives[l]),
      ])
      backward.append([
        "δ(\(l)) = (Θ(\(l))ᵀ δ(\(l + 1))) without its bias row ∘ g′(z(\(l)))",
        "= " + vector(example.errors[l]),
      ])
    }
    Formatting.printLines(Formatting.table(backward, rightAligned: false), indent: "    ")

    print("  Accumulate")
    for l in example.accumulators.layers {
      printMatrix(
        "Δ(\(l)) := Δ(\(l)) + δ(\(l + 1))·[1; a(\(l))]ᵀ", example.accumulators[l], indent: "    ")
    }
  }

  /// The weights of --init-weights, or seeded random ones of --layers.
  private func startingNetwork() throws -> Network {
    guard let path = initWeights else {
      return Network(
        architecture: layers ?? [2, 2, 2], activation: model.activation, seed: model.seed)
    }
    let data = try FileContents.read(path)
    let network: Network
    do {
      network = try Network(weightsJSON: data, activation: model.activation, architecture: layers)
    } catch let error as BackpropError {
      throw CommandFailure(message: "\(path): \(error)", exitCode: .badData)
    }
    guard network.architecture.parameterCount <= Self.maximumWeights else {
      throw CommandFailure(
        message:
          "\(path): network \(network.architecture) has \(network.architecture.parameterCount) weights;"
          + " a trace prints every number, so it takes at most \(Self.maximumWeights)",
        exitCode: .badData)
    }
    return network
  }

  /// The examples of --input/--target, or made-up ones.
  private func chosenExamples(for architecture: Architecture) throws -> Examples {
    guard !input.isEmpty else {
      return try Examples.random(for: architecture, count: exampleCount ?? 2, seed: model.seed)
    }
    let (inputCount, outputCount) = (architecture.inputCount, architecture.outputCount)
    let inputs = try input.enumerated().map {
      try values(of: $1, option: "--input", position: $0 + 1, count: inputCount)
    }
    let targets = try target.enumerated().map {
      try values(of: $1, option: "--target", position: $0 + 1, count: outputCount)
    }
    do {
      return try Examples(inputs: Matrix(rows: inputs), targets: Matrix(rows: targets))
    } catch let error as BackpropError {
      throw CommandFailure(message: "--input/--target: \(error)", exitCode: .usage)
    }
  }

  private func values(of text: String, option: String, position: Int, count: Int) throws -> [Double]
  {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    let numbers = try parts.map { part in
      guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
        throw CommandFailure(
          message: "\(option) \(position) ('\(text)'): '\(part)' is not a number", exitCode: .usage)
      }
      return value
    }
    guard numbers.count == count else {
      throw CommandFailure(
        message:
          "\(option) \(position) ('\(text)') has \(numbers.count) values but the network needs \(count)",
        exitCode: .usage)
    }
    return numbers
  }
}
