/// A fully-connected network: its weights Θ^(1)…Θ^(L−1) and the activation of its hidden
/// layers (the output layer is the sigmoid).
public struct Network: Equatable, Sendable {
  /// The layer sizes s1-…-sL the weights have.
  public let architecture: Architecture
  /// g for the hidden layers 2…L−1.
  public let activation: Activation
  /// Θ^(l) for l = 1…L−1, each s_{l+1} × (s_l + 1); column 0 multiplies the bias unit.
  public private(set) var thetas: Layered<Matrix>

  /// A network with the given weights.
  /// - Throws: `BackpropError.shapeMismatch` when Θ^(l+1) does not have s_{l+1} + 1 columns
  ///   for the s_{l+1} rows of Θ^(l) (naming the layer and the shape it must have), or
  ///   `BackpropError.nonFiniteValue` for a NaN or infinite weight.
  public init(thetas: [Matrix], activation: Activation = .sigmoid) throws {
    guard let first = thetas.first else {
      throw BackpropError.shapeMismatch(
        "there are no weight matrices; a network needs Θ(1) at least")
    }
    var sizes = [first.columns - 1]
    for (index, theta) in thetas.enumerated() {
      let l = index + 1
      guard theta.rows >= 1, theta.columns >= 2, theta.columns == sizes[index] + 1 else {
        throw BackpropError.shapeMismatch(
          l == 1
            ? "Θ(1) is \(theta.shapeDescription) but needs 1 row or more and 2 columns or more (s2 × (s1 + 1))"
            : "Θ(\(l)) is \(theta.shapeDescription) but must have s\(l) + 1 = \(sizes[index] + 1) columns,"
              + " since Θ(\(l - 1)) has \(sizes[index]) rows")
      }
      guard theta.isFinite else {
        throw BackpropError.nonFiniteValue("Θ(\(l)) holds a NaN or infinite weight")
      }
      sizes.append(theta.rows)
    }
    self.architecture = try Architecture(layerSizes: sizes)
    self.activation = activation
    self.thetas = Layered(thetas, firstLayer: 1)
  }

  /// A network of the given shape with the course's random initialization: every Θᵢⱼ^(l)
  /// uniform in [−ε_l, ε_l], ε_l = √6 / √(s_l + s_{l+1}), drawn from a generator seeded with
  /// `seed` for Θ^(1), Θ^(2), … in turn, each row by row. The same seed gives the same
  /// weights on every machine.
  public init(architecture: Architecture, activation: Activation = .sigmoid, seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let thetas = (1..<architecture.layerCount).map { l in
      let epsilon = Self.initializationEpsilon(
        architecture.units(inLayer: l), architecture.units(inLayer: l + 1))
      let shape = architecture.thetaShape(l)
      return Matrix(rows: shape.rows, columns: shape.columns) { _, _ in
        generator.nextUniform(from: -epsilon, to: epsilon)
      }
    }
    self.architecture = architecture
    self.activation = activation
    self.thetas = Layered(thetas, firstLayer: 1)
  }

  /// ε = √6 / √(s_l + s_{l+1}), the half-width of the initial weights between two layers.
  public static func initializationEpsilon(_ unitsIn: Int, _ unitsOut: Int) -> Double {
    6.0.squareRoot() / Double(unitsIn + unitsOut).squareRoot()
  }

  /// The same network with every weight multiplied by `factor`.
  public func scaled(by factor: Double) -> Network {
    var network = self
    for l in thetas.layers { network.thetas[l] = factor * thetas[l] }
    return network
  }

  /// L, the number of layers.
  public var layerCount: Int { architecture.layerCount }

  /// g of layer l = 2…L: the hidden activation, or the sigmoid for the output layer L.
  public func activation(ofLayer l: Int) -> Activation {
    l == layerCount ? .sigmoid : activation
  }

  /// One step of gradient descent: Θ^(l) := Θ^(l) − α D^(l) for every l.
  public mutating func descend(along gradients: Layered<Matrix>, learningRate alpha: Double) {
    for l in thetas.layers {
      precondition(thetas[l].hasSameShape(as: gradients[l]), "D(l) has the shape of Θ(l)")
      thetas[l].elements.withUnsafeMutableBufferPointer { theta in
        gradients[l].elements.withUnsafeBufferPointer { d in
          for k in theta.indices { theta[k] -= alpha * d[k] }
        }
      }
    }
  }

  /// The same network with Θᵢⱼ^(l) changed by `change` (for numerical gradients).
  func adjusting(layer l: Int, row i: Int, column j: Int, by change: Double) -> Network {
    var network = self
    network.thetas[l][i, j] += change
    return network
  }

  /// Forward propagation of a batch (rows are examples): A_1 = X, Z_{l+1} = [1 A_l]·Θ^(l)ᵀ,
  /// A_{l+1} = g(Z_{l+1}); every A_l, and Z_L, which the cross-entropy is computed from.
  public func forwardPropagate(_ inputs: Matrix) -> ForwardPropagation {
    var activations = Layered([inputs], firstLayer: 1)
    var weightedInputs = inputs
    for l in thetas.layers {
      // Z_{l+1}, turned into A_{l+1} in place; only Z_L is kept (copied on the write).
      var layer = activations[l].withBiasTimesTransposed(thetas[l])
      if l + 1 == layerCount { weightedInputs = layer }
      activation(ofLayer: l + 1).apply(to: &layer)
      activations.append(layer)
    }
    return ForwardPropagation(activations: activations, outputWeightedInputs: weightedInputs)
  }

  /// Checks that `examples` fit the network: s1 input columns and sL target columns.
  func validate(_ examples: Examples) throws {
    let (inputs, outputs) = (architecture.inputCount, architecture.outputCount)
    guard examples.inputs.columns == inputs else {
      throw BackpropError.shapeMismatch(
        "the examples have \(examples.inputs.columns) inputs but network \(architecture) takes \(inputs)"
      )
    }
    guard examples.targets.columns == outputs else {
      throw BackpropError.shapeMismatch(
        "the examples have \(examples.targets.columns) targets but network \(architecture)"
          + " has \(outputs) output units")
    }
  }
}

/// What forward propagation of a batch computes.
public struct ForwardPropagation: Sendable {
  /// A_l for l = 1…L, each m × s_l; A_L = h_Θ(X).
  public let activations: Layered<Matrix>
  /// Z_L, m × s_L: the output layer's weighted inputs.
  public let outputWeightedInputs: Matrix

  /// h_Θ(X) = A_L.
  public var outputs: Matrix { activations[activations.layers.upperBound - 1] }
}
