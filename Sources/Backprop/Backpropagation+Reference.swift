extension Objective {
  /// Backpropagation as the course's slide states it, one example at a time:
  ///
  ///     Set Δ^(l) = 0 for all l.
  ///     For i = 1…m:
  ///       a^(1) = x^(i); forward propagation computes a^(l) for l = 2…L
  ///       δ^(L) = a^(L) − y^(i)  (the cost's output error)
  ///       δ^(l) = (Θ^(l)ᵀ δ^(l+1)) without its bias row ∘ g′(z^(l)), l = L−1…2
  ///       Δ^(l) := Δ^(l) + δ^(l+1)·[1; a^(l)]ᵀ
  ///     D^(l) = Δ^(l)/m + (λ/m)Θ^(l), column 0 unregularized.
  ///
  /// `observe`, when given, sees every example's quantities as soon as its Δ is accumulated.
  /// - Throws: `BackpropError.shapeMismatch` when the examples do not fit the network.
  public func referenceGradient(
    of network: Network, on examples: Examples, observe: ((ExampleTrace) -> Void)?
  ) throws -> CostAndGradient {
    try network.validate(examples)
    let thetas = network.thetas
    let layerCount = network.layerCount
    var accumulators = thetas
    for l in thetas.layers {
      accumulators[l] = Matrix(rows: thetas[l].rows, columns: thetas[l].columns)
    }
    var totalLoss = 0.0
    for i in 0..<examples.count {
      let x = Matrix(column: examples.inputs.row(i))
      let y = Matrix(column: examples.targets.row(i))
      var activations = Layered([x], firstLayer: 1)
      var weightedInputs = Layered<Matrix>([], firstLayer: 2)
      for l in thetas.layers {
        weightedInputs.append(thetas[l] * activations[l].addingBiasRow)
        activations.append(weightedInputs[l + 1].map(network.activation(ofLayer: l + 1).value))
      }
      let output = activations[layerCount]
      let loss = cost.totalLoss(
        outputs: output, weightedInputs: weightedInputs[layerCount], targets: y)
      totalLoss += loss

      let unset = Matrix(rows: 0, columns: 0)
      var errors = Layered(repeating: unset, layers: 2..<layerCount + 1)
      var derivatives = Layered(repeating: unset, layers: 2..<layerCount)
      errors[layerCount] = cost.outputErrors(outputs: output, targets: y)
      for l in (2..<layerCount).reversed() {
        derivatives[l] = activations[l].map(
          network.activation(ofLayer: l).derivative(atActivation:))
        errors[l] = (thetas[l].transposed * errors[l + 1]).removingBiasRow.hadamard(derivatives[l])
      }
      for l in accumulators.layers {
        accumulators[l] = accumulators[l] + errors[l + 1] * activations[l].addingBiasRow.transposed
      }
      observe?(
        ExampleTrace(
          index: i + 1, input: x, target: y, weightedInputs: weightedInputs,
          activations: activations, errors: errors, derivatives: derivatives, loss: loss,
          accumulators: accumulators))
    }
    return costAndGradient(
      totalLoss: totalLoss, accumulators: accumulators, of: network, exampleCount: examples.count,
      forward: nil)
  }
}

/// Everything the reference loop computed for one example, numbered by layer as the course
/// numbers it; column vectors throughout.
public struct ExampleTrace: Sendable {
  /// i, 1-based.
  public let index: Int
  /// x^(i) = a^(1), s1 × 1.
  public let input: Matrix
  /// y^(i), sL × 1.
  public let target: Matrix
  /// z^(l) = Θ^(l−1)·[1; a^(l−1)] for l = 2…L.
  public let weightedInputs: Layered<Matrix>
  /// a^(l) for l = 1…L; a^(L) = h_Θ(x).
  public let activations: Layered<Matrix>
  /// δ^(l) for l = 2…L.
  public let errors: Layered<Matrix>
  /// g′(z^(l)) for the hidden layers l = 2…L−1.
  public let derivatives: Layered<Matrix>
  /// This example's unregularized cost, Σₖ over the output units.
  public let loss: Double
  /// Δ^(l) for l = 1…L−1 after this example was added.
  public let accumulators: Layered<Matrix>
}
