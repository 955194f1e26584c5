import ArgumentParser
import Backprop

/// `nnlab gradcheck`: backpropagation against central differences, as the course checks it.
struct Gradcheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check backpropagation against numerical gradients (central differences, ε = 1e-4).",
    discussion: """
      Like the course's checkNNGradients: a small random network (seeded, its weights scaled to 0.1 of the training initialization as the course's check keeps them small) and made-up examples; a few entries of D next to their numerical estimates, then the relative difference ‖num − D‖ / ‖num + D‖ per layer and overall. PASS below 1e-9 overall, with no single layer off by 1e-6 or more; exit status 1 on FAIL. With relu, weights whose ±ε step moves a unit across its kink at z = 0 have no derivative to compare and are left out (and counted).

      --mistake makes a classic mistake in D on purpose, to see the check catch it:
        nnlab gradcheck --lambda 1 --mistake slide-lambda
      """
  )

  @Option(help: "The layer sizes s1-s2-…-sL.", transform: parseArchitecture)
  var layers: Architecture = [3, 5, 3]

  @Option(
    name: .customLong("examples"), parsing: .unconditional,
    help: "m, the number of made-up examples.")
  var exampleCount: Int = 5

  @Option(help: "Which implementation of backpropagation to check.")
  var backprop: Backpropagation = .fast

  @Option(
    parsing: .unconditional,
    help: "How many entries of each D(l) to show next to their numerical estimates.")
  var entries: Int = 5

  @Option(
    help:
      "Make this mistake in D on purpose: \(GradientMistake.allCases.map(\.rawValue).joined(separator: ", "))."
  )
  var mistake: GradientMistake?

  /// The check evaluates J 2 × weights times over m examples, each costing about weights × m:
  /// beyond weights² × m of this it takes minutes.
  static let maximumWork = 1e9

  @OptionGroup var model: ModelOptions

  func validate() throws {
    guard exampleCount >= 1 else {
      throw ValidationError("--examples must be 1 or more, got \(exampleCount)")
    }
    guard entries >= 0 else { throw ValidationError("--entries must be 0 or more, got \(entries)") }
    let weights = Double(layers.parameterCount)
    guard weights * weights * Double(exampleCount) <= Self.maximumWork else {
      throw ValidationError(
        "--layers \(layers) has \(layers.parameterCount) weights and --examples is \(exampleCount): the check"
          + " evaluates J twice per weight, too slow at weights² × examples over 1e9 (the course checks 3-5-3 on 5)"
      )
    }
  }

  func run() throws {
    let network = GradientCheck.network(
      checking: layers, activation: model.activation, seed: model.seed)
    let examples = try Examples.random(for: layers, count: exampleCount, seed: model.seed)
    let objective = try model.objective()
    let analytic = try objective.gradient(of: network, on: examples, using: backprop)
    let checked =
      mistake?.apply(
        to: analytic.gradients, of: network, objective: objective, exampleCount: exampleCount)
      ?? analytic.gradients
    let check = try GradientCheck(
      network: network, examples: examples, objective: objective, analytic: checked)

    print(
      "Gradient check of the \(backprop.rawValue) backpropagation: network \(layers),"
        + " \(model.activation.rawValue) hidden units, \(model.cost.rawValue) cost,")
    print(
      "λ = \(Formatting.compact(model.lambda)), m = \(exampleCount) made-up examples, seed \(model.seed)"
    )
    print(
      "numerical = (J(Θ + ε) − J(Θ − ε)) / 2ε for each weight, ε = \(Formatting.compact(GradientCheck.epsilon))"
    )
    if let mistake {
      print("Mistake made on purpose: \(mistake.explanation)")
      if model.lambda == 0 && mistake != .noAverage {
        print("(with λ = 0 it changes nothing: add --lambda 1)")
      }
    }
    print()
    if entries > 0 {
      var rows = [["weight", "numerical", "backprop D"]]
      for (l, i, j) in shownEntries(network) {
        rows.append([
          "Θ(\(l))[\(i + 1),\(j + 1)]",
          Formatting.number(check.numerical[l][i, j], decimals: 12),
          Formatting.number(check.analytic[l][i, j], decimals: 12),
        ])
      }
      Formatting.printLines(Formatting.table(rows), indent: "  ")
      print("  (indices 1-based; column 1 holds the bias weights)")
      print()
    }
    var rows = [["layer", "max |num − D|", "‖num − D‖ / ‖num + D‖"]]
    for layer in check.layers {
      rows.append([
        "D(\(layer.layer))", Formatting.scientific(layer.maxAbsoluteDifference),
        Formatting.scientific(layer.relativeDifference),
      ])
    }
    rows.append([
      "all", Formatting.scientific(check.maxAbsoluteDifference),
      Formatting.scientific(check.relativeDifference),
    ])
    Formatting.printLines(Formatting.table(rows), indent: "  ")
    if !check.kinks.isEmpty {
      print(
        "  (\(check.kinks.count) weight\(check.kinks.count == 1 ? "" : "s") left out: the ±ε step moves a relu unit"
          + " across its kink at z = 0, where there is no derivative)")
    }
    print()
    let verdict = check.passed ? "PASS" : "FAIL"
    let worstLayer = check.layers.max { $0.relativeDifference < $1.relativeDifference }
    if let worstLayer, worstLayer.relativeDifference >= GradientCheck.layerThreshold {
      print(
        Terminal.standardOutput.highlighted(verdict, good: false)
          + ": D(\(worstLayer.layer)) differs by \(Formatting.scientific(worstLayer.relativeDifference))"
          + " ≥ \(Formatting.scientific(GradientCheck.layerThreshold)) (overall \(Formatting.scientific(check.relativeDifference)))"
      )
    } else {
      print(
        Terminal.standardOutput.highlighted(verdict, good: check.passed)
          + ": relative difference \(Formatting.scientific(check.relativeDifference)) \(check.passed ? "<" : "≥")"
          + " \(Formatting.scientific(GradientCheck.threshold))")
    }
    if !check.passed { throw ExitCode.failure }
  }

  /// The first `entries` weights of each layer, row by row.
  private func shownEntries(_ network: Network) -> [(Int, Int, Int)] {
    network.thetas.layers.flatMap { l in
      let columns = network.thetas[l].columns
      return (0..<min(entries, network.thetas[l].elements.count)).map {
        (l, $0 / columns, $0 % columns)
      }
    }
  }
}
