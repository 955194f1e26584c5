import ArgumentParser
import Backprop

/// `nnlab shapes ARCH`: the shape of every quantity of backpropagation, and what it is.
struct Shapes: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the shape of every Θ, a, z, δ, Δ and D of a network, and what each is.",
    discussion: "Example: nnlab shapes 400-25-10 --examples 5000"
  )

  @Argument(
    help: "The layer sizes s1-s2-…-sL, e.g. 3-3-3 or 400-25-10.", transform: parseArchitecture)
  var architecture: Architecture

  @Option(
    name: .customLong("examples"),
    parsing: .unconditional, help: "m, the number of examples in a batch (default: written as m).")
  var exampleCount: Int?

  func validate() throws {
    if let exampleCount, exampleCount < 1 {
      throw ValidationError("--examples must be 1 or more, got \(exampleCount)")
    }
  }

  func run() {
    let sizes = architecture.layerSizes
    let layerCount = architecture.layerCount
    let units = sizes.enumerated().map { "s\($0.offset + 1) = \($0.element)" }.joined(
      separator: ", ")
    let weights = (1..<layerCount).map { l in
      "Θ(\(l)) \(architecture.thetaShape(l).rows * architecture.thetaShape(l).columns)"
    }
    print(
      "Network \(architecture): L = \(layerCount) layers with \(units) units (bias units not counted)."
    )
    print("\(architecture.parameterCount) weights: \(weights.joined(separator: ", ")).")
    print()
    print("One example, as column vectors:")
    Formatting.printLines(Formatting.table(exampleRows(), rightAligned: false), indent: "  ")
    print("  (There is no δ(1): the inputs are data, not units that make an error.)")
    print()
    let m = exampleCount.map(String.init) ?? "m"
    print("A batch of \(m == "m" ? "m" : "m = \(m)") examples, one example per row:")
    Formatting.printLines(Formatting.table(batchRows(m: m), rightAligned: false), indent: "  ")
  }

  private func shape(_ rows: Int, _ columns: Int) -> String { "\(rows) × \(columns)" }
  private func shape(_ rows: String, _ columns: Int) -> String { "\(rows) × \(columns)" }

  /// symbol, shape, shape with the bias unit, meaning — for one example.
  private func exampleRows() -> [[String]] {
    let s = architecture.layerSizes
    let layerCount = architecture.layerCount
    var rows = [["symbol", "shape", "with bias", "what it is"]]
    rows.append([
      "a(1)", shape(s[0], 1), shape(s[0] + 1, 1),
      "the input x; [1; a(1)] puts the bias unit a0 = 1 on top",
    ])
    for l in 1..<layerCount {
      let next = l + 1
      rows.append([
        "Θ(\(l))", shape(s[l], s[l - 1] + 1), "",
        "weights into layer \(next): s\(next) × (s\(l) + 1); column 0 multiplies the bias unit",
      ])
      rows.append([
        "z(\(next))", shape(s[l], 1), "",
        "Θ(\(l))·[1; a(\(l))], the weighted inputs of layer \(next)",
      ])
      if next == layerCount {
        rows.append([
          "a(\(next))", shape(s[l], 1), "", "g(z(\(next))) = h_Θ(x), the output (sigmoid)",
        ])
      } else {
        rows.append([
          "a(\(next))", shape(s[l], 1), shape(s[l] + 1, 1),
          "g(z(\(next))), the activations of layer \(next)",
        ])
      }
    }
    rows.append([
      "δ(\(layerCount))", shape(s[layerCount - 1], 1), "",
      "a(\(layerCount)) − y, the output error (cross-entropy; mse multiplies by g′(z(\(layerCount))))",
    ])
    for l in (2..<layerCount).reversed() {
      rows.append([
        "δ(\(l))", shape(s[l - 1], 1), "",
        "Θ(\(l))ᵀ δ(\(l + 1)) is \(shape(s[l - 1] + 1, 1)); without its bias row, ∘ g′(z(\(l)))",
      ])
    }
    for l in 1..<layerCount {
      rows.append([
        "Δ(\(l))", shape(s[l], s[l - 1] + 1), "",
        "Δ(\(l)) + δ(\(l + 1))·[1; a(\(l))]ᵀ summed over the examples; shaped like Θ(\(l))",
      ])
    }
    for l in 1..<layerCount {
      rows.append([
        "D(\(l))", shape(s[l], s[l - 1] + 1), "",
        "Δ(\(l))/m + (λ/m)·Θ(\(l)), no λ term in column 0: ∂J/∂Θ(\(l))",
      ])
    }
    return rows
  }

  /// symbol, shape, how it is computed — for a batch of m examples as rows.
  private func batchRows(m: String) -> [[String]] {
    let s = architecture.layerSizes
    let layerCount = architecture.layerCount
    var rows = [["symbol", "shape", "computed as"]]
    rows.append(["A1", shape(m, s[0]), "X, row i is x(i)ᵀ"])
    for l in 1..<layerCount {
      rows.append(["[1 A\(l)]", shape(m, s[l - 1] + 1), "a column of ones, then A\(l)"])
      rows.append(["Z\(l + 1)", shape(m, s[l]), "[1 A\(l)]·Θ(\(l))ᵀ"])
      rows.append([
        "A\(l + 1)", shape(m, s[l]),
        "g(Z\(l + 1))" + (l + 1 == layerCount ? ", the outputs h" : ""),
      ])
    }
    rows.append(["δ\(layerCount)", shape(m, s[layerCount - 1]), "A\(layerCount) − Y"])
    for l in (2..<layerCount).reversed() {
      rows.append([
        "δ\(l)", shape(m, s[l - 1]), "(δ\(l + 1)·Θ(\(l))) without column 0, ∘ g′(Z\(l))",
      ])
    }
    for l in 1..<layerCount {
      rows.append([
        "Δ(\(l))", shape(s[l], s[l - 1] + 1), "δ\(l + 1)ᵀ·[1 A\(l)], the sum over the m rows",
      ])
    }
    return rows
  }
}
