extension Objective {
  /// Backpropagation vectorised over the batch, one product per layer and direction:
  ///
  ///     A_1 = X;  A_{l+1} = g([1 A_l]·Θ^(l)ᵀ)                    forward, m × s_{l+1}
  ///     δ_L = cost's output error of (A_L, Y)                     m × s_L
  ///     Δ^(l) = δ_{l+1}ᵀ·[1 A_l]                                  s_{l+1} × (s_l + 1)
  ///     δ_l = (δ_{l+1}·Θ^(l)) without column 0 ∘ g′(A_l)         m × s_l, for l ≥ 2
  ///
  /// Row i of each matrix is the reference loop's column vector for example i, and Δ^(l) is
  /// its sum over i.
  func fastGradient(of network: Network, on examples: Examples) -> CostAndGradient {
    let forward = network.forwardPropagate(examples.inputs)
    let activations = forward.activations
    let outputs = forward.outputs
    var errors = cost.outputErrors(outputs: outputs, targets: examples.targets)
    var accumulators = network.thetas
    for l in network.thetas.layers.reversed() {
      accumulators[l] = errors.transposedTimesWithBias(activations[l])
      if l >= 2 {
        let g = network.activation(ofLayer: l)
        errors = errors.timesWithoutBiasColumn(network.thetas[l])
          .combined(with: activations[l]) { $0 * g.derivative(atActivation: $1) }
      }
    }
    return costAndGradient(
      totalLoss: cost.totalLoss(
        outputs: outputs, weightedInputs: forward.outputWeightedInputs, targets: examples.targets),
      accumulators: accumulators, of: network, exampleCount: examples.count, forward: forward)
  }
}
