/// What gradient descent minimizes: a cost function and the regularization strength λ.
///
/// J(Θ) = (data cost) + (λ/2m) Σ_l Σᵢ Σ_{j≥1} (Θᵢⱼ^(l))² — the bias column j = 0 is not
/// regularized.
public struct Objective: Sendable, Equatable {
  /// The cost function.
  public let cost: Cost
  /// λ ≥ 0.
  public let lambda: Double

  /// - Throws: `BackpropError.outOfRange` unless λ is finite and ≥ 0.
  public init(cost: Cost = .crossEntropy, lambda: Double = 0) throws {
    guard lambda.isFinite, lambda >= 0 else {
      throw BackpropError.outOfRange("λ (lambda) must be a finite number ≥ 0, got \(lambda)")
    }
    self.cost = cost
    self.lambda = lambda
  }

  /// (λ/2m) Σ_l Σᵢ Σ_{j≥1} (Θᵢⱼ^(l))², the regularization term of J.
  public func regularization(of network: Network, exampleCount m: Int) -> Double {
    guard lambda != 0 else { return 0 }
    let sum = network.thetas.elements.reduce(0) { $0 + $1.sumOfSquaresWithoutFirstColumn }
    return lambda / (2 * Double(m)) * sum
  }

  /// J without the regularization term — what the course's bias/variance diagnosis compares
  /// on training and validation sets.
  public func dataCost(of network: Network, on examples: Examples) throws -> Double {
    try network.validate(examples)
    return dataCost(of: network.forwardPropagate(examples.inputs), targets: examples.targets)
  }

  /// The data cost of a forward propagation whose targets are `targets`.
  public func dataCost(of forward: ForwardPropagation, targets: Matrix) -> Double {
    cost.totalLoss(
      outputs: forward.outputs, weightedInputs: forward.outputWeightedInputs, targets: targets)
      / Double(targets.rows)
  }

  /// J(Θ), regularization included.
  public func cost(of network: Network, on examples: Examples) throws -> Double {
    try dataCost(of: network, on: examples)
      + regularization(of: network, exampleCount: examples.count)
  }

  /// J(Θ) and every D^(l) = ∂J/∂Θ^(l) for the batch, by either implementation.
  /// - Throws: `BackpropError.shapeMismatch` when the examples do not fit the network.
  public func gradient(
    of network: Network, on examples: Examples, using method: Backpropagation = .fast
  ) throws -> CostAndGradient {
    try network.validate(examples)
    switch method {
    case .fast: return fastGradient(of: network, on: examples)
    case .reference: return try referenceGradient(of: network, on: examples, observe: nil)
    }
  }

  /// D^(l)ᵢⱼ = Δ^(l)ᵢⱼ/m + (λ/m)Θ^(l)ᵢⱼ for j ≥ 1, and Δ^(l)ᵢ₀/m for j = 0.
  /// (The course slide prints λΘ; with the λ/2m cost term the exact derivative is (λ/m)Θ.)
  func gradients(
    fromAccumulators accumulators: Layered<Matrix>, of network: Network, exampleCount m: Int
  ) -> Layered<Matrix> {
    var gradients = accumulators
    let (scale, decay) = (1 / Double(m), lambda / Double(m))
    for l in gradients.layers {
      let columns = gradients[l].columns
      gradients[l].elements.withUnsafeMutableBufferPointer { d in
        network.thetas[l].elements.withUnsafeBufferPointer { theta in
          for k in d.indices { d[k] = d[k] * scale + (k % columns == 0 ? 0 : decay * theta[k]) }
        }
      }
    }
    return gradients
  }

  /// J of a batch from its summed loss: Σ loss/m + the regularization term.
  func costAndGradient(
    totalLoss: Double, accumulators: Layered<Matrix>, of network: Network, exampleCount m: Int,
    forward: ForwardPropagation?
  ) -> CostAndGradient {
    let dataCost = totalLoss / Double(m)
    return CostAndGradient(
      cost: dataCost + regularization(of: network, exampleCount: m),
      dataCost: dataCost,
      gradients: gradients(fromAccumulators: accumulators, of: network, exampleCount: m),
      forward: forward)
  }
}

/// The two implementations of backpropagation, held equal by the tests.
public enum Backpropagation: String, CaseIterable, Sendable {
  /// The course's slide line by line: for i = 1…m, forward, back, accumulate Δ.
  case reference
  /// Vectorised over the batch: each layer's forward, back and accumulation is one product.
  case fast
}

/// J(Θ) and D^(l) = ∂J/∂Θ^(l) for a batch.
public struct CostAndGradient: Sendable {
  /// J(Θ), regularization included: what descent minimizes.
  public let cost: Double
  /// J without the regularization term.
  public let dataCost: Double
  /// D^(l) for l = 1…L−1, each the shape of Θ^(l).
  public let gradients: Layered<Matrix>
  /// The forward propagation of the batch, when the implementation made one (the fast one
  /// does): its activations give accuracy and saturation without another pass.
  public let forward: ForwardPropagation?
}
