/// Classic mistakes in computing D, made on purpose so a learner can see the gradient check
/// catch them (`nnlab gradcheck --mistake …`).
public enum GradientMistake: String, CaseIterable, Sendable {
  /// Regularizing the bias column too: D^(l)ᵢ₀ gets (λ/m)Θᵢ₀^(l) as well.
  case regularizedBias = "regularized-bias"
  /// The slide's λΘ taken literally: D = Δ/m + λΘ instead of (λ/m)Θ.
  case slideLambda = "slide-lambda"
  /// Forgetting to average: D = Δ + (λ/m)Θ instead of Δ/m + (λ/m)Θ.
  case noAverage = "no-average"

  /// What the mistake changes, in one line.
  public var explanation: String {
    switch self {
    case .regularizedBias: "column 0 regularized too: D(l) = Δ(l)/m + (λ/m)·Θ(l) in every column"
    case .slideLambda: "the slide's λΘ taken literally: D(l) = Δ(l)/m + λ·Θ(l) outside column 0"
    case .noAverage: "no 1/m: D(l) = Δ(l) + (λ/m)·Θ(l) outside column 0"
    }
  }

  /// The correct gradients `gradients` of `objective` at `network` over m examples, with
  /// this mistake made.
  public func apply(
    to gradients: Layered<Matrix>, of network: Network, objective: Objective, exampleCount m: Int
  ) -> Layered<Matrix> {
    let (lambda, count) = (objective.lambda, Double(m))
    var wrong = gradients
    for l in gradients.layers {
      let theta = network.thetas[l]
      wrong[l] = Matrix(rows: theta.rows, columns: theta.columns) { i, j in
        let decay = j == 0 ? 0 : lambda / count * theta[i, j]  // the correct (λ/m)Θ term
        let average = gradients[l][i, j] - decay  // Δ/m
        switch self {
        case .regularizedBias:
          return gradients[l][i, j] + (j == 0 ? lambda / count * theta[i, j] : 0)
        case .slideLambda: return average + (j == 0 ? 0 : lambda * theta[i, j])
        case .noAverage: return average * count + decay
        }
      }
    }
    return wrong
  }
}
